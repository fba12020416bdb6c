"""The `grader` command: parses options, wires the stages, maps errors to exit codes.

Exit codes: 0 graded; 1 graded below the pass mark (only with --pass-mark); 2 usage error;
3 the grader or its infrastructure failed (the grade, if any, says `status: error`).
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click
from rich.console import Console
from rich.markup import escape

from grader import __version__
from grader.errors import GraderError, UsageError
from grader.pipeline import RUNNERS, GradeOptions, GradeOutcome, grade
from grader.report.formats import Audience
from grader.scoring import Outcome

EXIT_GRADED, EXIT_BELOW_PASS_MARK, EXIT_USAGE, EXIT_INFRASTRUCTURE = 0, 1, 2, 3

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


def status_printer(verbose: bool) -> Callable[[str], None]:
    """Progress as one timestamped status line per step, readable in CI logs too."""
    started = time.monotonic()

    def progress(message: str) -> None:
        if message.startswith("  ") and not verbose:
            return
        err_console.print(f"[dim]{time.monotonic() - started:6.1f}s[/dim]  {message}")

    return progress


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Print grader errors as `message` + `Tip:` and exit with their code; never a traceback."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    except GraderError as exc:
        # Messages quote paths and TOML (`[[checks]]`): print them literally, not as markup.
        err_console.print(f"[bold red]Error:[/bold red] {escape(exc.message)}", soft_wrap=True)
        if exc.tip:
            err_console.print(f"[bold]Tip:[/bold] {escape(exc.tip)}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("Interrupted: containers and volumes of this run were removed.")
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)


def format_names() -> tuple[str, ...]:
    from grader.report.formats import FORMATS

    return ("terminal", *FORMATS)


def parse_formats(value: str) -> tuple[str, ...]:
    formats = tuple(part.strip() for part in value.split(",") if part.strip())
    known = format_names()
    unknown = [f for f in formats if f not in known]
    if unknown or not formats:
        raise UsageError(
            f"Unknown output format {', '.join(unknown) or '(none)'}.",
            tip=f"Choose from: {', '.join(known)} (comma-separated).",
        )
    return formats


def parse_audiences(value: str) -> tuple[Audience, ...]:
    return tuple(Audience) if value == "both" else (Audience(value),)


def write_reports(
    outcome: GradeOutcome,
    *,
    formats: tuple[str, ...],
    out: Path,
    audiences: tuple[Audience, ...] = (Audience.REVIEWER,),
) -> list[Path]:
    """Write file formats under `out`; print the terminal one."""
    from grader.report import formats as report_formats
    from grader.report.terminal import terminal_summary

    files = tuple(f for f in formats if f != "terminal")
    try:
        written = report_formats.write_reports(outcome, files, out, audiences) if files else []
    except OSError as exc:
        raise UsageError(
            f"Cannot write reports to {out}: {exc.strerror or exc}",
            tip="Pass --out with a writable folder.",
        ) from exc
    if "terminal" in formats:
        out_console.print(terminal_summary(outcome, audiences[0]))
    return written


def exit_code_of(outcome: GradeOutcome) -> int:
    if outcome.card.status is Outcome.ERROR:
        return EXIT_INFRASTRUCTURE
    if outcome.card.passed is False:
        return EXIT_BELOW_PASS_MARK
    return EXIT_GRADED


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Grade take-home submissions of the ledger exercise inside a locked-down sandbox."""


@main.command("grade")
@click.argument("submission")
@click.option(
    "--runner",
    type=click.Choice(RUNNERS),
    default="docker",
    show_default=True,
    help="docker: locked-down containers. local: plain processes, trusted code only.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("grade-out"),
    show_default=True,
    help="Folder for file reports.",
)
@click.option(
    "--format",
    "formats",
    default="terminal,json",
    show_default=True,
    help="Comma-separated: terminal, json, markdown, html, junit, gradescope, sarif.",
)
@click.option(
    "--audience",
    type=click.Choice(["reviewer", "candidate", "both"]),
    default="reviewer",
    show_default=True,
    help="reviewer: everything, with evidence. candidate: skills and hints only.",
)
@click.option("--only", default="", help="Comma-separated skills or check ids to run.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed recorded in the report.")
@click.option(
    "--pass-mark",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when the weighted total is below this percentage.",
)
@click.option(
    "--base",
    "base_ref",
    default=None,
    help="Git ref the candidate started from (history is read from there).",
)
@click.option(
    "--since-exercise",
    is_flag=True,
    help="Judge the history after the exported exercise's commit (found by its tree).",
)
@click.option(
    "--overrides",
    type=click.Path(path_type=Path),
    default=None,
    help="A reviewer's overrides file (TOML): skill adjustments and human-rubric scores.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show every step, including image builds.")
