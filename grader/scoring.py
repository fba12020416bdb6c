"""Rubric + check results -> ScoreCard: per-skill points, percent, band, and a weighted total."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from grader.model import CheckResult, Status
from grader.rubric import Rubric


class Band(enum.StrEnum):
    """How a percentage reads against the rubric's thresholds."""

    STRONG = "strong"
    MEETS = "meets"
    BELOW = "below"
    NOT_ASSESSED = "not_assessed"


class Outcome(enum.StrEnum):
    """Whether the grade can be trusted: `error` means the grader failed, not the candidate."""

    GRADED = "graded"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class SkillScore:
    """One skill's share of the grade."""

    id: str
    title: str
    requirement: str
    weight: float
    points: float
    max_points: float
    percent: float | None
    band: Band
    checks: tuple[CheckResult, ...]


@dataclass(frozen=True, slots=True)
class ScoreCard:
    """The verdict: `status` is `error` whenever the grader itself failed somewhere."""

    status: Outcome
    total_percent: float | None
    band: Band
    skills: tuple[SkillScore, ...]
    problems: tuple[str, ...]
    pass_mark: float | None = None

    @property
    def passed(self) -> bool | None:
        """Whether the total reaches the pass mark; None when no pass mark applies."""
        if self.pass_mark is None or self.total_percent is None:
            return None
        return self.total_percent >= self.pass_mark

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        return tuple(check for skill in self.skills for check in skill.checks)


def band_of(percent: float | None, rubric: Rubric) -> Band:
    """The band a percentage falls in."""
    if percent is None:
        return Band.NOT_ASSESSED
    if percent >= rubric.bands.strong:
        return Band.STRONG
    if percent >= rubric.bands.meets:
        return Band.MEETS
    return Band.BELOW


def skill_score(skill_id: str, checks: tuple[CheckResult, ...], rubric: Rubric) -> SkillScore:
    """Points of the checks that ran (skipped and errored checks count for nothing either way)."""
    skill = rubric.skills[skill_id]
    counted = [c for c in checks if c.status in (Status.PASSED, Status.FAILED)]
    max_points = sum(c.max_points for c in counted)
    points = sum(c.points for c in counted)
    percent = round(100 * points / max_points, 2) if max_points else None
    return SkillScore(
        id=skill_id,
        title=skill.title,
        requirement=skill.requirement,
        weight=skill.weight,
        points=round(points, 4),
        max_points=round(max_points, 4),
        percent=percent,
        band=band_of(percent, rubric),
        checks=checks,
    )


def score_card(
    *,
    rubric: Rubric,
    checks: tuple[CheckResult, ...],
    problems: tuple[str, ...] = (),
    pass_mark: float | None = None,
) -> ScoreCard:
    """Weigh each assessed skill by the rubric; skills with no checks that ran are left out."""
    skills = tuple(
        skill_score(skill_id, tuple(c for c in checks if c.skill == skill_id), rubric)
        for skill_id in rubric.skills
    )
    assessed = [s for s in skills if s.percent is not None and s.weight > 0]
    weight = sum(s.weight for s in assessed)
    total = (
        round(sum(s.weight * (s.percent or 0.0) for s in assessed) / weight, 2) if weight else None
    )
    errors = [f"check {c.id}: {c.message}" for c in checks if c.status is Status.ERROR]
    all_problems = (*problems, *errors)
    return ScoreCard(
        status=Outcome.ERROR if all_problems else Outcome.GRADED,
        total_percent=total,
        band=band_of(total, rubric),
        skills=skills,
        problems=all_problems,
        pass_mark=pass_mark,
    )
