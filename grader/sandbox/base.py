"""What both sandboxes share: limits, the harness invocation, and the session interface."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from grader.checks.hidden_suite import HarnessRun, ServiceFate, parse_lines

Progress = Callable[[str], None]

SERVICE_PORT = 8000
SERVICE_COMMAND = ("python", "-m", "app")
JUNIT_FILE = "junit.xml"
COVERAGE_FILE = "coverage.json"
EMPTY_RCFILE = "/dev/null"
MAX_RESULT_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Budgets the candidate's service runs under (published in the exercise brief)."""

    memory_bytes: int = 512 * 1024 * 1024
    cpus: float = 1.0
    pids: int = 256
    tmpfs_bytes: int = 64 * 1024 * 1024
    log_bytes: int = 10 * 1024 * 1024
    startup_s: float = 30.0
    suite_s: float = 300.0
    stop_grace_s: float = 10.0
    tests_s: float = 180.0


@dataclass(frozen=True, slots=True)
class SuiteRequest:
    """What the harness is asked to run."""

    only: tuple[str, ...] = ()
    seed: int = 0
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    # Named values for the suite (exported as GRADER_OPTION_<NAME>), e.g. the performance
    # suite's scale and the dataset a later round reuses.
    options: tuple[tuple[str, str], ...] = ()


def harness_args(
    *,
    base_url: str,
    tests: str,
    results: str,
    ready_timeout: float,
    only: tuple[str, ...],
    options: tuple[tuple[str, str], ...] = (),
) -> list[str]:
    """Command-line arguments of `python -m grader.harness run`, the same for both sandboxes."""
    args = [
        "-m",
        "grader.harness",
        "run",
        "--base-url",
        base_url,
        "--tests",
        tests,
        "--results",
        results,
        "--ready-timeout",
        f"{ready_timeout:g}",
    ]
    if only:
        args += ["--only", ",".join(only)]
    for name, value in options:
        args += ["--option", f"{name}={value}"]
    return args


def harness_env(
    *, base_url: str, request: SuiteRequest, openapi: str, service_log: str
) -> dict[str, str]:
    """Environment of the hidden suite."""
    return {
        "GRADER_BASE_URL": base_url,
        "GRADER_ADMIN_TOKEN": request.admin_token,
        "GRADER_OPENAPI": openapi,
        "GRADER_SERVICE_LOG": service_log,
        "GRADER_SEED": str(request.seed),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HYPOTHESIS_STORAGE_DIRECTORY": "/tmp/hypothesis",
    }


def service_env(*, port: int, data_dir: str, admin_token: str) -> dict[str, str]:
    """Environment of the candidate's service, as the exercise brief documents it."""
    return {
        "PORT": str(port),
        "LEDGER_DATA_DIR": data_dir,
        "LEDGER_ADMIN_TOKEN": admin_token,
        "LOG_LEVEL": "INFO",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }


@dataclass(frozen=True, slots=True)
class TestsRun:
    """The raw outcome of one run of the candidate's own tests; the result files are untrusted.

    `exit_code` is pytest's (None when it was killed or never started); a result file is None
    when it is missing, not a regular file, or larger than MAX_RESULT_FILE_BYTES. `problem` is
    set only when the grader's machinery failed, never for anything the tests did.
    """

    __test__ = False  # a result, not a pytest test class

    exit_code: int | None
    timed_out: bool
    duration_s: float
    output_tail: str
    junit_xml: bytes | None
    coverage_json: bytes | None
    budget_s: float = 0.0
    problem: str = ""


def sandbox_failure(problem: str, *, budget_s: float) -> TestsRun:
    """A candidate-tests run the grader's machinery could not carry out."""
    return TestsRun(
        exit_code=None,
        timed_out=False,
        duration_s=0.0,
        output_tail="",
        junit_xml=None,
        coverage_json=None,
        budget_s=budget_s,
        problem=problem,
    )


def candidate_test_paths(root: Path) -> tuple[str, ...]:
    """What pytest is pointed at: `tests/` when the submission has one, else its root."""
    return ("tests",) if (root / "tests").is_dir() else (".",)


def candidate_tests_commands(
    *, python: str, test_paths: Sequence[str], data_file: str, results_dir: str
) -> tuple[list[str], list[str]]:
    """The two commands of a candidate-tests run: pytest under coverage, then the JSON report.

    Coverage gets the grader's settings (an empty rcfile), so a candidate's `[tool.coverage]`
    cannot change what is measured or fail the report; pytest keeps the candidate's own config.
    """
    coverage = [python, "-m", "coverage"]
    settings = [f"--rcfile={EMPTY_RCFILE}", f"--data-file={data_file}"]
    run = [
        *coverage,
        "run",
        *settings,
        "--branch",
        "--source=app",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={results_dir}/{JUNIT_FILE}",
        *test_paths,
    ]
    report = [*coverage, "json", *settings, "-q", "-o", f"{results_dir}/{COVERAGE_FILE}"]
    return run, report


