"""suite_outcome: the harness's JSON lines become one CheckResult per hidden check, or problems."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grader.checks.hidden_suite import READY_CHECK, HarnessRun, ServiceFate, suite_outcome
from grader.model import CheckResult, Status
from grader.rubric import Rubric

RUNNING = ServiceFate(running=True)
EXCHANGE = {"method": "POST", "path": "/transfers", "status": 500}


def make_rubric(*, ready_source: str = "harness") -> Rubric:
    def check(check_id: str, points: float, **extra: str) -> dict[str, Any]:
        skill = check_id.partition(".")[0]
        hint = f"Make {check_id} pass."
        declared = {"id": check_id, "skill": skill, "points": points, "title": check_id}
        return declared | {"hint": hint} | extra

    skill = {"title": "A skill", "requirement": "Does it.", "weight": 1}
    return Rubric.model_validate(
        {
            "schema_version": 1,
            "skills": {"reliability": skill, "data": skill, "security": skill},
            "checks": [
                check(READY_CHECK, 1, source=ready_source),
                check("data.balance", 4),
                check("data.amounts", 3, scoring="fraction"),
                check("security.auth", 2),
            ],
        }
    )


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return make_rubric()


def verdict(check: str, outcome: str = "passed", **extra: Any) -> dict[str, Any]:
    """One `test` record as the harness plugin writes it."""
    return {
        "type": "test",
        "nodeid": f"test_x.py::test_{check}",
        "check": check,
        "outcome": outcome,
        "duration": 0.5,
        "message": "",
    } | extra


def all_passing() -> list[dict[str, Any]]:
    return [verdict("data.balance"), verdict("data.amounts"), verdict("security.auth")]


def harness_run(
    records: list[dict[str, Any]],
    *,
    ready: bool = True,
    finished: bool = True,
    timed_out: bool = False,
    fate: ServiceFate = RUNNING,
    extra_lines: tuple[str, ...] = (),
) -> HarnessRun:
    ready_record = {
        "type": "ready",
        "ok": ready,
        "seconds": 1.25,
        "detail": "HTTP 200" if ready else "/readyz did not answer 200 within 30 s",
    }
    done = [{"type": "done", "exit_code": 0}] if finished else []
    lines = [json.dumps(r) for r in [ready_record, *records, *done]]
    return HarnessRun(lines=(*lines, *extra_lines), timed_out=timed_out, budget_s=300, fate=fate)


def by_id(checks: tuple[CheckResult, ...]) -> dict[str, CheckResult]:
    return {c.id: c for c in checks}


def test_all_passing_tests_give_every_check_its_full_points(rubric: Rubric) -> None:
    outcome = suite_outcome(rubric=rubric, run=harness_run(all_passing()))

    assert outcome.problems == ()
    assert [c.id for c in outcome.checks] == [c.id for c in rubric.checks]
    assert all(c.status is Status.PASSED for c in outcome.checks)
    assert [c.points for c in outcome.checks] == [c.points for c in rubric.checks]
    assert outcome.checks[0].message == "Ready after 1.2 s."


def test_one_failing_test_fails_an_all_check_with_its_evidence(rubric: Rubric) -> None:
    failing = verdict(
        "data.balance",
        "failed",
        nodeid="test_x.py::test_overdraft",
        message="An overdraft should be refused with 409",
        exception="AssertionError",
        longrepr="assert 500 == 409",
        exchanges=[EXCHANGE],
    )
    run = harness_run([verdict("data.balance"), failing, *all_passing()[1:]])

    balance = by_id(suite_outcome(rubric=rubric, run=run).checks)["data.balance"]

    assert balance.status is Status.FAILED
    assert balance.points == 0
    assert balance.max_points == 4
    assert balance.message == "An overdraft should be refused with 409"
    assert balance.duration_s == 1.0
    (evidence,) = balance.evidence
    assert evidence["kind"] == "hidden_test"
    assert evidence["test"] == "test_x.py::test_overdraft"
    assert evidence["traceback"] == "assert 500 == 409"
    assert evidence["exchanges"] == [EXCHANGE]


def test_fraction_check_earns_its_share_of_passing_cases(rubric: Rubric) -> None:
    cases = [verdict("data.amounts")] * 7 + [
        verdict("data.amounts", "failed", message="-1 should be refused")
    ] * 2
    run = harness_run([verdict("data.balance"), *cases, verdict("security.auth")])

    amounts = by_id(suite_outcome(rubric=rubric, run=run).checks)["data.amounts"]

    assert amounts.status is Status.FAILED
    assert amounts.points == round(3 * 7 / 9, 4)
    assert amounts.message == "7 of 9 cases right. -1 should be refused"
    assert len(amounts.evidence) == 2


def test_evidence_is_kept_for_at_most_three_failing_tests(rubric: Rubric) -> None:
    failing = [verdict("data.balance", "failed", message=f"case {n}") for n in range(5)]

    balance = by_id(suite_outcome(rubric=rubric, run=harness_run(failing)).checks)["data.balance"]

    assert [e["message"] for e in balance.evidence] == ["case 0", "case 1", "case 2"]


def test_a_test_in_error_makes_its_check_an_error(rubric: Rubric) -> None:
    broken = verdict("security.auth", "error", message="HarnessError: GRADER_ADMIN_TOKEN is unset")
    run = harness_run([*all_passing()[:2], verdict("security.auth"), broken])

    auth = by_id(suite_outcome(rubric=rubric, run=run).checks)["security.auth"]

    assert auth.status is Status.ERROR
    assert auth.points == 0
    assert auth.message == "HarnessError: GRADER_ADMIN_TOKEN is unset"


def test_only_skipped_tests_make_a_skipped_check(rubric: Rubric) -> None:
    skipped = verdict("security.auth", "skipped", message="Skipped: no admin API")
    run = harness_run([*all_passing()[:2], skipped])

    auth = by_id(suite_outcome(rubric=rubric, run=run).checks)["security.auth"]

    assert auth.status is Status.SKIPPED
    assert auth.message == "Skipped: no admin API"


@pytest.mark.parametrize(
    ("fate", "described"),
    [
        (ServiceFate(running=False, exit_code=3), "The service exited with code 3."),
        (
            ServiceFate(running=False, exit_code=137, oom_killed=True),
            "The service was killed for exceeding its memory limit.",
        ),
        (ServiceFate(running=False), "The service stopped."),
        (RUNNING, ""),
    ],
)
def test_service_never_ready_fails_readiness_and_every_hidden_check(
    rubric: Rubric, fate: ServiceFate, described: str
) -> None:
    outcome = suite_outcome(rubric=rubric, run=harness_run([], ready=False, fate=fate))

    ready, *hidden = outcome.checks
    assert ready.id == READY_CHECK
    assert ready.status is Status.FAILED
    assert ready.message == f"{described} /readyz did not answer 200 within 30 s".strip()
    assert [c.id for c in hidden] == ["data.balance", "data.amounts", "security.auth"]
    assert all(c.status is Status.FAILED and c.points == 0 for c in hidden)
    assert {c.message for c in hidden} == {"Not run: the service never became ready."}
    assert outcome.problems == ()


def test_log_tail_of_a_dead_service_is_readiness_evidence(rubric: Rubric) -> None:
    fate = ServiceFate(running=False, exit_code=1, log_tail="ModuleNotFoundError: No module 'app'")

    ready = suite_outcome(rubric=rubric, run=harness_run([], ready=False, fate=fate)).checks[0]

    assert ready.evidence == ({"kind": "service_log_tail", "text": fate.log_tail},)


def test_no_readiness_record_fails_readiness(rubric: Rubric) -> None:
    run = HarnessRun(lines=(), timed_out=True, budget_s=300, fate=RUNNING)

    ready = suite_outcome(rubric=rubric, run=run).checks[0]

    assert ready.status is Status.FAILED
    assert ready.message == "the harness did not report readiness"


def test_checks_the_harness_had_no_time_for_fail_with_the_budget(rubric: Rubric) -> None:
    run = harness_run([verdict("data.balance")], finished=False, timed_out=True)

    checks = by_id(suite_outcome(rubric=rubric, run=run).checks)

    assert checks["data.balance"].status is Status.PASSED
    for check_id in ("data.amounts", "security.auth"):
        assert checks[check_id].status is Status.FAILED
        assert checks[check_id].message == (
            "Not run: the hidden suite ran out of its 300 s budget."
        )


def test_checks_after_a_crash_mid_suite_fail_with_the_service_fate(rubric: Rubric) -> None:
    fate = ServiceFate(running=False, exit_code=137, oom_killed=True)
    run = harness_run([verdict("data.balance")], finished=False, fate=fate)

    auth = by_id(suite_outcome(rubric=rubric, run=run).checks)["security.auth"]

    assert auth.status is Status.FAILED
    assert auth.message == (
        "Not run: the hidden suite stopped early. "
        "The service was killed for exceeding its memory limit."
    )


def test_check_without_tests_in_a_finished_run_is_an_error(rubric: Rubric) -> None:
    run = harness_run(all_passing()[:2])

    auth = by_id(suite_outcome(rubric=rubric, run=run).checks)["security.auth"]

    assert auth.status is Status.ERROR
    assert auth.message == "No hidden test reported a result."


def test_test_naming_an_unknown_check_is_a_problem(rubric: Rubric) -> None:
    stray = verdict("data.ghost", nodeid="test_x.py::test_ghost")

    outcome = suite_outcome(rubric=rubric, run=harness_run([*all_passing(), stray]))

    assert outcome.problems == ("test test_x.py::test_ghost names unknown check 'data.ghost'",)


def test_malformed_line_is_a_problem_not_a_crash(rubric: Rubric) -> None:
    run = harness_run(all_passing(), extra_lines=('{"type": "test", "nodeid": "cut', ""))

    outcome = suite_outcome(rubric=rubric, run=run)

    assert outcome.problems == ("harness output line 6 is not JSON",)
    assert all(c.status is Status.PASSED for c in outcome.checks)


def test_collection_error_is_a_problem(rubric: Rubric) -> None:
    broken = {"type": "collection_error", "nodeid": "test_y.py", "longrepr": "ImportError: yaml"}

    outcome = suite_outcome(rubric=rubric, run=harness_run([*all_passing(), broken]))

    assert outcome.problems == ("hidden suite failed to collect test_y.py: ImportError: yaml",)


@pytest.mark.parametrize(
    ("only", "hidden"),
    [
        (("data",), ["data.balance", "data.amounts"]),
        (("data.amounts",), ["data.amounts"]),
        (("security", "data.balance"), ["data.balance", "security.auth"]),
        (("data.bal",), []),
    ],
)
def test_only_keeps_the_selected_hidden_checks(
    rubric: Rubric, only: tuple[str, ...], hidden: list[str]
) -> None:
    selected = [verdict(check_id) for check_id in hidden]

    outcome = suite_outcome(rubric=rubric, run=harness_run(selected), only=only)

    assert [c.id for c in outcome.checks] == [READY_CHECK, *hidden]
    assert all(c.status is Status.PASSED for c in outcome.checks)


def test_readiness_is_reported_once_when_its_source_is_left_at_the_default() -> None:
    rubric = make_rubric(ready_source="hidden")

    outcome = suite_outcome(rubric=rubric, run=harness_run(all_passing()))

    assert [c.id for c in outcome.checks] == [c.id for c in rubric.checks]
    assert all(c.status is Status.PASSED for c in outcome.checks)
