"""The registry of file reports: name -> filename, audiences, renderer; and writing them atomically.

Every renderer is a pure function `(outcome, audience, rubric) -> str`. The rubric supplies the
candidate-facing hints and the reviewer notes that a check result does not carry; by default it
is the project's rubric.toml (a report notes it when its hash differs from the graded one).
Candidate files get a `candidate-` prefix, e.g. `candidate-report.html`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.paths import RUBRIC_PATH
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.gradescope_report import render_gradescope
from grader.report.html_report import render_html
from grader.report.json_report import render_json
from grader.report.junit_report import render_junit
from grader.report.markdown_report import render_markdown
from grader.report.sarif_report import render_sarif
from grader.rubric import Rubric, load_rubric

__all__ = ["FORMATS", "Audience", "ReportFormat", "report_format", "write_reports"]

Renderer = Callable[[GradeOutcome, Audience, Rubric], str]
CANDIDATE_PREFIX = "candidate-"
REVIEWER_ONLY = frozenset({Audience.REVIEWER})
BOTH = frozenset(Audience)
# mkstemp creates 0600 files; reports are shared with the hiring team like any other file.
REPORT_MODE = 0o644


def _json(outcome: GradeOutcome, audience: Audience, rubric: Rubric) -> str:
    return render_json(outcome)


@dataclass(frozen=True, slots=True)
class ReportFormat:
    """One file report: its name on the command line, its file, who may read it."""

    name: str
    filename: str
    audiences: frozenset[Audience]
    renderer: Renderer

    def render(
        self, outcome: GradeOutcome, audience: Audience, rubric: Rubric | None = None
    ) -> str:
        """The report's text for one audience; the project's rubric unless one is given."""
        if audience not in self.audiences:
            raise ValueError(f"the {self.name} report is not written for the {audience} audience")
        return self.renderer(outcome, audience, rubric or load_rubric(RUBRIC_PATH))

    def path_in(self, out_dir: Path, audience: Audience) -> Path:
        """Where this report goes for an audience."""
        prefix = CANDIDATE_PREFIX if audience is Audience.CANDIDATE else ""
        return out_dir / f"{prefix}{self.filename}"


FORMATS: dict[str, ReportFormat] = {
    f.name: f
    for f in (
        # The canonical document, with evidence: never for candidates.
        ReportFormat("json", "results.json", REVIEWER_ONLY, _json),
        ReportFormat("markdown", "report.md", BOTH, render_markdown),
        ReportFormat("html", "report.html", BOTH, render_html),
        ReportFormat("junit", "junit.xml", REVIEWER_ONLY, render_junit),
        # Candidate-safe by construction; the reviewer uploads it and publishes on Gradescope.
        ReportFormat("gradescope", "gradescope.json", REVIEWER_ONLY, render_gradescope),
        ReportFormat("sarif", "results.sarif", REVIEWER_ONLY, render_sarif),
    )
}


def report_format(name: str) -> ReportFormat:
    """The registered format of this name; an unknown name is a usage error."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UsageError(
            f"Unknown report format {name!r}.",
            tip=f"Choose from: {', '.join(FORMATS)} (comma-separated).",
        ) from None


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, then rename: no half-written report."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, REPORT_MODE)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_reports(
    outcome: GradeOutcome,
    formats: Iterable[str],
    out_dir: Path,
    audiences: Iterable[Audience],
    *,
    rubric: Rubric | None = None,
) -> list[Path]:
    """Write each format for each of its audiences that was asked for; the paths written.

    Positional as the CLI calls it: `write_reports(outcome, ("html", "json"), out, audiences)`.
    """
    chosen = [report_format(name) for name in formats]
    wanted = list(dict.fromkeys(audiences))
    rubric = rubric or load_rubric(RUBRIC_PATH)
    written: list[Path] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for fmt in chosen:
            for audience in wanted:
                if audience in fmt.audiences:
                    path = fmt.path_in(out_dir, audience)
                    write_atomically(path, fmt.render(outcome, audience, rubric))
                    written.append(path)
    except OSError as exc:
        raise UsageError(
            f"Cannot write reports to {out_dir}: {exc.strerror or exc}",
            tip="Pass --out with a writable folder.",
        ) from exc
    return written
