"""`grader batch` and `grader merge`: grade a cohort, or assemble one graded elsewhere.

Each submission is graded by its own `grader grade` process, at most `jobs` at a time. A grade
that crashes, hangs or exhausts memory takes down only its process; its row says `error` and
the batch goes on. A deadline stops a grade with SIGTERM first (the child then removes its
containers, as on Ctrl-C) and SIGKILL after a grace period. The images are built once, up front,
by this process; each child finds them by their content hash.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from grader.cohort import (
    MATERIAL_TIP,
    Cohort,
    CohortRow,
    error_row,
    material_problem,
    merged_rows,
    read_row,
    require_same_material,
    results_files,
    sorted_rows,
    write_cohort,
)
from grader.cohort_manifest import BatchEntry, entries_of, refuse_overlap
from grader.errors import GraderError
from grader.paths import EXERCISE_DIR, REFERENCE_DIR
from grader.similarity import (
    REFERENCE_ID,
    SimilarityReport,
    code_print,
    cohort_similarity,
    starter_of,
)
from grader.submission import load_submission

Say = Callable[[str], None]
DEFAULT_TIMEOUT_S = 1800.0
TERMINATE_GRACE_S = 30.0
LOG_NAME = "grade.log"
# --------------------------------------------------------------------------- grading


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """How a cohort is graded."""

    out: Path
    jobs: int = 1
    formats: tuple[str, ...] = ("json", "html")
    runner: str = "docker"
    timeout_s: float = DEFAULT_TIMEOUT_S
    similarity: bool = True
    only: tuple[str, ...] = ()


def grade_argv(entry: BatchEntry, options: BatchOptions) -> list[str]:
    """The `grader grade` command line of one submission."""
    base = ["--base", entry.base] if entry.base else []
    only = ["--only", ",".join(options.only)] if options.only else []
    return [
        sys.executable,
        "-m",
        "grader",
        "grade",
        "--runner",
        options.runner,
        "--out",
        str(options.out / entry.id),
        "--format",
        ",".join(options.formats),
        *base,
        *only,
        "--",
        entry.spec,
    ]


class Children:
    """The running grade processes, so that an interrupt can stop every one of them."""

    def __init__(self, *, grace: float = TERMINATE_GRACE_S) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopping = False
        self._grace = grace

    @contextlib.contextmanager
    def started(self, argv: list[str], *, log: Path) -> Iterator[subprocess.Popen[bytes] | None]:
        """A grade process writing to `log`, registered while it runs; None once stopping."""
        with log.open("wb") as stream:
            process = self._start(argv, stream)
            try:
                yield process
            finally:
                if process is not None:
                    with self._lock:
                        self._running.discard(process)

    def _start(self, argv: list[str], stream: IO[bytes]) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if self._stopping:
                return None
            # Its own session: the deadline and Ctrl-C reach its git and docker helpers too.
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=stream,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._running.add(process)
            return process

    def stop_all(self) -> None:
        """Start no more grades and stop the running ones."""
        with self._lock:
            self._stopping = True
            running = list(self._running)
        stop(running, grace=self._grace)


def stop(processes: Iterable[subprocess.Popen[bytes]], *, grace: float = TERMINATE_GRACE_S) -> None:
    """SIGTERM each process group (the grader then removes its containers), SIGKILL stragglers."""
    pending = list(processes)
    for sent in (signal.SIGTERM, signal.SIGKILL):
        for process in pending:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sent)
        deadline = time.monotonic() + grace
        pending = [process for process in pending if not _exits_by(process, deadline)]
        if not pending:
            return


def _exits_by(process: subprocess.Popen[bytes], deadline: float) -> bool:
    try:
        process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return False
    return True


def clear_reports(folder: Path) -> None:
    """Remove the report files a previous run left, so an error cannot show an old grade."""
    from grader.report.formats import FORMATS, Audience

    for report in FORMATS.values():
        for audience in Audience:
            report.path_in(folder, audience).unlink(missing_ok=True)


def grade_one(entry: BatchEntry, options: BatchOptions, children: Children) -> CohortRow:
    """Grade one submission in its own process; whatever goes wrong becomes an error row."""
    folder = options.out / entry.id
    log = folder / LOG_NAME
    log_link = f"{entry.id}/{LOG_NAME}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        clear_reports(folder)
        with children.started(grade_argv(entry, options), log=log) as process:
            if process is None:
                return error_row(entry.id, "not graded: the batch was interrupted")
            try:
                code = process.wait(timeout=options.timeout_s)
            except subprocess.TimeoutExpired:
                stop([process])
                return error_row(
                    entry.id,
                    f"grading did not finish within {options.timeout_s:g} s and was stopped",
                    report=log_link,
                )
    except OSError as exc:
        return error_row(entry.id, f"cannot run the grader: {exc}")
    results = folder / "results.json"
    if results.is_file():
        return read_row(results, out=options.out)
    return error_row(entry.id, f"{exit_text(code)}: {failure_of(log)}", report=log_link)


def exit_text(code: int) -> str:
    """`exit code 2`, or `killed by SIGKILL` (e.g. out of memory) for a negative code."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def failure_of(log: Path) -> str:
    """The grader's own error message from a grade's log (its `Error:` line), else its last line."""
    try:
        lines = [line.strip() for line in log.read_text("utf-8", errors="replace").splitlines()]
    except OSError:
        return "no log"
    errors = [line.removeprefix("Error:").strip() for line in lines if line.startswith("Error:")]
    tail = [line for line in lines if line]
    return errors[-1] if errors else (tail[-1] if tail else "no output")


