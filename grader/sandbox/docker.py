"""The default sandbox: the candidate's service and the hidden suite in two locked-down containers.

The candidate container has no network at all; the harness container joins its network
namespace, so the hidden suite reaches the service on 127.0.0.1 and nothing else can. Hidden
tests exist only in the harness image, results come back through a file only the harness
writes, and every container and volume is removed on exit, on error and on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import signal
import socket
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.types import LogConfig, Mount

from grader.checks.hidden_suite import HarnessRun, ServiceFate
from grader.errors import InfrastructureError
from grader.sandbox.base import (
    COVERAGE_FILE,
    JUNIT_FILE,
    MAX_RESULT_FILE_BYTES,
    SERVICE_COMMAND,
    SERVICE_PORT,
    DriverRun,
    DriverWatch,
    Limits,
    MemoryReport,
    Progress,
    StopOutcome,
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

LABEL = "ledger-grader.managed"
CANDIDATE_UID = "10001:10001"
HARNESS_UID = "10002:10002"
RESULTS_FILE = "/results/results.jsonl"
SERVICE_LOG_FILE = "/results/service.log"
HARNESS_TESTS = "/opt/harness/hidden_tests"
HARNESS_OPENAPI = "/opt/harness/openapi.yaml"
MAX_RESULTS_BYTES = 50 * 1024 * 1024
TESTS_RESULTS_DIR = "/data"
TESTS_COVERAGE_DATA = "/tmp/.coverage"
TESTS_OUTPUT_LINES = 200
TESTS_PROGRESS_EVERY_S = 15.0
# A tar member's header and padding around a file's bytes.
TAR_OVERHEAD_BYTES = 64 * 1024
LOG_RELAY_PERIOD_S = 0.5
DOCKER_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException)
DATA_DIR = "/data"
# The reliability driver: copied into each harness container it runs in, next to grader/harness.
DRIVER_PACKAGE = Path(__file__).resolve().parent.parent / "harness_reliability"
DRIVER_PARENT = "/opt/harness/grader"
DRIVER_RESULTS_FILE = "/results/reliability.jsonl"
DRIVER_SIGNAL_FILE = "signal"
DRIVER_POLL_S = 0.2
EXIT_POLL_S = 0.05
KILL_WAIT_S = 10.0
LOCK_WAIT_S = 15.0
# Holds SQLite's write lock on the service's database from a second container on the volume.
DB_LOCK_SCRIPT = """\
import sqlite3, sys, time
try:
    conn = sqlite3.connect(
        "file:/data/ledger.db?mode=rw", uri=True, isolation_level=None, timeout=10
    )
    conn.execute("BEGIN EXCLUSIVE")
except sqlite3.Error as exc:
    print(f"failed: {exc}", flush=True)
    sys.exit(1)
