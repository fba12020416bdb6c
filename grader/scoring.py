"""Rubric + check results (+ a reviewer's overrides) -> ScoreCard: per-skill points, percent,
band, and a weighted total. The automatic numbers are always kept beside the adjusted ones."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from grader.model import CheckResult, Status
from grader.overrides import Overrides
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
class Adjustment:
    """A reviewer's override of one skill."""

    percent: float
    band: Band
    reason: str
    reviewer: str


@dataclass(frozen=True, slots=True)
class HumanRating:
    """One dimension of the human rubric, scored by a reviewer or still open (`score` None)."""

    id: str
    title: str
    read: str
    anchors: tuple[str, ...]
    score: int | None = None
    reason: str = ""


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
    adjustment: Adjustment | None = None

    @property
    def final_percent(self) -> float | None:
        """The percent that counts: the reviewer's when overridden, else the automatic one."""
        return self.adjustment.percent if self.adjustment else self.percent

    @property
    def final_band(self) -> Band:
        return self.adjustment.band if self.adjustment else self.band


@dataclass(frozen=True, slots=True)
class ScoreCard:
    """The verdict: `status` is `error` whenever the grader itself failed somewhere."""

    status: Outcome
    total_percent: float | None
    band: Band
    skills: tuple[SkillScore, ...]
    problems: tuple[str, ...]
    pass_mark: float | None = None
    automatic_total_percent: float | None = None
    human: tuple[HumanRating, ...] = ()
    reviewer: str | None = None

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


def weighted_total(skills: tuple[SkillScore, ...], *, adjusted: bool) -> float | None:
    """The rubric-weighted mean of the assessed skills' percentages."""
    pairs = [(s.weight, s.final_percent if adjusted else s.percent) for s in skills if s.weight > 0]
    assessed = [(w, p) for w, p in pairs if p is not None]
    weight = sum(w for w, _ in assessed)
    return round(sum(w * p for w, p in assessed) / weight, 2) if weight else None


def adjusted(skill: SkillScore, overrides: Overrides | None, rubric: Rubric) -> SkillScore:
    """The skill with the reviewer's override attached, if there is one."""
    override = overrides.skills.get(skill.id) if overrides else None
    if override is None or overrides is None:
        return skill
    adjustment = Adjustment(
        percent=override.percent,
        band=band_of(override.percent, rubric),
        reason=override.reason,
        reviewer=overrides.reviewer,
    )
    return replace(skill, adjustment=adjustment)


def human_ratings(rubric: Rubric, overrides: Overrides | None) -> tuple[HumanRating, ...]:
    """Every human-rubric dimension, with the reviewer's score where one was recorded."""
    ratings = []
    for dim_id, dim in rubric.human.items():
        scored = overrides.human.get(dim_id) if overrides else None
        ratings.append(
            HumanRating(
                id=dim_id,
                title=dim.title,
                read=dim.read,
                anchors=dim.anchors,
                score=scored.score if scored else None,
                reason=scored.reason if scored else "",
            )
        )
    return tuple(ratings)


def score_card(
    *,
    rubric: Rubric,
    checks: tuple[CheckResult, ...],
    problems: tuple[str, ...] = (),
    pass_mark: float | None = None,
    overrides: Overrides | None = None,
) -> ScoreCard:
    """Weigh each assessed skill by the rubric; skills with no checks that ran are left out."""
    skills = tuple(
        adjusted(
            skill_score(skill_id, tuple(c for c in checks if c.skill == skill_id), rubric),
            overrides,
            rubric,
        )
        for skill_id in rubric.skills
    )
    total = weighted_total(skills, adjusted=True)
    errors = [f"check {c.id}: {c.message}" for c in checks if c.status is Status.ERROR]
    all_problems = (*problems, *errors)
    return ScoreCard(
        status=Outcome.ERROR if all_problems else Outcome.GRADED,
        total_percent=total,
        band=band_of(total, rubric),
        skills=skills,
        problems=all_problems,
        pass_mark=pass_mark,
        automatic_total_percent=weighted_total(skills, adjusted=False),
        human=human_ratings(rubric, overrides),
        reviewer=overrides.reviewer if overrides else None,
    )
