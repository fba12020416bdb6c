"""Reviewer overrides: validated with one clear error, applied beside the automatic scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.model import CheckResult, Status
from grader.overrides import OverridesError, load_overrides
from grader.rubric import Rubric
from grader.scoring import Band, score_card

ANCHORS = ["0: none", "1: weak", "2: some", "3: good", "4: excellent"]


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    def skill(weight: float) -> dict[str, object]:
        return {"title": "A skill", "requirement": "Does it.", "weight": weight}

    return Rubric.model_validate(
        {
            "schema_version": 1,
            "skills": {"data": skill(3), "collaboration": skill(1), "performance": skill(1)},
            "checks": [],
            "human": {
                "clarity": {"title": "Clarity", "read": "NOTES.md", "anchors": ANCHORS},
                "review_tone": {"title": "Tone", "read": "REVIEW.md", "anchors": ANCHORS},
            },
        }
    )


def result(check_id: str, points: float, max_points: float) -> CheckResult:
    status = Status.PASSED if points == max_points else Status.FAILED
    skill = check_id.partition(".")[0]
    return CheckResult(check_id, skill, check_id, status, points, max_points)


# data 100 % (weight 3), collaboration 20 % (weight 1), performance not assessed.
CHECKS = (result("data.balance", 4, 4), result("collaboration.review", 1, 5))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
schema_version = 1
reviewer = "Engineering manager"

[skills.collaboration]
percent = 60
reason = "The review comments are valid; two missed by the key."

[human.clarity]
score = 3
reason = "Decisions tied to risks."
"""


def test_an_override_changes_the_total_and_keeps_the_automatic_score(
    tmp_path: Path, rubric: Rubric
) -> None:
    overrides = load_overrides(write(tmp_path, GOOD), rubric)
    card = score_card(rubric=rubric, checks=CHECKS, overrides=overrides)
    collaboration = next(s for s in card.skills if s.id == "collaboration")
    assert collaboration.percent == 20.0
    assert collaboration.band is Band.BELOW
    assert collaboration.adjustment is not None
    assert collaboration.final_percent == 60.0
    assert collaboration.final_band is Band.MEETS
    assert collaboration.adjustment.reviewer == "Engineering manager"
    assert card.automatic_total_percent == 80.0  # (3 * 100 + 1 * 20) / 4
    assert card.total_percent == 90.0  # (3 * 100 + 1 * 60) / 4
    assert card.reviewer == "Engineering manager"


def test_without_overrides_both_totals_agree_and_human_scores_are_open(rubric: Rubric) -> None:
    card = score_card(rubric=rubric, checks=CHECKS)
    assert card.total_percent == card.automatic_total_percent == 80.0
    assert [(h.id, h.score) for h in card.human] == [("clarity", None), ("review_tone", None)]
    assert card.reviewer is None


def test_human_scores_are_recorded_but_leave_the_total_alone(
    tmp_path: Path, rubric: Rubric
) -> None:
    text = """schema_version = 1
reviewer = "Staff engineer"
[human.clarity]
score = 3
reason = "Decisions tied to risks."
"""
    overrides = load_overrides(write(tmp_path, text), rubric)
    card = score_card(rubric=rubric, checks=CHECKS, overrides=overrides)
    clarity = next(h for h in card.human if h.id == "clarity")
    assert (clarity.score, clarity.reason) == (3, "Decisions tied to risks.")
    assert card.total_percent == card.automatic_total_percent


def test_an_override_can_assess_a_skill_the_machine_could_not(
    tmp_path: Path, rubric: Rubric
) -> None:
    text = """schema_version = 1
reviewer = "Staff engineer"
[skills.performance]
percent = 0
reason = "Summary scans every row; confirmed by reading the code."
"""
    overrides = load_overrides(write(tmp_path, text), rubric)
    card = score_card(rubric=rubric, checks=CHECKS, overrides=overrides)
    assert card.automatic_total_percent == 80.0
    assert card.total_percent == 64.0  # (3 * 100 + 1 * 20 + 1 * 0) / 5
    performance = next(s for s in card.skills if s.id == "performance")
    assert performance.percent is None and performance.final_percent == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schema_version = 1\nreviewer = 'x'\n[skills.data]\npercent = 50\n", "reason"),
        (
            "schema_version = 1\nreviewer = 'x'\n[skills.data]\npercent = 50\nreason = ' '\n",
            "reason",
        ),
        (
            "schema_version = 1\nreviewer = 'x'\n[skills.data]\npercent = 150\nreason = 'r'\n",
            "percent",
        ),
        ("schema_version = 1\nreviewer = 'x'\n[human.clarity]\nscore = 5\nreason = 'r'\n", "score"),
        (
            "schema_version = 1\nreviewer = 'x'\n[skills.typing]\npercent = 5\nreason = 'r'\n",
            "skills.typing",
        ),
        (
            "schema_version = 1\nreviewer = 'x'\n[human.humour]\nscore = 2\nreason = 'r'\n",
            "human.humour",
        ),
        ("schema_version = 1\n[skills.data]\npercent = 5\nreason = 'r'\n", "reviewer"),
        ("schema_version = 2\nreviewer = 'x'\n", "schema_version"),
        ("reviewer = [", "not valid TOML"),
    ],
)
def test_a_broken_overrides_file_is_one_clear_error(
    tmp_path: Path, rubric: Rubric, text: str, expected: str
) -> None:
    with pytest.raises(OverridesError) as caught:
        load_overrides(write(tmp_path, text), rubric)
    assert expected in caught.value.message
    assert caught.value.tip
    assert caught.value.exit_code == 2


def test_a_missing_overrides_file_is_a_usage_error(tmp_path: Path, rubric: Rubric) -> None:
    with pytest.raises(OverridesError, match="Cannot read"):
        load_overrides(tmp_path / "absent.toml", rubric)