print("locked", flush=True)
time.sleep(float(sys.argv[1]))
"""


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while the engine creates something.

    An interrupt landing mid-request would leave a container the engine created but this
    process never heard of; held, it arrives once the object is known and can be removed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def labels(*, run_id: str, role: str) -> dict[str, str]:
    """Labels that let any later grader find and remove what this process left behind."""
    return {
        LABEL: "1",
        "ledger-grader.run": run_id,
        "ledger-grader.role": role,
        "ledger-grader.pid": str(os.getpid()),
        "ledger-grader.host": socket.gethostname(),
    }


def lockdown(limits: Limits) -> dict[str, Any]:
    """`containers.create` arguments every container running candidate code gets.

    No network, no privileges, a read-only root with a small noexec /tmp, bounded memory
    (no swap), CPU, processes and logs.
    """
    return {
        "user": CANDIDATE_UID,
        "network_mode": "none",
        "read_only": True,
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,noexec,size={limits.tmpfs_bytes},mode=1777"},
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "mem_limit": limits.memory_bytes,
        "memswap_limit": limits.memory_bytes,
        "nano_cpus": int(limits.cpus * 1e9),
        "pids_limit": limits.pids,
        "log_config": LogConfig(
            type=LogConfig.types.JSON, config={"max-size": str(limits.log_bytes), "max-file": "1"}
        ),
        "detach": True,
    }


def candidate_options(
    *, image: str, root: Path, volume: str, env: dict[str, str], limits: Limits, run_id: str
) -> dict[str, Any]:
    """`containers.create` arguments for the untrusted service: no network, no privileges."""
    return {
        **lockdown(limits),
        "image": image,
        "command": list(SERVICE_COMMAND),
        "working_dir": "/submission",
        "environment": env,
        "mounts": [
            Mount("/submission", str(root), type="bind", read_only=True),
            Mount("/data", volume, type="volume"),
        ],
        "stop_signal": "SIGTERM",
        "labels": labels(run_id=run_id, role="candidate"),
    }


def candidate_tests_options(
    *, image: str, root: Path, volume: str, limits: Limits, run_id: str
) -> dict[str, Any]:
    """`containers.create` arguments for the candidate's own tests, locked down like the service.

    Results go to the `/data` volume rather than /tmp: the engine cannot read a tmpfs back,
    neither while the container runs nor after it stopped.
    """
    run, report = candidate_tests_commands(
        python="python",
        test_paths=candidate_test_paths(root),
        data_file=TESTS_COVERAGE_DATA,
        results_dir=TESTS_RESULTS_DIR,
    )
    # pytest's exit status is the run's; the report step only adds a file.
    script = f"{shlex.join(run)}; status=$?; {shlex.join(report)}; exit $status"
    return {
        **lockdown(limits),
        "image": image,
        "command": ["sh", "-c", script],
        "working_dir": "/submission",
        "environment": candidate_tests_env(),
        "mounts": [
            Mount("/submission", str(root), type="bind", read_only=True),
            Mount(TESTS_RESULTS_DIR, volume, type="volume"),
        ],
        "labels": labels(run_id=run_id, role="tests"),
    }


def harness_options(
    *, image: str, candidate_id: str, args: list[str], env: dict[str, str], run_id: str
) -> dict[str, Any]:
    """`containers.create` arguments for the trusted harness sharing the candidate's loopback."""
    return {
        "image": image,
        "command": ["python", *args],
        "user": HARNESS_UID,
        "environment": env,
        "network_mode": f"container:{candidate_id}",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "mem_limit": 2 * 1024**3,
        "memswap_limit": 2 * 1024**3,
        "pids_limit": 512,
        "tmpfs": {"/tmp": "rw,size=256m,mode=1777"},
        "labels": labels(run_id=run_id, role="harness"),
        "detach": True,
    }


def remove_leftovers(client: docker.DockerClient) -> int:
    """Remove containers and volumes of graders on this host whose process is gone."""
    host = socket.gethostname()
    removed = 0
    flt = {"label": LABEL}
    for container in client.containers.list(all=True, filters=flt):
        if _orphaned(container.labels, host):
            with contextlib.suppress(*DOCKER_ERRORS):
                container.remove(force=True)
                removed += 1
    for volume in client.volumes.list(filters=flt):
        if _orphaned(volume.attrs.get("Labels") or {}, host):
            with contextlib.suppress(*DOCKER_ERRORS):
                volume.remove(force=True)
                removed += 1
    return removed


def _orphaned(found: dict[str, str], host: str) -> bool:
    if found.get("ledger-grader.host") != host:
        return False
    try:
        os.kill(int(found.get("ledger-grader.pid", "0")), 0)
    except (ProcessLookupError, ValueError):
        return True
    except PermissionError:
        return False
    return False


