"""What several reports show, computed once: number formats, lost checks, candidate-safe hints."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from grader.model import CheckResult, Status
from grader.pipeline import GradeOutcome
from grader.rubric import Rubric
from grader.scoring import Band, ScoreCard, SkillScore

ONE_LINE_LIMIT = 300
ELLIPSIS = "…"
_WHITESPACE = re.compile(r"\s+")


def percent_text(value: float | None, *, digits: int = 0) -> str:
    """`72%` (or `72.5%` with digits=1); `-` when not assessed."""
    return "-" if value is None else f"{value:.{digits}f}%"


def points_number(value: float) -> str:
    """Points rounded to two decimals without trailing zeros: `2.33`, `4`."""
    return f"{round(value, 2):g}"


def points_text(check: CheckResult) -> str:
    """`2.33/3`: points earned of the check's maximum."""
    return f"{points_number(check.points)}/{points_number(check.max_points)}"


def band_text(band: Band) -> str:
    """`not assessed` rather than the enum's `not_assessed`."""
    return str(band).replace("_", " ")


def one_line(text: str, *, limit: int = ONE_LINE_LIMIT) -> str:
    """Whitespace collapsed to single spaces, cut at `limit` characters with an ellipsis."""
    flat = _WHITESPACE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + ELLIPSIS


def text_of(value: Any) -> str:
    """Any evidence value as text: strings as they are, None empty, the rest as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def lost_points(check: CheckResult) -> float:
    """Points a failed check did not earn; other statuses lose none (they are not counted)."""
    return round(check.max_points - check.points, 4) if check.status is Status.FAILED else 0.0


def unpassed(checks: Iterable[CheckResult]) -> list[CheckResult]:
    """Checks that failed, errored or were skipped, in rubric order."""
    return [check for check in checks if check.status is not Status.PASSED]


def is_adjusted(skill: SkillScore) -> bool:
    """Whether a reviewer overrode this skill's automatic percent."""
    return skill.adjustment is not None


def total_is_adjusted(card: ScoreCard) -> bool:
    """Whether overrides moved the weighted total away from the automatic one."""
    return any(is_adjusted(skill) for skill in card.skills)


def rubric_differs(outcome: GradeOutcome, rubric: Rubric) -> bool:
    """Whether hints and notes come from another rubric than the one the grade used."""
    graded_with = outcome.provenance.rubric_sha256
    return bool(rubric.sha256 and graded_with and rubric.sha256 != graded_with)


def dedupe(items: Iterable[str]) -> tuple[str, ...]:
    """Items in first-seen order, each once."""
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True, slots=True)
class CandidateSkill:
    """What a candidate may see of one skill: the final numbers and what to look at."""

    title: str
    percent: float | None
    band: Band
    hints: tuple[str, ...]


def candidate_hints(skill: SkillScore, rubric: Rubric) -> tuple[str, ...]:
    """The rubric hints of the skill's checks that lost points, each once.

    Only the rubric's `hint` is candidate-facing; a check the rubric does not know gives none
    rather than falling back to its message.
    """
    hints = []
    for check in skill.checks:
        known = rubric.check(check.id)
        if known is not None and lost_points(check) > 0:
            hints.append(known.hint)
    return dedupe(hints)


def candidate_skills(card: ScoreCard, rubric: Rubric) -> tuple[CandidateSkill, ...]:
    """Every skill as a candidate sees it, in rubric order."""
    return tuple(
        CandidateSkill(
            title=skill.title,
            percent=skill.final_percent,
            band=skill.final_band,
            hints=candidate_hints(skill, rubric),
        )
        for skill in card.skills
    )


CANDIDATE_ERROR_NOTE = (
    "The automatic grading did not complete, so these numbers are provisional: "
    "a reviewer will look at your submission."
)
