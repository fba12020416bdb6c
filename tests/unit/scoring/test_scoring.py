"""score_card: per-skill percent and band, a weighted total, and when the card is an error."""

from __future__ import annotations

import pytest

from grader.model import CheckResult, Status
from grader.rubric import Rubric
from grader.scoring import Band, Outcome, band_of, score_card, skill_score


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    def skill(weight: float) -> dict[str, object]:
        return {"title": "A skill", "requirement": "Does it.", "weight": weight}

    def check(check_id: str) -> dict[str, object]:
        skill_id = check_id.partition(".")[0]
        return {"id": check_id, "skill": skill_id, "points": 1, "title": "t", "hint": "h"}

    return Rubric.model_validate(
        {
            "schema_version": 1,
            "bands": {"strong": 80, "meets": 60},
            "skills": {
                "data": skill(2),
                "security": skill(1),
                "reliability": skill(1),
                "observability": skill(1),
                "performance": skill(0),
            },
            "checks": [check("data.balance")],
        }
    )


def result(check_id: str, status: Status, points: float = 0, max_points: float = 1) -> CheckResult:
    return CheckResult(
        id=check_id,
        skill=check_id.partition(".")[0],
        title=check_id,
        status=status,
        points=points,
        max_points=max_points,
        message=f"{check_id} is {status}",
    )


# data 3/4 = 75 % (weight 2), security 1/2 = 50 % (weight 1), reliability 1/1 = 100 % (weight 1),
# observability only skipped (not assessed), performance 0/1 = 0 % but weight 0.
# Weighted total: (2 * 75 + 1 * 50 + 1 * 100) / (2 + 1 + 1) = 75.
GRADED = (
    result("data.balance", Status.PASSED, 3, 3),
    result("data.amounts", Status.FAILED, 0, 1),
    result("security.auth", Status.FAILED, 1, 2),
    result("reliability.service.ready", Status.PASSED, 1, 1),
    result("observability.logs", Status.SKIPPED, 0, 5),
    result("performance.latency", Status.FAILED, 0, 1),
)


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        (100.0, Band.STRONG),
        (80.0, Band.STRONG),
        (79.99, Band.MEETS),
        (60.0, Band.MEETS),
        (59.99, Band.BELOW),
        (0.0, Band.BELOW),
        (None, Band.NOT_ASSESSED),
    ],
)
def test_band_thresholds_are_inclusive(rubric: Rubric, percent: float | None, band: Band) -> None:
    assert band_of(percent, rubric) is band


def test_skill_percent_counts_passed_and_failed_checks_only(rubric: Rubric) -> None:
    checks = (
        result("data.balance", Status.PASSED, 3, 3),
        result("data.amounts", Status.FAILED, 1, 3),
        result("data.transfers", Status.SKIPPED, 0, 10),
        result("data.ledger", Status.ERROR, 0, 10),
    )

    score = skill_score("data", checks, rubric)

    assert (score.points, score.max_points, score.percent) == (4, 6, 66.67)
    assert score.band is Band.MEETS
    assert score.weight == 2
    assert score.checks == checks


def test_skill_without_counted_checks_is_not_assessed(rubric: Rubric) -> None:
    score = skill_score("observability", (result("observability.logs", Status.SKIPPED),), rubric)

    assert score.percent is None
    assert score.band is Band.NOT_ASSESSED
    assert (score.points, score.max_points) == (0, 0)


def test_weighted_total_leaves_out_unassessed_and_unweighted_skills(rubric: Rubric) -> None:
    card = score_card(rubric=rubric, checks=GRADED)

    skills = {s.id: s for s in card.skills}
    assert [s.id for s in card.skills] == list(rubric.skills)
    assert {k: s.percent for k, s in skills.items()} == {
        "data": 75.0,
        "security": 50.0,
        "reliability": 100.0,
        "observability": None,
        "performance": 0.0,
    }
    assert skills["observability"].band is Band.NOT_ASSESSED
    assert card.total_percent == 75.0
    assert card.band is Band.MEETS
    assert card.status is Outcome.GRADED
    assert card.problems == ()


def test_weighted_total_rounds_to_two_decimals(rubric: Rubric) -> None:
    checks = (result("data.balance", Status.PASSED, 1, 1), result("security.auth", Status.FAILED))

    card = score_card(rubric=rubric, checks=checks)

    assert card.total_percent == 66.67


def test_nothing_assessed_leaves_the_total_unset(rubric: Rubric) -> None:
    card = score_card(rubric=rubric, checks=(result("data.balance", Status.SKIPPED),))

    assert card.total_percent is None
    assert card.band is Band.NOT_ASSESSED
    assert card.status is Outcome.GRADED


def test_card_lists_checks_skill_by_skill(rubric: Rubric) -> None:
    card = score_card(rubric=rubric, checks=tuple(reversed(GRADED)))

    assert [c.id for c in card.checks] == [
        "data.amounts",
        "data.balance",
        "security.auth",
        "reliability.service.ready",
        "observability.logs",
        "performance.latency",
    ]


def test_an_error_check_makes_the_card_an_error(rubric: Rubric) -> None:
    broken = result("security.session", Status.ERROR)

    card = score_card(rubric=rubric, checks=(*GRADED, broken))

    assert card.status is Outcome.ERROR
    assert card.problems == ("check security.session: security.session is error",)
    assert card.total_percent == 75.0


def test_a_problem_makes_the_card_an_error(rubric: Rubric) -> None:
    card = score_card(rubric=rubric, checks=GRADED, problems=("harness output line 3 is not JSON",))

    assert card.status is Outcome.ERROR
    assert card.problems == ("harness output line 3 is not JSON",)


@pytest.mark.parametrize(
    ("pass_mark", "passed"),
    [(None, None), (74.99, True), (75.0, True), (75.01, False)],
)
def test_pass_mark_decides_passed(
    rubric: Rubric, pass_mark: float | None, passed: bool | None
) -> None:
    card = score_card(rubric=rubric, checks=GRADED, pass_mark=pass_mark)

    assert card.pass_mark == pass_mark
    assert card.passed is passed


def test_no_total_means_no_pass_verdict(rubric: Rubric) -> None:
    card = score_card(rubric=rubric, checks=(), pass_mark=50)

    assert card.passed is None