@dataclass
class DockerSession:
    """One candidate container (plus its data volume) and the harness runs against it.

    With the `options` it was created with, the session can also inject faults for the
    reliability phase: signal the service, start a new one on the same volume, lock its
    database from another container, and run the reliability driver beside it.
    """

    client: docker.DockerClient
    candidate: Any
    harness_image: str
    limits: Limits
    run_id: str
    progress: Progress
    options: dict[str, Any] = field(default_factory=dict)
    driver: Any = field(default=None, init=False)
    signalled_at: float | None = field(default=None, init=False)
    memory: MemoryReport | None = field(default=None, init=False)

    def fate(self) -> ServiceFate:
        try:
            self.candidate.reload()
            state = self.candidate.attrs.get("State", {})
        except DOCKER_ERRORS:
            return ServiceFate(running=False)
        running = bool(state.get("Running"))
        return ServiceFate(
            running=running,
            exit_code=None if running else state.get("ExitCode"),
            oom_killed=bool(state.get("OOMKilled")),
            # Only a stopped service needs explaining; the wait loop calls this twice a second.
            log_tail="" if running else tail(self.service_log(stderr=True)),
        )

    def service_log(self, *, stderr: bool = False) -> str:
        """The service's stdout (and stderr when asked), as the engine captured it."""
        try:
            raw = self.candidate.logs(stdout=True, stderr=stderr)
        except DOCKER_ERRORS:
            return ""
        return bytes(raw).decode("utf-8", errors="replace")

    def run_harness(self, request: SuiteRequest) -> HarnessRun:
        budget = self.limits.startup_s + self.limits.suite_s
        base_url = f"http://127.0.0.1:{SERVICE_PORT}"
        args = harness_args(
            base_url=base_url,
            tests=HARNESS_TESTS,
            results=RESULTS_FILE,
            ready_timeout=self.limits.startup_s,
            only=request.only,
            options=request.options,
        )
        env = harness_env(
            base_url=base_url,
            request=request,
            openapi=HARNESS_OPENAPI,
            service_log=SERVICE_LOG_FILE,
        )
        fate = self.fate()
        if not fate.running:
            # The service died before the harness could join its network namespace.
            return HarnessRun(lines=(), timed_out=False, budget_s=budget, fate=fate)
        options = harness_options(
            image=self.harness_image,
            candidate_id=self.candidate.id,
            args=args,
            env=env,
            run_id=self.run_id,
        )
        with uninterrupted():
            harness = self._create(options)
        try:
            if not self._start_harness(harness):
                return HarnessRun(lines=(), timed_out=False, budget_s=budget, fate=self.fate())
            timed_out = self._wait(harness, budget=budget)
            lines = self._results(harness)
        finally:
            with contextlib.suppress(*DOCKER_ERRORS):
                harness.remove(force=True)
        return HarnessRun(lines=lines, timed_out=timed_out, budget_s=budget, fate=self.fate())

    def _start_harness(self, harness: Any) -> bool:
        """Start the harness; False if the service died first (its namespace is gone)."""
        try:
            harness.start()
        except docker.errors.APIError:
            if not self.fate().running:
                return False
            raise
        return True

    def _create(self, options: dict[str, Any]) -> Any:
        try:
            return self.client.containers.create(**options)
        except DOCKER_ERRORS as exc:
            raise InfrastructureError(
                f"Docker could not create a container: {exc}",
                tip="Run `grader doctor`; if images are missing, `grader images build`.",
            ) from exc

    def _wait(self, harness: Any, *, budget: float) -> bool:
        """Wait for the harness, relaying the service log to it; True if it overran its budget."""
        deadline = time.monotonic() + budget
        ticker = SuiteTicker(self.progress)
        stop = threading.Event()
        relay = threading.Thread(target=self._relay_logs, args=(harness, stop), daemon=True)
        relay.start()
        try:
            while time.monotonic() < deadline:
                harness.reload()
                if harness.status in ("exited", "dead"):
                    return False
                if not self.fate().running and not self._ready_reported(harness):
                    # No point waiting out the readiness budget for a service that is gone.
                    harness.kill()
                    return False
                if ticker.due():
                    ticker.update(self._results(harness))
                time.sleep(0.5)
            with contextlib.suppress(*DOCKER_ERRORS):
                harness.kill()
            return True
        finally:
            stop.set()
            relay.join(timeout=5)

    def _relay_logs(self, harness: Any, stop: threading.Event) -> None:
        """Copy the service's stdout into the harness, so log checks read what the engine saw."""
        last_size = -1
        while not stop.wait(LOG_RELAY_PERIOD_S):
            log = self.service_log().encode()
            if len(log) == last_size:
                continue
            last_size = len(log)
            with contextlib.suppress(*DOCKER_ERRORS):
                harness.put_archive("/results", _tar_of({"service.log": log}))

    def _ready_reported(self, harness: Any) -> bool:
        return ready_reported(self._results(harness))

    def _results(self, harness: Any, path: str = RESULTS_FILE) -> tuple[str, ...]:
        try:
            stream, _ = harness.get_archive(path)
            data = _read_bounded(stream, MAX_RESULTS_BYTES)
        except docker.errors.NotFound:
            return ()
        except DOCKER_ERRORS as exc:
            raise InfrastructureError(
                f"Could not read the hidden suite's results from the harness: {exc}",
                tip="Run `grader doctor` to check the Docker engine.",
            ) from exc
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            member = archive.next()
            handle = archive.extractfile(member) if member else None
            text = handle.read().decode("utf-8", errors="replace") if handle else ""
        return tuple(text.splitlines())

    # ------------------------------------------------------------------ faults (reliability)

    def run_driver(
        self, args: Sequence[str], *, budget: float, watch: DriverWatch | None = None
    ) -> DriverRun:
        """Run `python -m grader.harness_reliability <args>` beside the current service."""
        fate = self.fate()
        if not fate.running:
            return DriverRun(lines=(), timed_out=False, fate=fate)
        command = [
            "-m",
            "grader.harness_reliability",
            *args,
            "--base-url",
            f"http://127.0.0.1:{SERVICE_PORT}",
            "--results",
            DRIVER_RESULTS_FILE,
        ]
        options = harness_options(
            image=self.harness_image,
            candidate_id=self.candidate.id,
            args=command,
            env={"PYTHONDONTWRITEBYTECODE": "1"},
            run_id=self.run_id,
        )
        with uninterrupted():
            driver = self._create(options)
        try:
            driver.put_archive(DRIVER_PARENT, _driver_archive())
            if not self._start_harness(driver):
                return DriverRun(lines=(), timed_out=False, fate=self.fate())
            self.driver = driver
            timed_out = self._follow_driver(driver, budget=budget, watch=watch)
            lines = self._results(driver, DRIVER_RESULTS_FILE)
            if not timed_out:
                _check_driver_exit(driver)
        finally:
            self.driver = None
            with contextlib.suppress(*DOCKER_ERRORS):
                driver.remove(force=True)
        return DriverRun(lines=lines, timed_out=timed_out, fate=self.fate())

    def _follow_driver(self, driver: Any, *, budget: float, watch: DriverWatch | None) -> bool:
        """Wait for the driver, sampling memory and showing `watch` its output; True on overrun."""
        deadline = time.monotonic() + budget
        while time.monotonic() < deadline:
            driver.reload()
            finished = driver.status in ("exited", "dead")
            self._sample_memory()
            if watch is not None:
                watch(self._results(driver, DRIVER_RESULTS_FILE))
            if finished:
                return False
            time.sleep(DRIVER_POLL_S)
        with contextlib.suppress(*DOCKER_ERRORS):
            driver.kill()
        return True

    def signal_driver(self) -> None:
        """Tell the running driver that the fault it waits for has been injected."""
        if self.driver is not None:
            self.driver.put_archive("/results", _tar_of({DRIVER_SIGNAL_FILE: b"sent\n"}))

    def send_signal(self, name: str) -> bool:
        """Send a signal to the service's process; False if it was not running."""
        self._sample_memory()
        try:
            self.candidate.kill(signal=name)
        except docker.errors.APIError:
            return False
        self.signalled_at = time.monotonic()
        return True

    def wait_exit(self, budget_s: float) -> StopOutcome:
        """Wait for the signalled service to exit; kill it once `budget_s` has passed."""
        started = self.signalled_at or time.monotonic()
        while (elapsed := time.monotonic() - started) < budget_s:
            state = self._state()
            if not state.get("Running"):
                code = state.get("ExitCode")
                return StopOutcome(
                    exit_code=code if isinstance(code, int) else None,
                    seconds=round(elapsed, 3),
                    killed=False,
                )
            time.sleep(EXIT_POLL_S)
        with contextlib.suppress(*DOCKER_ERRORS):
            self.candidate.kill()
        deadline = time.monotonic() + KILL_WAIT_S
        while self._state().get("Running") and time.monotonic() < deadline:
            time.sleep(EXIT_POLL_S)
        return StopOutcome(exit_code=None, seconds=round(budget_s, 3), killed=True)

    def _state(self) -> dict[str, Any]:
        self.candidate.reload()
        state = self.candidate.attrs.get("State", {})
        return state if isinstance(state, dict) else {}

    def stop(self, grace_s: float) -> StopOutcome:
        """SIGTERM, then wait up to `grace_s` for the exit (killed after that)."""
        return self._signal_and_wait("SIGTERM", grace_s)

    def kill(self) -> StopOutcome:
        """SIGKILL: the process dies at once, whatever it was doing."""
        return self._signal_and_wait("SIGKILL", KILL_WAIT_S)

    def _signal_and_wait(self, name: str, budget_s: float) -> StopOutcome:
        if not self.send_signal(name):
            code = self.fate().exit_code
            return StopOutcome(exit_code=code, seconds=0.0, killed=False, was_running=False)
        return self.wait_exit(budget_s)

    def restart(self) -> None:
        """Replace the service container by a new one on the same data volume."""
        self._replace(self.options)
        self.progress("service restarted on the same data volume")

    def start_unwritable(self) -> None:
        """Replace the service by one whose data directory is an empty read-only volume."""
        with uninterrupted():
            volume = self.client.volumes.create(
                name=f"ledger-grader-{self.run_id}-{uuid.uuid4().hex[:6]}",
                labels=labels(run_id=self.run_id, role="data-unwritable"),
            )
        mounts = [m for m in self.options["mounts"] if m.get("Target") != DATA_DIR]
        mounts.append(Mount(DATA_DIR, volume.name, type="volume", read_only=True))
        self._replace({**self.options, "mounts": mounts})
        self.progress("service started with a read-only data directory")

    def _replace(self, options: dict[str, Any]) -> None:
        if not options:
            raise InfrastructureError(
                "This session cannot start a new service container: it has no creation options.",
                tip="Report this as a grader bug.",
            )
        self._retire()
        with uninterrupted():
            self.candidate = self._create(options)
        self.candidate.start()
        self.signalled_at = None

    def _retire(self) -> None:
        """Take the old service's last memory reading and OOM verdict, then remove it."""
        self._sample_memory()
        fate = self.fate()
        self._remember(oom_killed=fate.oom_killed)
        with contextlib.suppress(*DOCKER_ERRORS):
            self.candidate.remove(force=True)

    @contextlib.contextmanager
    def hold_database_lock(self, seconds: float) -> Iterator[str]:
        """Hold SQLite's write lock on the service's database from another container.

        Yields "" once the lock is held, or why it could not be taken; the lock is released
        (its holder killed) when the block ends.
        """
        options = {
            **lockdown(self.limits),
            "image": self.options["image"],
            "command": ["python", "-c", DB_LOCK_SCRIPT, f"{seconds:g}"],
            "mounts": [m for m in self.options["mounts"] if m.get("Target") == DATA_DIR],
            "labels": labels(run_id=self.run_id, role="db-lock"),
        }
        with uninterrupted():
            holder = self._create(options)
        try:
            holder.start()
            yield _await_lock(holder)
        finally:
            with contextlib.suppress(*DOCKER_ERRORS):
                holder.remove(force=True)

    def memory_report(self) -> MemoryReport:
        """Peak memory and OOM kills of every service container of this session so far."""
        self._sample_memory()
        self._remember(oom_killed=self.fate().oom_killed)
        return self.memory or MemoryReport(limit_bytes=self.limits.memory_bytes)

    def _sample_memory(self) -> None:
        try:
            stats = self.candidate.stats(stream=False, one_shot=True)
        except DOCKER_ERRORS:
            return
        memory = stats.get("memory_stats") if isinstance(stats, dict) else None
        if not isinstance(memory, dict) or not isinstance(memory.get("usage"), int):
            return  # a stopped container reports no memory
        usage = int(memory["usage"])
        detail = memory.get("stats")
        if not isinstance(detail, dict):
            detail = {}
        inactive = detail.get("total_inactive_file", detail.get("inactive_file", 0))
        peak = memory.get("max_usage", usage)
        self._remember(
            peak=peak if isinstance(peak, int) else usage,
            working_set=usage - (inactive if isinstance(inactive, int) else 0),
        )

    def _remember(
        self, *, peak: int | None = None, working_set: int | None = None, oom_killed: bool = False
    ) -> None:
        old = self.memory or MemoryReport(limit_bytes=self.limits.memory_bytes)
        self.memory = MemoryReport(
            limit_bytes=old.limit_bytes,
            peak_bytes=_max(old.peak_bytes, peak),
            working_set_bytes=_max(old.working_set_bytes, working_set),
            samples=old.samples + (peak is not None),
            oom_killed=old.oom_killed or oom_killed,
        )