def grade_command(
    submission: str,
    runner: str,
    out: Path,
    formats: str,
    audience: str,
    only: str,
    seed: int,
    pass_mark: float | None,
    base_ref: str | None,
    since_exercise: bool,
    overrides: Path | None,
    verbose: bool,
) -> None:
    """Grade SUBMISSION: a folder, an archive (.tar.gz, .zip) or a git repo as PATH_OR_URL@REF."""
    with friendly_errors():
        chosen = parse_formats(formats)
        options = GradeOptions(
            runner=runner,
            seed=seed,
            only=tuple(part.strip() for part in only.split(",") if part.strip()),
            pass_mark=pass_mark,
            base_ref=base_ref,
            overrides=overrides,
            since_exercise=since_exercise,
        )
        if runner == "local":
            from grader.sandbox.local import WARNING

            err_console.print(f"[bold yellow]Warning:[/bold yellow] {WARNING}", soft_wrap=True)
        outcome = grade(submission, options=options, progress=status_printer(verbose))
        audiences = parse_audiences(audience)
        for path in write_reports(outcome, formats=chosen, out=out, audiences=audiences):
            err_console.print(f"wrote {escape(str(path))}")
        sys.exit(exit_code_of(outcome))


@main.command("report")
@click.argument("results", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the reports (default: the folder of RESULTS).",
)
@click.option(
    "--format",
    "formats",
    default="terminal,markdown,html",
    show_default=True,
    help="Comma-separated output formats.",
)
@click.option(
    "--audience",
    type=click.Choice(["reviewer", "candidate", "both"]),
    default="reviewer",
    show_default=True,
)
@click.option(
    "--overrides",
    type=click.Path(path_type=Path),
    default=None,
    help="A reviewer's overrides file (TOML): skill adjustments and human-rubric scores.",
)
@click.option("--pass-mark", type=click.FloatRange(0, 100), default=None)
def report_command(
    results: Path,
    out: Path | None,
    formats: str,
    audience: str,
    overrides: Path | None,
    pass_mark: float | None,
) -> None:
    """Re-render a saved results.json, optionally re-scored with a reviewer's overrides."""
    with friendly_errors():
        from grader.rescore import rescore

        chosen = parse_formats(formats)
        outcome = rescore(results, overrides=overrides, pass_mark=pass_mark)
        destination = out if out is not None else results.parent
        for path in write_reports(
            outcome, formats=chosen, out=destination, audiences=parse_audiences(audience)
        ):
            err_console.print(f"wrote {escape(str(path))}")
        sys.exit(exit_code_of(outcome))


@main.group("images")
def images_group() -> None:
    """Build the runtime and harness images."""


@images_group.command("build")
@click.option(
    "--base-image",
    default=None,
    help="Base image (default: python:3.11-slim, else the bootstrapped one).",
)
@click.option("--rebuild", is_flag=True, help="Build even when images of the same content exist.")
@click.option(
    "--allow-bootstrap",
    is_flag=True,
    help="Without any base image, build one with debootstrap first (needs root).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show build logs.")
def images_build(
    base_image: str | None, rebuild: bool, allow_bootstrap: bool, verbose: bool
) -> None:
    """Build (or reuse) the images, tagged by content hash."""
    with friendly_errors():
        from grader.bootstrap import bootstrap_base
        from grader.engine import docker_client
        from grader.errors import InfrastructureError
        from grader.images import choose_base_image, ensure_images

        client = docker_client()
        progress = status_printer(verbose)
        if base_image is None and allow_bootstrap:
            try:
                base_image = choose_base_image(client, progress=progress)
            except InfrastructureError:
                progress("no base image found or pullable: bootstrapping one with debootstrap")
                base_image = bootstrap_base(client, progress=progress).tag
        built = ensure_images(client, base_image=base_image, rebuild=rebuild, progress=progress)
        for image in built.values():
            out_console.print(f"{image.role:8} {image.tag}  {image.id[:19]}")


@images_group.command("bootstrap-base")
@click.option("--force", is_flag=True, help="Rebuild even if the base image exists.")
@click.option("-v", "--verbose", is_flag=True, help="Show debootstrap output.")
def images_bootstrap(force: bool, verbose: bool) -> None:
    """Build a Debian base image with debootstrap, for hosts without an image registry."""
    with friendly_errors():
        from grader.bootstrap import bootstrap_base
        from grader.engine import docker_client

        image = bootstrap_base(docker_client(), force=force, progress=status_printer(verbose))
        out_console.print(f"{image.tag}  {image.id[:19]}")


@main.command("compare")
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
def compare_command(results: tuple[Path, ...]) -> None:
    """Show several results.json files side by side (e.g. the reference and the starter)."""
    with friendly_errors():
        from grader.report.compare import compare_table, load_results

        documents = [(_column_name(path), load_results(path)) for path in results]
        out_console.print(compare_table(documents))


def _column_name(path: Path) -> str:
    """`grade-out/reference/results.json` -> `reference`."""
    return path.parent.name if path.name == "results.json" and path.parent.name else path.stem