class Tally:
    """n/N done and which ids are running, said as one status line per event."""

    def __init__(self, total: int, say: Say) -> None:
        self._lock = threading.Lock()
        self._total, self._done, self._say = total, 0, say
        self._running: list[str] = []

    def started(self, submission_id: str) -> None:
        """A grade begins."""
        with self._lock:
            self._running.append(submission_id)
            self._say(f"[{self._done}/{self._total}] grading {submission_id}{self._others()}")

    def finished(self, row: CohortRow, seconds: float) -> None:
        """A grade ended, with its result in a few words."""
        with self._lock:
            self._done += 1
            self._running.remove(row.id)
            outcome = f"{_outcome(row)} in {seconds:.0f} s"
            self._say(f"[{self._done}/{self._total}] {row.id}: {outcome}{self._others()}")

    def _others(self) -> str:
        return f" (running: {', '.join(self._running)})" if self._running else ""


def _outcome(row: CohortRow) -> str:
    if row.total_percent is None:
        return f"{row.status}: {row.message}"
    return f"{row.status}, {row.total_percent:.1f}% {row.band}"


def grade_all(entries: Sequence[BatchEntry], options: BatchOptions, *, say: Say) -> list[CohortRow]:
    """Every entry graded, `options.jobs` at a time; Ctrl-C or SIGTERM stops the running grades."""
    children, tally = Children(), Tally(len(entries), say)

    def task(entry: BatchEntry) -> CohortRow:
        tally.started(entry.id)
        started = time.monotonic()
        row = grade_one(entry, options, children)
        tally.finished(row, time.monotonic() - started)
        return row

    with ThreadPoolExecutor(max_workers=options.jobs, thread_name_prefix="grade") as pool:
        futures: list[Future[CohortRow]] = [pool.submit(task, entry) for entry in entries]
        try:
            return [future.result() for future in as_completed(futures)]
        except BaseException:
            children.stop_all()
            pool.shutdown(cancel_futures=True)
            raise


def prepare_images(runner: str, *, say: Say) -> None:
    """Build (or find) the images once, before any grade: children then only look them up."""
    if runner != "docker":
        return
    from grader.engine import docker_client
    from grader.images import ensure_images

    client = docker_client()
    try:
        ensure_images(client, progress=say)
    finally:
        client.close()


# --------------------------------------------------------------------------- similarity


def similarity_of(entries: Iterable[BatchEntry], *, say: Say) -> SimilarityReport:
    """Fingerprint each submission that can be taken in; compare pairs and each to the reference."""
    starter = starter_of(EXERCISE_DIR)
    reference = (
        code_print(REFERENCE_ID, REFERENCE_DIR, starter=starter) if REFERENCE_DIR.is_dir() else None
    )
    prints, notes = [], []
    for entry in entries:
        say(f"fingerprinting {entry.id}")
        with tempfile.TemporaryDirectory(prefix="ledger-grader-similarity-") as tmp:
            try:
                submission = load_submission(entry.spec, workdir=Path(tmp))
            except GraderError as exc:
                notes.append(f"{entry.id}: cannot be taken in ({exc.message})")
                continue
            prints.append(code_print(entry.id, submission.root, starter=starter))
    return cohort_similarity(prints, reference=reference, notes=notes)


# --------------------------------------------------------------------------- the commands


def run_batch(entries: Sequence[BatchEntry], options: BatchOptions, *, say: Say) -> Cohort:
    """Grade a cohort, compare its code, and write the cohort table under `options.out`."""
    refuse_overlap(entries, options.out)
    prepare_images(options.runner, say=say)
    rows = grade_all(entries, options, say=say)
    similarity = similarity_of(entries, say=say) if options.similarity else None
    # The rubric changed while the batch ran: the table is still written, marked unreliable.
    problem = material_problem(rows)
    cohort = Cohort(
        rows=sorted_rows(rows),
        similarity=similarity,
        problems=() if problem is None else (f"{problem} {MATERIAL_TIP}",),
    )
    write_cohort(cohort, options.out)
    return cohort


def merge_cohort(
    results: Iterable[Path], *, out: Path, submissions: Path | None, say: Say
) -> Cohort:
    """The cohort table of results graded elsewhere; with the submissions, similarity and gaps too.

    Without `submissions` the code is not available, so similarity is reported as not computed.
    With it, a listed submission that has no results.json becomes an error row.
    """
    rows = merged_rows(results_files(results), out=out)
    require_same_material(rows)
    similarity = None
    if submissions is not None:
        entries = entries_of(submissions, exclude=out)
        graded = {row.id for row in rows}
        rows += [
            error_row(e.id, "no results.json: its grading job failed or its artifact is missing")
            for e in entries
            if e.id not in graded
        ]
        similarity = similarity_of(entries, say=say)
    cohort = Cohort(rows=sorted_rows(rows), similarity=similarity)
    write_cohort(cohort, out)
    return cohort


def file_formats(chosen: Iterable[str]) -> tuple[str, ...]:
    """The file reports each grade writes: always results.json (the table reads it), no terminal."""
    return tuple(dict.fromkeys(("json", *(name for name in chosen if name != "terminal"))))


def summary_line(cohort: Cohort) -> str:
    """`5 submission(s): 4 graded, 1 error(s), 2 similarity flag(s)`, then any problem."""
    total, errors = len(cohort.rows), len(cohort.errored)
    if cohort.similarity is None:
        flags = "similarity not computed"
    else:
        flags = f"{len(cohort.similarity.flags)} similarity flag(s)"
    line = f"{total} submission(s): {total - errors} graded, {errors} error(s), {flags}"
    return "\n".join((line, *cohort.problems))