def candidate_tests_env() -> dict[str, str]:
    """Environment of the candidate's test run (the sandbox adds what its platform needs)."""
    return {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}


class Session(Protocol):
    """A running service plus the means to test it."""

    def run_harness(self, request: SuiteRequest) -> HarnessRun: ...

    def service_log(self) -> str: ...

    def fate(self) -> ServiceFate: ...


@dataclass(frozen=True, slots=True)
class StopOutcome:
    """How the service took a signal: its exit code and how long it took to exit.

    `killed` means it had not exited within the budget and was then killed (exit code None);
    `was_running` is False when the service had already stopped before the signal.
    """

    exit_code: int | None
    seconds: float
    killed: bool
    was_running: bool = True


@dataclass(frozen=True, slots=True)
class MemoryReport:
    """Memory of the service over a session, across restarts.

    `peak_bytes` is the engine's peak usage (page cache included); `working_set_bytes` the
    highest sampled usage minus inactive file pages, what `docker stats` shows; None when no
    sample could be taken.
    """

    limit_bytes: int
    peak_bytes: int | None = None
    working_set_bytes: int | None = None
    samples: int = 0
    oom_killed: bool = False


@dataclass(frozen=True, slots=True)
class DriverRun:
    """The JSON lines of one reliability driver command, and whether it overran its budget."""

    lines: tuple[str, ...]
    timed_out: bool
    fate: ServiceFate


# Called with the driver's output so far, a few times a second, while the driver runs.
DriverWatch = Callable[[tuple[str, ...]], None]


class FaultSession(Protocol):
    """A session whose service the grader can crash, stop, restart and starve of its database.

    One data volume lives as long as the session: `restart` starts a new service container on it
    (same image, same lockdown); the driver runs beside the current service container.
    """

    limits: Limits

    def fate(self) -> ServiceFate: ...

    def run_driver(
        self, args: Sequence[str], *, budget: float, watch: DriverWatch | None = None
    ) -> DriverRun: ...

    def signal_driver(self) -> None: ...

    def send_signal(self, name: str) -> bool: ...

    def wait_exit(self, budget_s: float) -> StopOutcome: ...

    def kill(self) -> StopOutcome: ...

    def stop(self, grace_s: float) -> StopOutcome: ...

    def restart(self) -> None: ...

    def start_unwritable(self) -> None: ...

    def hold_database_lock(self, seconds: float) -> AbstractContextManager[str]: ...

    def memory_report(self) -> MemoryReport: ...


@runtime_checkable
class FaultSandbox(Protocol):
    """A sandbox that can inject faults into the service (the Docker one)."""

    def fault_session(
        self, root: Path, request: SuiteRequest, progress: Progress
    ) -> AbstractContextManager[FaultSession]: ...


class Sandbox(Protocol):
    """Starts sessions for a submission snapshot; leaving the session removes everything."""

    name: str

    def session(
        self, root: Path, request: SuiteRequest, progress: Progress
    ) -> AbstractContextManager[Session]: ...

    def run_candidate_tests(self, root: Path, progress: Progress) -> TestsRun: ...


def tail(text: str, *, lines: int = 40, chars: int = 4000) -> str:
    """The end of a log, bounded both ways."""
    return "\n".join(text.splitlines()[-lines:])[-chars:]


class SuiteTicker:
    """Turns the harness's growing output into a status line every few seconds."""

    def __init__(self, progress: Progress, *, every_s: float = 5.0) -> None:
        self.progress = progress
        self.every_s = every_s
        self.last_emit = time.monotonic()
        self.last_line = ""

    def due(self) -> bool:
        return time.monotonic() - self.last_emit >= self.every_s

    def update(self, lines: Sequence[str]) -> None:
        """Report how far the suite got, if something changed since the last report."""
        self.last_emit = time.monotonic()
        line = suite_status(lines)
        if line and line != self.last_line:
            self.last_line = line
            self.progress(line)


def ready_reported(lines: Sequence[str]) -> bool:
    """Whether the harness has written its readiness verdict yet."""
    records, _ = parse_lines(lines)
    return any(record.get("type") == "ready" for record in records)


def suite_status(lines: Sequence[str]) -> str:
    """`hidden suite: 120/205 tests done, 3 not passing` from the harness's JSON lines."""
    records, _ = parse_lines(lines)
    if not any(record.get("type") == "ready" for record in records):
        return "waiting for the service to answer /readyz"
    total = sum(int(r.get("count", 0)) for r in records if r.get("type") == "collected")
    if not total:
        return "hidden suite: collecting tests"
    tests = [r for r in records if r.get("type") == "test"]
    bad = sum(r.get("outcome") not in ("passed", "skipped") for r in tests)
    return f"hidden suite: {len(tests)}/{total} tests done, {bad} not passing"
