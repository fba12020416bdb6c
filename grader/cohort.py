"""The cohort table: one row per submission, read from its results.json, written as CSV and HTML.

`grader batch` builds it from the grades it just ran; `grader merge` from results.json files
graded elsewhere (one CI job per submission). Either way the rows must come from the same
rubric and hidden suite, or the table would rank candidates against different tests.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import os
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.similarity import SimilarityReport, display_name, iter_partners, similarity_document

REPORT_FILES = ("report.html", "results.json")
NOT_COMPUTED = "not computed"
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class RowStatus(enum.StrEnum):
    """`graded`: a trustworthy grade. `error`: the grader could not grade (not the candidate)."""

    GRADED = "graded"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class SkillCell:
    """One skill of one submission: the final percent (after reviewer overrides) and band."""

    id: str
    title: str
    percent: float | None
    band: str


@dataclass(frozen=True, slots=True)
class CohortRow:
    """One submission in the cohort table."""

    id: str
    status: RowStatus
    total_percent: float | None = None
    band: str = ""
    skills: tuple[SkillCell, ...] = ()
    message: str = ""
    report: str | None = None
    rubric_sha256: str = ""
    hidden_suite_sha256: str = ""


@dataclass(frozen=True, slots=True)
class Cohort:
    """The rows in id order, the similarity flags when the code was available, and problems."""

    rows: tuple[CohortRow, ...]
    similarity: SimilarityReport | None
    problems: tuple[str, ...] = ()

    @property
    def skills(self) -> tuple[tuple[str, str], ...]:
        """(id, title) of every skill in the rows, in the order the reports list them."""
        seen: dict[str, str] = {}
        for row in self.rows:
            for cell in row.skills:
                seen.setdefault(cell.id, cell.title)
        return tuple(seen.items())

    @property
    def errored(self) -> tuple[CohortRow, ...]:
        """The rows the grader could not grade."""
        return tuple(row for row in self.rows if row.status is RowStatus.ERROR)

    @property
    def healthy(self) -> bool:
        """Every submission graded, and the table comparable."""
        return not self.errored and not self.problems


def graded_row(submission_id: str, document: dict[str, Any], *, report: str | None) -> CohortRow:
    """The row of a schema-valid results document; a grade with status `error` stays an error."""
    run = document["run"]
    return CohortRow(
        id=submission_id,
        status=RowStatus(document["status"]),
        total_percent=document["total"]["percent"],
        band=document["total"]["band"],
        skills=tuple(
            SkillCell(
                id=skill["id"],
                title=skill["title"],
                percent=skill.get("final_percent", skill["percent"]),
                band=skill.get("final_band", skill["band"]),
            )
            for skill in document["skills"]
        ),
        message="; ".join(document["problems"]),
        report=report,
        rubric_sha256=run["rubric_sha256"],
        hidden_suite_sha256=run["hidden_suite_sha256"],
    )


def error_row(submission_id: str, message: str, *, report: str | None = None) -> CohortRow:
    """The row of a submission the grader could not grade, with why."""
    return CohortRow(id=submission_id, status=RowStatus.ERROR, message=message, report=report)


MATERIAL_TIP = (
    "Regrade the submissions graded with the older rubric or hidden suite with the current "
    "grader, or merge each group separately."
)


def material_problem(rows: Iterable[CohortRow]) -> str | None:
    """Why rows are not comparable (graded with different rubrics or hidden suites), or None."""
    graded = [row for row in rows if row.rubric_sha256]
    for attribute, what in (("rubric_sha256", "rubric"), ("hidden_suite_sha256", "hidden suite")):
        groups: dict[str, list[str]] = {}
        for row in graded:
            groups.setdefault(getattr(row, attribute), []).append(row.id)
        if len(groups) > 1:
            listing = "; ".join(
                f"{digest[:12]}: {', '.join(sorted(ids))}" for digest, ids in sorted(groups.items())
            )
            return (
                f"The results were graded with different versions of the {what} ({listing}), "
                "so their scores are not comparable in one table."
            )
    return None


def require_same_material(rows: Iterable[CohortRow]) -> None:
    """Refuse rows graded against different rubrics or hidden suites: they are not comparable."""
    problem = material_problem(rows)
    if problem is not None:
        raise UsageError(problem, tip=MATERIAL_TIP)


def link_to(report_dir: Path, *, out: Path) -> str | None:
    """A relative link from the cohort folder to a submission's HTML report, else its JSON."""
    for name in REPORT_FILES:
        if (report_dir / name).is_file():
            relative = os.path.relpath(report_dir / name, out)
            return "/".join(urllib.parse.quote(part) for part in Path(relative).parts)
    return None


# --------------------------------------------------------------------------- CSV


