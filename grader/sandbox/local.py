"""Plain processes on this machine, for trusted code only: the reference, development, no Docker.

Nothing here isolates anything. The CLI prints that loudly, and never picks this runner by
itself for a submission that came from outside.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.checks.hidden_suite import HarnessRun, ServiceFate
from grader.errors import InfrastructureError
from grader.paths import DOCKER_DIR, EXERCISE_DIR, HIDDEN_TESTS_DIR, OPENAPI_PATH, cache_dir
from grader.sandbox.base import (
    COVERAGE_FILE,
    JUNIT_FILE,
    MAX_RESULT_FILE_BYTES,
    SERVICE_COMMAND,
    Limits,
    Progress,
    SuiteRequest,
    SuiteTicker,
    TestsRun,
    candidate_test_paths,
    candidate_tests_commands,
    candidate_tests_env,
    harness_args,
    harness_env,
    ready_reported,
    sandbox_failure,
    service_env,
    tail,
)

WARNING = (
    "The local runner is NOT a sandbox: the submission runs as you, with your network and files. "
    "Use it only for code you trust."
)
HARNESS_PACKAGE = Path(__file__).resolve().parent.parent / "harness"
PIP_TIMEOUT_S = 900
TESTS_OUTPUT_BYTES = 64 * 1024


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_venv(*, role: str, requirements: Path, progress: Progress) -> Path:
    """A cached virtualenv with exactly these requirements; returns its python."""
    try:
        digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise InfrastructureError(
            f"Cannot read {requirements}: {exc.strerror or exc}",
            tip="Run the grader from a full checkout of the project.",
        ) from exc
    venv = cache_dir() / "venvs" / f"{role}-{digest}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return python
    progress(f"creating the {role} virtualenv (once per requirements change)")
    shutil.rmtree(venv, ignore_errors=True)
    commands = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)],
    ]
    for command in commands:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
        )
        if done.returncode != 0:
            raise InfrastructureError(
                f"Could not build the {role} virtualenv: {tail(done.stderr, lines=8)}",
                tip="Check that pip can install packages on this machine (`pip download pytest`).",
            )
    (venv / ".complete").write_text(digest)
    return python


def stage_harness(workdir: Path) -> Path:
    """Lay out the harness as its image does: `grader/harness` + the suite minus the reference."""
    root = workdir / "harness"
    shutil.copytree(
        HARNESS_PACKAGE, root / "grader" / "harness", ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / "grader" / "__init__.py").write_text('"""Harness-only copy of the grader package."""\n')
    shutil.copytree(
        HIDDEN_TESTS_DIR,
        root / "hidden_tests",
        ignore=shutil.ignore_patterns("reference", "__pycache__", ".pytest_cache", ".hypothesis"),
    )
    return root


@dataclass
class LocalSession:
    """The service as a child process group; the harness as another child."""

    service: subprocess.Popen[bytes]
    log_path: Path
    err_path: Path
    harness_python: Path
    harness_root: Path
    port: int
    limits: Limits
    progress: Progress

    def fate(self) -> ServiceFate:
        code = self.service.poll()
        return ServiceFate(
            running=code is None,
            exit_code=code,
            log_tail=tail(self.err_path.read_text(errors="replace")) if code is not None else "",
        )

    def service_log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def run_harness(self, request: SuiteRequest) -> HarnessRun:
        budget = self.limits.startup_s + self.limits.suite_s
        base_url = f"http://127.0.0.1:{self.port}"
        results = self.harness_root / "results.jsonl"
        args = harness_args(
            base_url=base_url,
            tests=str(self.harness_root / "hidden_tests"),
            results=str(results),
            ready_timeout=self.limits.startup_s,
            only=request.only,
            options=request.options,
        )
        env = {
            **_base_env(),
            **harness_env(
                base_url=base_url,
                request=request,
                openapi=str(OPENAPI_PATH),
                service_log=str(self.log_path),
            ),
            "PYTHONPATH": str(self.harness_root),
        }
        env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(self.harness_root / ".hypothesis")
        harness = subprocess.Popen(
            [str(self.harness_python), *args],
            cwd=self.harness_root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        timed_out = _wait_harness(
            harness,
            service=self.service,
            results=results,
            budget=budget,
            ticker=SuiteTicker(self.progress),
        )
        lines = tuple(results.read_text(errors="replace").splitlines()) if results.exists() else ()
        return HarnessRun(lines=lines, timed_out=timed_out, budget_s=budget, fate=self.fate())


def _wait_harness(
    harness: subprocess.Popen[bytes],
    *,
    service: subprocess.Popen[bytes],
    results: Path,
    budget: float,
    ticker: SuiteTicker,
) -> bool:
    deadline = time.monotonic() + budget
    try:
        while time.monotonic() < deadline:
            if harness.poll() is not None:
                return False
            if service.poll() is not None and not ready_reported(_read(results).splitlines()):
                return False
            if ticker.due():
                ticker.update(_read(results).splitlines())
            time.sleep(0.2)
        return True
    finally:
        _kill_group(harness)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def _run_bounded(
    command: list[str], *, cwd: Path, env: dict[str, str], output: Path, budget: float
) -> int | None:
    """Run a command as its own process group; its exit code, or None once killed at `budget`."""
    with output.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            return process.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            return None
        finally:
            # The group outlives its leader when the tests leave processes in the background.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)


def _read_end(path: Path, size: int) -> str:
    """The last `size` bytes of a file, decoded leniently."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(path.stat().st_size - size, 0))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _read_result(path: Path) -> bytes | None:
    """A result file the tests may have tampered with: a regular file within the size cap."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_RESULT_FILE_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _base_env() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")
    return {key: os.environ[key] for key in keep if key in os.environ} | {
        "HOME": tempfile.gettempdir()
    }


class LocalSandbox:
    """Runs the service and the harness as subprocesses of the grader."""

    name = "local"

    def __init__(self, *, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    @contextlib.contextmanager
    def session(
        self, root: Path, request: SuiteRequest, progress: Progress
    ) -> Iterator[LocalSession]:
        progress("  local runner: not a sandbox")
        runtime_python = ensure_venv(
            role="runtime", requirements=EXERCISE_DIR / "requirements.txt", progress=progress
        )
        harness_python = ensure_venv(
            role="harness", requirements=DOCKER_DIR / "harness-requirements.txt", progress=progress
        )
        with tempfile.TemporaryDirectory(prefix="ledger-grader-local-") as tmp:
            workdir = Path(tmp)
            data_dir = workdir / "data"
            data_dir.mkdir()
            log_path, err_path = workdir / "service.log", workdir / "service.err"
            port = free_port()
            env = {
                **_base_env(),
                **service_env(port=port, data_dir=str(data_dir), admin_token=request.admin_token),
                "PATH": f"{runtime_python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            }
            with log_path.open("wb") as out, err_path.open("wb") as err:
                service = subprocess.Popen(
                    [str(runtime_python), *SERVICE_COMMAND[1:]],
                    cwd=root,
                    env=env,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                )
            progress(f"service process started on 127.0.0.1:{port}")
            try:
                yield LocalSession(
                    service=service,
                    log_path=log_path,
                    err_path=err_path,
                    harness_python=harness_python,
                    harness_root=stage_harness(workdir),
                    port=port,
                    limits=self.limits,
                    progress=progress,
                )
            finally:
                _kill_group(service)

    def run_candidate_tests(self, root: Path, progress: Progress) -> TestsRun:
        """Run the candidate's own suite under coverage in a temporary copy of the submission."""
        progress("  local runner: not a sandbox")
        try:
            python = ensure_venv(
                role="runtime", requirements=EXERCISE_DIR / "requirements.txt", progress=progress
            )
            with tempfile.TemporaryDirectory(prefix="ledger-grader-tests-") as tmp:
                return self._run_tests(Path(tmp), python=python, root=root, progress=progress)
        except (InfrastructureError, OSError) as exc:
            return sandbox_failure(
                f"Could not run the candidate's tests locally: {exc}", budget_s=self.limits.tests_s
            )

    def _run_tests(
        self, workdir: Path, *, python: Path, root: Path, progress: Progress
    ) -> TestsRun:
        budget = self.limits.tests_s
        copy, results, scratch = workdir / "submission", workdir / "results", workdir / "tmp"
        shutil.copytree(root, copy, symlinks=True)
        results.mkdir()
        scratch.mkdir()
        run, report = candidate_tests_commands(
            python=str(python),
            test_paths=candidate_test_paths(copy),
            data_file=str(scratch / ".coverage"),
            results_dir=str(results),
        )
        env = {
            **_base_env(),
            **candidate_tests_env(),
            "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "TMPDIR": str(scratch),
            "HOME": str(scratch),
        }
        progress(f"running the candidate's own tests (up to {budget:g} s)")
        output = workdir / "output.log"
        started = time.monotonic()
        exit_code = _run_bounded(run, cwd=copy, env=env, output=output, budget=budget)
        duration = time.monotonic() - started
        if exit_code is not None:
            _run_bounded(report, cwd=copy, env=env, output=output, budget=budget)
        return TestsRun(
            exit_code=exit_code,
            timed_out=exit_code is None,
            duration_s=round(duration, 3),
            output_tail=tail(_read_end(output, TESTS_OUTPUT_BYTES), lines=60),
            junit_xml=_read_result(results / JUNIT_FILE),
            coverage_json=_read_result(results / COVERAGE_FILE),
            budget_s=budget,
        )