def _check_driver_exit(driver: Any) -> None:
    """A driver that failed is the grader's fault: say so with its output."""
    code = driver.attrs.get("State", {}).get("ExitCode")
    if code == 0:
        return
    log = bytes(driver.logs(stdout=True, stderr=True)).decode("utf-8", errors="replace")
    raise InfrastructureError(
        f"The reliability driver failed (exit code {code}): {tail(log, lines=12)}",
        tip="Report this as a grader bug, with the output above.",
    )


def _max(old: int | None, new: int | None) -> int | None:
    return new if old is None else old if new is None else max(old, new)


def _await_lock(holder: Any) -> str:
    """ "" once the lock holder says it holds the lock; otherwise why not."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while time.monotonic() < deadline:
        log = bytes(holder.logs(stdout=True, stderr=True)).decode("utf-8", errors="replace")
        if "locked" in log.splitlines():
            return ""
        holder.reload()
        if holder.status in ("exited", "dead"):
            return f"the database could not be locked: {tail(log, lines=3)}"
        time.sleep(EXIT_POLL_S * 2)
    return f"the database lock was not taken within {LOCK_WAIT_S:g} s"


@cache
def _driver_archive() -> bytes:
    """The driver package as a tar to unpack under the harness image's `grader` package."""
    files = {
        f"harness_reliability/{path.name}": path.read_bytes()
        for path in sorted(DRIVER_PACKAGE.glob("*.py"))
    }
    return _tar_of(files)