@main.command("export-exercise")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--author", default=None, help="'Name <email>' of the commit's author and committer.")
@click.option("--date", default=None, help="ISO 8601 date-time of the commit (default: fixed).")
@click.option("--message", default=None, help="The commit message.")
def export_command(out: Path, author: str | None, date: str | None, message: str | None) -> None:
    """Write the candidate's repository to OUT: the exercise in one deterministic commit.

    Refuses (exit 3, nothing written) when the exercise contains hidden test names, rubric or
    review key text, reference solution lines or canary strings.
    """
    with friendly_errors():
        from grader import export

        result = export.export_exercise(
            out,
            author=author or export.DEFAULT_AUTHOR,
            date=date or export.DEFAULT_DATE,
            message=message or export.DEFAULT_MESSAGE,
        )
        out_console.print(
            f"exported {result.files} files to {escape(str(result.out))}: "
            f"branch {export.BRANCH}, commit {result.commit}",
            soft_wrap=True,
        )


@main.command("doctor")
def doctor_command() -> None:
    """Report what grading needs and what is missing, with a Tip for each problem."""
    with friendly_errors():
        from grader.doctor import diagnose

        findings = diagnose()
        for finding in findings:
            mark = "[green]ok[/green]  " if finding.ok else "[red]FAIL[/red]"
            out_console.print(f"{mark} {finding.name}: {escape(finding.detail)}")
            if not finding.ok and finding.tip:
                out_console.print(f"      Tip: {escape(finding.tip)}")
        sys.exit(EXIT_GRADED if all(f.ok for f in findings) else EXIT_INFRASTRUCTURE)


@main.command("batch")
@click.argument("target", type=click.Path(path_type=Path, exists=True))
@click.option(
    "--jobs", type=click.IntRange(1), default=1, show_default=True, help="Grades at once."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("cohort-out"),
    show_default=True,
    help="Folder for the cohort table and one report folder per submission.",
)
@click.option(
    "--format",
    "formats",
    default="json,html",
    show_default=True,
    help="Comma-separated file reports per submission (json is always written).",
)
@click.option("--runner", type=click.Choice(RUNNERS), default="docker", show_default=True)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=1800.0,
    show_default=True,
    help="Seconds one grade may take before it is stopped and recorded as an error.",
)
@click.option(
    "--shard",
    default=None,
    help="INDEX/COUNT: grade only this share of the cohort (one CI job per shard; "
    "`grader merge` assembles the table). Similarity is then left to the merge.",
)
@click.option("--only", default="", help="Comma-separated skills or check ids to run.")
def batch_command(
    target: Path,
    jobs: int,
    out: Path,
    formats: str,
    runner: str,
    timeout: float,
    shard: str | None,
    only: str,
) -> None:
    """Grade a cohort: TARGET is a manifest (.toml, .csv) or a folder of submissions.

    Writes OUT/<id>/ per submission and OUT/cohort.csv, cohort.html, similarity.json.
    Exits 3 when any submission could not be graded, or the rubric changed during the batch.
    """
    with friendly_errors():
        from grader.batch import BatchOptions, file_formats, run_batch, summary_line
        from grader.cohort_manifest import entries_of, shard_of
        from grader.pipeline import validate_only

        options = BatchOptions(
            out=out,
            jobs=jobs,
            formats=file_formats(parse_formats(formats)),
            runner=runner,
            timeout_s=timeout,
            similarity=shard is None,
            only=validate_only(tuple(part.strip() for part in only.split(",") if part.strip())),
        )
        if runner == "local":
            from grader.sandbox.local import WARNING

            err_console.print(f"[bold yellow]Warning:[/bold yellow] {WARNING}", soft_wrap=True)
        entries = entries_of(target, exclude=out)
        if shard is not None:
            entries = shard_of(entries, shard)
        cohort = run_batch(entries, options, say=status_printer(verbose=False))
        err_console.print(escape(summary_line(cohort)))
        err_console.print(f"wrote {escape(str(out / 'cohort.html'))}")
        sys.exit(EXIT_GRADED if cohort.healthy else EXIT_INFRASTRUCTURE)


@main.command("merge")
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("cohort-out"),
    show_default=True,
    help="Folder for cohort.csv, cohort.html and similarity.json.",
)
@click.option(
    "--submissions",
    type=click.Path(path_type=Path, exists=True),
    default=None,
    help="The cohort's manifest or folder: computes similarity and marks missing results.",
)
def merge_command(results: tuple[Path, ...], out: Path, submissions: Path | None) -> None:
    """Build the cohort table from results.json files (or folders of them) graded elsewhere.

    A submission's id is the name of the folder holding its results.json. Exits 3 when any
    submission could not be graded.
    """
    with friendly_errors():
        from grader.batch import merge_cohort, summary_line

        cohort = merge_cohort(
            results, out=out, submissions=submissions, say=status_printer(verbose=False)
        )
        err_console.print(escape(summary_line(cohort)))
        err_console.print(f"wrote {escape(str(out / 'cohort.html'))}")
        sys.exit(EXIT_GRADED if cohort.healthy else EXIT_INFRASTRUCTURE)
