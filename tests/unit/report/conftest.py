"""Fixtures: hand-built GradeOutcomes, the input of every renderer.

`make_outcome` builds a small card (the terminal and JSON tests use it); `rich_outcome` has
every kind of evidence, a reviewer's override, human scores and candidate-controlled strings
that must be escaped (`<script>` in a message and in a response body).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from grader.model import CheckResult
from grader.overrides import Overrides
from grader.pipeline import GradeOutcome
from grader.rubric import Rubric
from grader.scoring import score_card

from .samples import CHECKS, HINTS, NOTES, OVERRIDES, RICH_CHECKS, provenance, submission


@pytest.fixture(scope="session")
def rubric() -> Rubric:
    def skill(title: str, weight: float) -> dict[str, object]:
        return {"title": title, "requirement": f"{title}, as the role needs it.", "weight": weight}

    checks = [
        {
            "id": check_id,
            "skill": check_id.partition(".")[0],
            "points": 2,
            "title": f"Title of {check_id}",
            "hint": hint,
            "reviewer_note": NOTES.get(check_id, ""),
        }
        for check_id, hint in HINTS.items()
    ]
    anchors = ["0: none", "1: some", "2: fair", "3: good", "4: excellent"]
    return Rubric.model_validate(
        {
            "schema_version": 1,
            "skills": {
                "data": skill("Data modelling", 2),
                "security": skill("Security", 1),
                "reliability": skill("Reliability", 1),
                "observability": skill("Observability", 1),
                "performance": skill("Performance", 1),
                "code_quality": skill("Code quality", 1),
                "collaboration": skill("Collaboration", 1),
            },
            "checks": checks,
            "human": {
                "clarity": {"title": "Clarity", "read": "NOTES.md: Decisions", "anchors": anchors},
                "review_tone": {"title": "Review tone", "read": "REVIEW.md", "anchors": anchors},
            },
        }
    )


@pytest.fixture
def make_outcome(rubric: Rubric) -> Callable[..., GradeOutcome]:
    def make(
        *,
        checks: tuple[CheckResult, ...] = CHECKS,
        problems: tuple[str, ...] = (),
        pass_mark: float | None = None,
        source: str = "/submissions/candidate-a",
        with_git: bool = False,
        overrides: Overrides | None = None,
    ) -> GradeOutcome:
        card = score_card(
            rubric=rubric,
            checks=checks,
            problems=problems,
            pass_mark=pass_mark,
            overrides=overrides,
        )
        return GradeOutcome(
            card=card,
            submission=submission(source, with_git=with_git),
            provenance=provenance(),
        )

    return make


@pytest.fixture
def rich_outcome(make_outcome: Callable[..., GradeOutcome]) -> GradeOutcome:
    """Every evidence kind, an override, a human score, and `<script>` where it must not run."""
    outcome: GradeOutcome = make_outcome(
        checks=RICH_CHECKS, pass_mark=60, with_git=True, overrides=OVERRIDES
    )
    return outcome