def _tar_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = int(time.time())
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _read_bounded(stream: Iterator[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise InfrastructureError(
                f"The harness wrote more than {limit // (1024 * 1024)} MiB of results.",
                tip="A hidden test is recording too much evidence; report this as a grader bug.",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _wait_exit(container: Any, *, budget: float, progress: Progress) -> int | None:
    """The container's exit code, or None after killing it for overrunning its budget."""
    started = time.monotonic()
    next_report = started + TESTS_PROGRESS_EVERY_S
    while (now := time.monotonic()) < started + budget:
        container.reload()
        if container.status in ("exited", "dead"):
            return int(container.attrs.get("State", {}).get("ExitCode", -1))
        if now >= next_report:
            progress(f"candidate tests: still running after {now - started:.0f} s")
            next_report += TESTS_PROGRESS_EVERY_S
        time.sleep(0.25)
    with contextlib.suppress(*DOCKER_ERRORS):
        container.kill()
    return None


def _archive_file(container: Any, path: str, *, limit: int = MAX_RESULT_FILE_BYTES) -> bytes | None:
    """A regular file copied out of a container; None if missing, not a file, or too large."""
    try:
        stream, stat = container.get_archive(path)
    except docker.errors.NotFound:
        return None
    try:
        too_large = not isinstance(stat, dict) or int(stat.get("size", 0)) > limit
        data = None if too_large else _read_at_most(stream, limit + TAR_OVERHEAD_BYTES)
    finally:
        stream.close()
    if data is None:
        return None
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            member = archive.next()
            if member is None or not member.isfile() or member.size > limit:
                return None
            handle = archive.extractfile(member)
            return handle.read() if handle else None
    except tarfile.TarError:
        return None


def _read_at_most(stream: Iterator[bytes], limit: int) -> bytes | None:
    """The whole stream, or None as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    for chunk in stream:
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class DockerSandbox:
    """Runs each session in fresh containers from the grader's images."""

    name = "docker"

    def __init__(
        self,
        client: docker.DockerClient,
        *,
        runtime_image: str,
        harness_image: str,
        limits: Limits | None = None,
    ) -> None:
        self.client = client
        self.runtime_image = runtime_image
        self.harness_image = harness_image
        self.limits = limits or Limits()

    @contextlib.contextmanager
    def session(
        self, root: Path, request: SuiteRequest, progress: Progress
    ) -> Iterator[DockerSession]:
        remove_leftovers(self.client)
        run_id = uuid.uuid4().hex[:12]
        try:
            env = service_env(port=SERVICE_PORT, data_dir=DATA_DIR, admin_token=request.admin_token)
            with uninterrupted():
                volume = self.client.volumes.create(
                    name=f"ledger-grader-{run_id}", labels=labels(run_id=run_id, role="data")
                )
                options = candidate_options(
                    image=self.runtime_image,
                    root=root,
                    volume=volume.name,
                    env=env,
                    limits=self.limits,
                    run_id=run_id,
                )
                candidate = self.client.containers.create(**options)
            candidate.start()
            progress("service container started")
            yield DockerSession(
                client=self.client,
                candidate=candidate,
                harness_image=self.harness_image,
                limits=self.limits,
                run_id=run_id,
                progress=progress,
                options=options,
            )
        except DOCKER_ERRORS as exc:
            raise InfrastructureError(
                f"Docker failed while running the submission: {exc}",
                tip="Run `grader doctor`; `grader images build` rebuilds missing images.",
            ) from exc
        finally:
            self._remove_run(run_id)

    def fault_session(
        self, root: Path, request: SuiteRequest, progress: Progress
    ) -> contextlib.AbstractContextManager[DockerSession]:
        """A session for the reliability phase: the same sandbox, with faults it may inject."""
        return self.session(root, request, progress)

    def run_candidate_tests(self, root: Path, progress: Progress) -> TestsRun:
        """Run the candidate's own suite under coverage in a fresh container, then remove it."""
        run_id = uuid.uuid4().hex[:12]
        try:
            remove_leftovers(self.client)
            return self._run_tests(root, run_id=run_id, progress=progress)
        except DOCKER_ERRORS as exc:
            return sandbox_failure(
                f"Docker failed while running the candidate's tests: {exc}",
                budget_s=self.limits.tests_s,
            )
        finally:
            self._remove_run(run_id)

    def _run_tests(self, root: Path, *, run_id: str, progress: Progress) -> TestsRun:
        budget = self.limits.tests_s
        with uninterrupted():
            volume = self.client.volumes.create(
                name=f"ledger-grader-{run_id}", labels=labels(run_id=run_id, role="tests-results")
            )
            container = self.client.containers.create(
                **candidate_tests_options(
                    image=self.runtime_image,
                    root=root,
                    volume=volume.name,
                    limits=self.limits,
                    run_id=run_id,
                )
            )
        started = time.monotonic()
        container.start()
        progress(f"running the candidate's own tests (up to {budget:g} s)")
        exit_code = _wait_exit(container, budget=budget, progress=progress)
        duration = time.monotonic() - started
        logs = container.logs(stdout=True, stderr=True, tail=TESTS_OUTPUT_LINES)
        return TestsRun(
            exit_code=exit_code,
            timed_out=exit_code is None,
            duration_s=round(duration, 3),
            output_tail=tail(bytes(logs).decode("utf-8", errors="replace"), lines=60),
            junit_xml=_archive_file(container, f"{TESTS_RESULTS_DIR}/{JUNIT_FILE}"),
            coverage_json=_archive_file(container, f"{TESTS_RESULTS_DIR}/{COVERAGE_FILE}"),
            budget_s=budget,
        )

    def _remove_run(self, run_id: str) -> None:
        """Remove by label, so a container created while Ctrl-C arrived is found too."""
        flt = {"label": f"ledger-grader.run={run_id}"}
        with contextlib.suppress(*DOCKER_ERRORS):
            for container in self.client.containers.list(all=True, filters=flt):
                with contextlib.suppress(*DOCKER_ERRORS):
                    container.remove(force=True)
        with contextlib.suppress(*DOCKER_ERRORS):
            for volume in self.client.volumes.list(filters=flt):
                with contextlib.suppress(*DOCKER_ERRORS):
                    volume.remove(force=True)
