"""The Docker sandbox, observed from inside and outside a real container started by the grader."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from grader.errors import InfrastructureError
from grader.model import Status
from grader.pipeline import GradeOptions, grade
from grader.sandbox.base import Limits, SuiteRequest
from grader.sandbox.docker import LABEL, DockerSandbox
from grader.scoring import Outcome

pytestmark = pytest.mark.docker

SUBMISSIONS = Path(__file__).resolve().parents[1] / "fixtures" / "submissions"
FAST = Limits(startup_s=8, suite_s=30)
MIB = 1024 * 1024


def readiness(submission: str, **limits: Any) -> tuple[Any, float]:
    """Grade only the readiness check; return it and the wall time the grade took."""
    options = GradeOptions(
        only=("reliability.service",),
        limits=Limits(**{**FAST.__dict__, **limits}) if limits else FAST,
    )
    started = time.monotonic()
    outcome = grade(str(SUBMISSIONS / submission), options=options, progress=lambda message: None)
    check = next(c for c in outcome.card.checks if c.id == "reliability.service.ready")
    return check, time.monotonic() - started


def managed(docker_client: Any) -> list[str]:
    containers = docker_client.containers.list(all=True, filters={"label": LABEL})
    volumes = docker_client.volumes.list(filters={"label": LABEL})
    return [c.name for c in containers] + [v.name for v in volumes]


@pytest.fixture(scope="module")
def probe(docker_client: Any, grader_images: dict[str, Any]) -> dict[str, Any]:
    """What the probe submission saw from inside its container."""
    sandbox = DockerSandbox(
        docker_client,
        runtime_image=grader_images["runtime"].tag,
        harness_image=grader_images["harness"].tag,
        limits=FAST,
    )
    request = SuiteRequest(only=("reliability.service",))
    with sandbox.session(SUBMISSIONS / "probe", request, lambda message: None) as session:
        run = session.run_harness(request)
        log = session.service_log()
    assert any('"ok": true' in line for line in run.lines), run.lines
    line = next(line for line in log.splitlines() if line.startswith('{"probe"'))
    observed: dict[str, Any] = json.loads(line)["probe"]
    return observed


def test_candidate_has_no_network_but_loopback(probe: dict[str, Any]) -> None:
    assert probe["interfaces"] == ["lo"]
    assert probe["routes"] == 0


def test_candidate_runs_unprivileged(probe: dict[str, Any]) -> None:
    assert probe["uid"] != 0
    assert int(probe["cap_eff"], 16) == 0
    assert probe["no_new_privs"] == "1"


def test_candidate_writes_only_tmp_and_data(probe: dict[str, Any]) -> None:
    assert probe["writable"] == {
        "/": False,
        "/submission": False,
        "/etc": False,
        "/opt": False,
        "/tmp": True,
        "/data": True,
    }


def test_candidate_cannot_see_the_harness(probe: dict[str, Any]) -> None:
    assert probe["harness_paths"] == []


def test_candidate_limits_are_set(probe: dict[str, Any]) -> None:
    assert int(probe["memory_limit"]) == Limits().memory_bytes
    assert int(probe["pids_limit"]) == Limits().pids


def test_memory_hog_is_contained_and_charged_to_the_candidate(grader_images: Any) -> None:
    check, seconds = readiness("memory_hog")
    assert check.status is Status.FAILED
    assert "memory limit" in check.message
    assert seconds < FAST.startup_s + 30


def test_fork_loop_is_contained_and_charged_to_the_candidate(grader_images: Any) -> None:
    check, seconds = readiness("fork_loop")
    assert check.status is Status.FAILED
    assert "/readyz" in check.message
    assert seconds < FAST.startup_s + 30


@pytest.mark.parametrize(
    ("submission", "expected"),
    [
        ("crash", "exited with code 1"),
        ("never_ready", "HTTP 503"),
        ("wrong_port", "no answer"),
    ],
)
def test_unready_service_fails_readiness_within_budget(
    grader_images: Any, submission: str, expected: str
) -> None:
    check, seconds = readiness(submission)
    assert check.status is Status.FAILED
    assert expected in check.message
    assert seconds < FAST.startup_s + 30


def test_sigint_leaves_no_container_or_volume(
    docker_client: Any, grader_images: Any, tmp_path: Path
) -> None:
    before = managed(docker_client)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(SUBMISSIONS / "never_ready"),
            "--format",
            "json",
            "--out",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while len(managed(docker_client)) <= len(before) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(managed(docker_client)) > len(before), "the grade never started a container"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr
    assert managed(docker_client) == before


def test_a_hanging_service_is_cut_off_at_the_suite_budget(grader_images: Any) -> None:
    options = GradeOptions(only=("security.auth",), limits=Limits(startup_s=8, suite_s=12))
    started = time.monotonic()
    outcome = grade(str(SUBMISSIONS / "hangs"), options=options, progress=lambda message: None)
    seconds = time.monotonic() - started
    assert seconds < 8 + 12 + 30
    not_run = [c for c in outcome.card.checks if "budget" in c.message]
    assert not_run, [c.message for c in outcome.card.checks]
    assert all(c.status is Status.FAILED for c in not_run)
    assert outcome.card.status is Outcome.GRADED


def test_an_infrastructure_fault_is_an_error_and_leaves_nothing(
    docker_client: Any, grader_images: dict[str, Any]
) -> None:
    before = managed(docker_client)
    sandbox = DockerSandbox(
        docker_client,
        runtime_image=grader_images["runtime"].tag,
        harness_image="ledger-grader/harness:does-not-exist",
        limits=FAST,
    )
    request = SuiteRequest()
    with (
        pytest.raises(InfrastructureError, match="create a container"),
        sandbox.session(SUBMISSIONS / "probe", request, lambda message: None) as session,
    ):
        session.run_harness(request)
    assert managed(docker_client) == before
