"""The candidate's own tests run by the real sandboxes: a locked-down container, local processes."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.checks.base import CheckContext
from grader.checks.candidate_tests import (
    COVERAGE_CHECK,
    MEANINGFUL_CHECK,
    PASSING_CHECK,
    outcome,
    parse_junit,
)
from grader.model import CheckResult, Status
from grader.paths import EXERCISE_DIR, HIDDEN_TESTS_DIR, RUBRIC_PATH
from grader.rubric import load_rubric
from grader.sandbox.base import Limits, Sandbox, TestsRun
from grader.sandbox.docker import LABEL, DockerSandbox
from grader.sandbox.local import LocalSandbox
from grader.submission import load_submission

SUBMISSIONS = Path(__file__).resolve().parents[1] / "fixtures" / "submissions"
HANG_BUDGET_S = 5.0


def quiet(message: str) -> None:
    """Progress goes nowhere in tests."""


def grade_own_tests(
    sandbox: Sandbox, spec: Path, tmp_path: Path, progress: Callable[[str], None] = quiet
) -> tuple[TestsRun, dict[str, CheckResult]]:
    """Take the submission in as the grader does, run its tests, and score them."""
    submission = load_submission(str(spec), workdir=tmp_path)
    run = sandbox.run_candidate_tests(submission.root, progress)
    context = CheckContext(
        rubric=load_rubric(RUBRIC_PATH), submission=submission, exercise=EXERCISE_DIR
    )
    return run, {c.id: c for c in outcome(context, run).checks}


def share(check: CheckResult) -> float:
    return check.points / check.max_points


def evidence_text(check: CheckResult, title: str) -> str:
    return next(str(e["text"]) for e in check.evidence if e.get("title") == title)


def leftovers(docker_client: Any) -> list[str]:
    """Containers and volumes this test process's candidate-test runs left behind."""
    flt = {"label": [LABEL, f"ledger-grader.pid={os.getpid()}"]}
    containers = docker_client.containers.list(all=True, filters=flt)
    volumes = docker_client.volumes.list(filters=flt)
    return [c.name for c in containers] + [v.name for v in volumes]


@pytest.fixture
def docker_sandbox(docker_client: Any, grader_images: dict[str, Any]) -> Iterator[DockerSandbox]:
    """The default sandbox; after each test nothing of its runs may remain."""
    yield DockerSandbox(
        docker_client,
        runtime_image=grader_images["runtime"].tag,
        harness_image=grader_images["harness"].tag,
    )
    assert leftovers(docker_client) == []


def percents(message: str) -> list[float]:
    """The percentages a coverage message quotes, in order."""
    return [float(number) for number in re.findall(r"(\d+\.\d)%", message)]


