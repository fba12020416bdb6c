"""The reliability phase against real containers: the reference passes, planted faults are caught.

Each variant is the reference with one small text substitution, built in a temporary folder:
- ack_before_commit: writes go into a transaction on one shared connection that a background
  thread commits every 0.5 s, so 201s go out before the commit;
- ignores_sigterm: the app sets SIGTERM to SIG_IGN once it has started;
- ready_always: /readyz answers 200 without touching the database.
One full phase takes 30-50 s on a 2-core machine; this module runs four (about 3 minutes).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from grader.checks import reliability
from grader.model import CheckResult, Status
from grader.paths import HIDDEN_TESTS_DIR
from grader.pipeline import GradeOptions, grade
from grader.sandbox.docker import LABEL

pytestmark = pytest.mark.docker

REFERENCE = HIDDEN_TESTS_DIR / "reference"
ONLY = tuple(sorted({check_id.rsplit(".", 1)[0] for check_id in reliability.CHECK_IDS}))

GROUP_COMMIT = """

# Variant: acknowledge first, commit later (a write-behind group commit every 0.5 s).
_SHARED: dict = {}
_original_write = Connection.write


def _acquire_shared(self):
    conn = _SHARED.get("conn")
    if conn is None:
        conn = _SHARED["conn"] = self.connect()
        threading.Thread(target=_flush_forever, args=(conn,), daemon=True).start()
    return conn


def _flush_forever(conn):
    while True:
        time.sleep(0.5)
        with conn.write_lock:
            if conn.in_transaction:
                conn.execute("COMMIT")


@contextmanager
def _write_deferred(self):
    if self is not _SHARED.get("conn"):
        with _original_write(self):
            yield
        return
    with self.write_lock:
        if not self.in_transaction:
            self.execute("BEGIN IMMEDIATE")
        yield


Database.acquire = _acquire_shared
Database.release = lambda self, conn: None
Connection.write = _write_deferred
"""
MIGRATE = "    app.state.cursors = CursorCodec(app.state.database.migrate())\n"
# (file, text to replace or None to append, replacement)
VARIANTS: dict[str, list[tuple[str, str | None, str]]] = {
    "ack_before_commit": [("app/db.py", None, GROUP_COMMIT)],
    "ignores_sigterm": [
        (
            "app/main.py",
            MIGRATE,
            MIGRATE + "    import signal\n\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n",
        )
    ],
    "ready_always": [("app/routes/health.py", "        database.ping()\n", "        pass\n")],
}


def build_variant(name: str, into: Path) -> Path:
    """A copy of the reference with the variant's substitutions (each must match exactly once)."""
    root = into / name
    shutil.copytree(REFERENCE, root, ignore=shutil.ignore_patterns("__pycache__", "bench", ".*"))
    for relative, old, new in VARIANTS[name]:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        if old is None:
            text += new
        else:
            assert text.count(old) == 1, f"{name}: {old!r} no longer matches {relative}"
            text = text.replace(old, new)
        path.write_text(encoding="utf-8", data=text)
    return root


def reliability_checks(submission: Path) -> dict[str, CheckResult]:
    """Grade only the reliability phase; its checks by id without the skill prefix."""
    outcome = grade(str(submission), options=GradeOptions(only=ONLY), progress=lambda m: None)
    return {c.id.split(".", 1)[1]: c for c in outcome.card.checks if c.id in reliability.CHECK_IDS}


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("variants")


@pytest.fixture(scope="module")
def reference(grader_images: dict[str, Any]) -> dict[str, CheckResult]:
    return reliability_checks(REFERENCE)


def test_the_reference_passes_every_reliability_check(reference: dict[str, CheckResult]) -> None:
    assert {name: c.status for name, c in reference.items()} == {
        check_id.split(".", 1)[1]: Status.PASSED for check_id in reliability.CHECK_IDS
    }


def test_the_reference_evidence_shows_the_crash_and_the_clean_exit(
    reference: dict[str, CheckResult],
) -> None:
    crash = reference["crash.durable_writes"].evidence[0]["text"]
    assert "SIGKILL: sent, exit code 137" in crash
    assert "missing: 0" in crash
    shutdown = reference["shutdown.graceful"].evidence[0]["text"]
    assert "exited with code 0" in shutdown
    assert "requests in flight at the signal: 4" in shutdown


def test_the_phase_leaves_no_container_or_volume_behind(
    reference: dict[str, CheckResult], docker_client: Any
) -> None:
    """Restarted services, lock holders and the read-only volume all carry the run's labels."""
    mine = {"label": [LABEL, f"ledger-grader.pid={os.getpid()}"]}
    assert docker_client.containers.list(all=True, filters=mine) == []
    assert docker_client.volumes.list(filters=mine) == []


def test_acknowledging_before_the_commit_loses_writes_in_a_crash(
    variants: Path, grader_images: dict[str, Any]
) -> None:
    checks = reliability_checks(build_variant("ack_before_commit", variants))
    assert checks["crash.durable_writes"].status is Status.FAILED
    assert "acknowledged writes were missing" in checks["crash.durable_writes"].message
    # The lost writes vanish as whole transactions: what is left is consistent.
    assert checks["crash.consistent_after_restart"].status is Status.PASSED


def test_ignoring_sigterm_fails_the_graceful_shutdown(
    variants: Path, grader_images: dict[str, Any]
) -> None:
    checks = reliability_checks(build_variant("ignores_sigterm", variants))
    assert checks["shutdown.graceful"].status is Status.FAILED
    assert "did not exit within" in checks["shutdown.graceful"].message
    assert checks["crash.durable_writes"].status is Status.PASSED


def test_a_readiness_that_never_looks_at_the_database_is_caught(
    variants: Path, grader_images: dict[str, Any]
) -> None:
    checks = reliability_checks(build_variant("ready_always", variants))
    assert checks["readiness.db_unusable"].status is Status.FAILED
    assert "locked" in checks["readiness.db_unusable"].message
    assert checks["shutdown.graceful"].status is Status.PASSED