def percent_cell(value: float | None) -> str:
    """A percentage with one decimal, empty when not assessed."""
    return "" if value is None else f"{value:.1f}"


def similarity_cell(cohort: Cohort, submission_id: str) -> str:
    """`bob 0.93; reference solution 1.00`, empty without flags, `not computed` without code."""
    if cohort.similarity is None:
        return NOT_COMPUTED
    partners = iter_partners(cohort.similarity, submission_id)
    return "; ".join(f"{display_name(other)} {score:.2f}" for other, score in partners)


def _safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def csv_header(cohort: Cohort) -> list[str]:
    """The columns: identity and total, a percent and band per skill, flags, link, message."""
    per_skill = [
        f"{skill_id}_{part}" for skill_id, _ in cohort.skills for part in ("percent", "band")
    ]
    return [
        "id",
        "status",
        "total_percent",
        "band",
        *per_skill,
        "similarity_flags",
        "report",
        "message",
    ]


def csv_row(cohort: Cohort, row: CohortRow) -> list[str]:
    """One submission's cells, in the order of `csv_header`."""
    cells = {cell.id: cell for cell in row.skills}
    per_skill: list[str] = []
    for skill_id, _ in cohort.skills:
        cell = cells.get(skill_id)
        per_skill += [percent_cell(cell.percent), cell.band] if cell else ["", ""]
    return [
        row.id,
        str(row.status),
        percent_cell(row.total_percent),
        row.band,
        *per_skill,
        similarity_cell(cohort, row.id),
        row.report or "",
        row.message,
    ]


def render_csv(cohort: Cohort) -> str:
    """`cohort.csv`: a header and one row per submission; text cells cannot start a formula."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(csv_header(cohort))
    for row in cohort.rows:
        writer.writerow([_safe_cell(cell) for cell in csv_row(cohort, row)])
    return stream.getvalue()


# --------------------------------------------------------------------------- writing


def write_cohort(cohort: Cohort, out: Path) -> list[Path]:
    """Write cohort.csv, cohort.html and similarity.json under `out`; the paths written."""
    from grader.cohort_html import render_cohort_html
    from grader.report.formats import write_atomically

    files = {
        "cohort.csv": render_csv(cohort),
        "cohort.html": render_cohort_html(cohort),
        "similarity.json": json.dumps(similarity_document(cohort.similarity), indent=2) + "\n",
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            write_atomically(out / name, text)
    except OSError as exc:
        raise UsageError(
            f"Cannot write the cohort table to {out}: {exc.strerror or exc}",
            tip="Pass --out with a writable folder.",
        ) from exc
    return [out / name for name in files]


def sorted_rows(rows: Sequence[CohortRow]) -> tuple[CohortRow, ...]:
    """Rows in id order, so the table reads the same whatever order the grades finished in."""
    return tuple(sorted(rows, key=lambda row: row.id))


# --------------------------------------------------------------------------- merging


def results_files(paths: Iterable[Path]) -> list[Path]:
    """The results.json files named, or found under the folders named, in a stable order."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            found.update(dict.fromkeys(sorted(path.rglob("results.json"))))
        elif path.is_file():
            found[path] = None
        else:
            raise UsageError(
                f"{path} does not exist.", tip="Pass results.json files or folders holding them."
            )
    if not found:
        raise UsageError(
            "No results.json found in the paths given.",
            tip="Download the grading jobs' artifacts first, then pass their folder.",
        )
    return list(found)


def submission_id_of(results: Path) -> str:
    """A results file's submission id: the name of its folder (`out/alice/results.json`)."""
    return results.resolve().parent.name


def read_row(results: Path, *, out: Path) -> CohortRow:
    """The row of one results.json; an unreadable or invalid file is an error row, not a stop."""
    from grader.report.json_report import validate_document

    submission_id = submission_id_of(results)
    try:
        document = json.loads(results.read_text(encoding="utf-8"))
        valid = validate_document(document, source=str(results))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return error_row(submission_id, f"cannot read {results}: {exc}")
    except UsageError as exc:
        return error_row(submission_id, exc.message)
    return graded_row(submission_id, valid, report=link_to(results.parent, out=out))


def merged_rows(files: Iterable[Path], *, out: Path) -> list[CohortRow]:
    """One row per results file; two files of the same submission id are a usage error."""
    rows: dict[str, CohortRow] = {}
    for results in files:
        row = read_row(results, out=out)
        if row.id in rows:
            raise UsageError(
                f"Two results files belong to the submission {row.id!r}.",
                tip="Each submission's results.json must sit in a folder named after its id "
                "(e.g. results/alice/results.json).",
            )
        rows[row.id] = row
    return list(rows.values())