@pytest.mark.docker
def test_reference_suite_passes_and_covers_its_changes(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    run, checks = grade_own_tests(docker_sandbox, HIDDEN_TESTS_DIR / "reference", tmp_path)
    assert checks[PASSING_CHECK].status is Status.PASSED, checks[PASSING_CHECK].message
    assert run.junit_xml is not None
    assert parse_junit(run.junit_xml).passed >= 250
    coverage = checks[COVERAGE_CHECK]
    assert coverage.status is Status.PASSED, coverage.message
    assert coverage.message.startswith("Coverage of the lines you changed in app/: ")
    changed, whole_app = percents(coverage.message)
    assert changed >= 98.0
    assert whole_app >= 90.0
    assert "app/routes/reports.py: " in evidence_text(
        coverage, "Coverage of the changed lines per file"
    )


@pytest.mark.docker
def test_starter_suite_passes_but_covers_nothing_of_the_candidates(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    run, checks = grade_own_tests(docker_sandbox, EXERCISE_DIR, tmp_path)
    assert run.exit_code == 0, run.output_tail
    assert run.junit_xml is not None
    counts = parse_junit(run.junit_xml)
    assert counts.passed >= 100
    assert counts.executed == counts.passed
    assert checks[PASSING_CHECK].status is Status.PASSED
    coverage = checks[COVERAGE_CHECK]
    assert coverage.status is Status.FAILED
    assert coverage.points == 0.0
    assert coverage.message == "No application code changed: nothing of yours to cover."
    whole_app = evidence_text(coverage, "Coverage of the whole of app/ per file")
    assert whole_app.startswith("total: ")
    assert checks[MEANINGFUL_CHECK].status is Status.PASSED


@pytest.mark.docker
def test_tests_that_assert_nothing_pass_but_are_not_meaningful(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    _, checks = grade_own_tests(docker_sandbox, SUBMISSIONS / "own_tests_no_asserts", tmp_path)
    assert checks[PASSING_CHECK].message == "3 of 3 tests passed."
    # fees.py is new: all six of its statements are the candidate's, one raise is never run.
    assert checks[COVERAGE_CHECK].message.startswith(
        "Coverage of the lines you changed in app/: 83.3% (5 of 6)"
    )
    assert 0.0 < share(checks[COVERAGE_CHECK]) < 1.0
    meaningful = checks[MEANINGFUL_CHECK]
    assert meaningful.points == 0.0
    assert sorted(e["message"].split()[0] for e in meaningful.evidence) == [
        "TestFees.test_rounding",
        "test_large_fee",
        "test_small_fee",
    ]


@pytest.mark.docker
def test_failing_and_erroring_tests_cost_their_share(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    run, checks = grade_own_tests(docker_sandbox, SUBMISSIONS / "own_tests_failing", tmp_path)
    assert run.exit_code == 1
    passing = checks[PASSING_CHECK]
    assert passing.message == "1 of 3 tests passed (2 skipped); 1 failed, 1 errored."
    assert share(passing) == pytest.approx(1 / 3, abs=1e-3)
    failing = evidence_text(passing, "Failing tests")
    assert "test_large_fee (failure: assert 50 == 49" in failing
    assert "test_fee_with_rate (error: failed on setup" in failing


@pytest.mark.docker
def test_tests_cannot_reach_the_network_and_fail_fast(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    _, checks = grade_own_tests(docker_sandbox, SUBMISSIONS / "own_tests_network", tmp_path)
    # "Network is unreachable" (below) means no route at all, not a connection that timed out.
    assert checks[PASSING_CHECK].message == "1 of 3 tests passed; 2 failed."
    failing = evidence_text(checks[PASSING_CHECK], "Failing tests")
    assert failing.count("Network is unreachable") == 2


@pytest.mark.docker
def test_a_hanging_suite_is_killed_at_its_budget(
    docker_client: Any, grader_images: dict[str, Any], tmp_path: Path
) -> None:
    sandbox = DockerSandbox(
        docker_client,
        runtime_image=grader_images["runtime"].tag,
        harness_image=grader_images["harness"].tag,
        limits=Limits(tests_s=HANG_BUDGET_S),
    )
    run, checks = grade_own_tests(sandbox, SUBMISSIONS / "own_tests_hangs", tmp_path)
    assert run.timed_out
    assert run.exit_code is None
    # Killed at its budget, not left to hang (the margin only absorbs a loaded machine).
    assert HANG_BUDGET_S <= run.duration_s < HANG_BUDGET_S + 60
    assert checks[PASSING_CHECK].message == (
        "Not scored: the test suite did not finish within 5 s."
    )
    assert checks[COVERAGE_CHECK].points == 0.0
    assert leftovers(docker_client) == []


@pytest.mark.docker
def test_an_interrupt_mid_run_still_removes_the_container(
    docker_client: Any, docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    def interrupt(message: str) -> None:
        raise KeyboardInterrupt

    submission = load_submission(str(SUBMISSIONS / "own_tests_hangs"), workdir=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        docker_sandbox.run_candidate_tests(submission.root, interrupt)
    assert leftovers(docker_client) == []


@pytest.mark.docker
def test_a_container_that_cannot_start_is_a_grader_problem(
    docker_client: Any, tmp_path: Path
) -> None:
    sandbox = DockerSandbox(
        docker_client,
        runtime_image="ledger-grader/runtime:no-such-tag",
        harness_image="ledger-grader/harness:no-such-tag",
    )
    run, checks = grade_own_tests(sandbox, SUBMISSIONS / "own_tests_failing", tmp_path)
    assert "no-such-tag" in run.problem
    assert checks[PASSING_CHECK].status is Status.ERROR
    assert checks[MEANINGFUL_CHECK].status is Status.PASSED
    assert leftovers(docker_client) == []


@pytest.mark.slow
def test_local_runner_scores_the_same_suite_alike(tmp_path: Path) -> None:
    _, checks = grade_own_tests(LocalSandbox(), SUBMISSIONS / "own_tests_failing", tmp_path)
    assert checks[PASSING_CHECK].message == "1 of 3 tests passed (2 skipped); 1 failed, 1 errored."
    assert checks[COVERAGE_CHECK].message == (
        "Coverage of the lines you changed in app/: 83.3% (5 of 6); "
        "whole app/ branch coverage 75.0%."
    )


@pytest.mark.slow
def test_local_runner_kills_a_hanging_suite(tmp_path: Path) -> None:
    sandbox = LocalSandbox(limits=Limits(tests_s=HANG_BUDGET_S))
    run, checks = grade_own_tests(sandbox, SUBMISSIONS / "own_tests_hangs", tmp_path)
    assert run.timed_out
    assert run.duration_s < HANG_BUDGET_S + 60
    assert checks[PASSING_CHECK].points == 0.0
