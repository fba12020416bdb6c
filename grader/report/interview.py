"""The interview guide: follow-up questions for each weak skill, grounded in its own failures.

A skill is weak when its final band is `below` or `meets`. Its questions come from the failed
checks that lost the most points: "<check title> - <message>. <the 'Ask ...' sentences of the
check's reviewer_note>". The order is deterministic: weakest skill first (rubric order breaks
ties), then most points lost (rubric order breaks ties).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.model import CheckResult
from grader.report.view import lost_points, one_line
from grader.rubric import Rubric
from grader.scoring import Band, ScoreCard, SkillScore

MAX_QUESTIONS = 3
WEAK_BANDS = frozenset({Band.BELOW, Band.MEETS})
DEFAULT_ASK = "Ask them to walk through how they would find and fix this."
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


@dataclass(frozen=True, slots=True)
class Question:
    """One follow-up question and the check it comes from."""

    check_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Topic:
    """A weak skill and the questions to ask about it."""

    skill_id: str
    skill_title: str
    percent: float | None
    band: Band
    questions: tuple[Question, ...]


def ask_sentences(reviewer_note: str) -> str:
    """The sentences of a reviewer note that start with "Ask"."""
    sentences = _SENTENCE_END.split(reviewer_note.strip())
    return " ".join(s for s in sentences if s.startswith("Ask"))


def question(check: CheckResult, rubric: Rubric) -> Question:
    """The question one failed check suggests."""
    known = rubric.check(check.id)
    ask = ask_sentences(known.reviewer_note) if known else ""
    message = one_line(check.message).rstrip(" .")
    finding = f"{check.title} - {message}." if message else f"{check.title}."
    return Question(check_id=check.id, text=f"{finding} {ask or DEFAULT_ASK}")


def skill_questions(skill: SkillScore, rubric: Rubric) -> tuple[Question, ...]:
    """Questions from the skill's failed checks that lost the most points."""
    ranked = sorted(
        (check for check in skill.checks if lost_points(check) > 0),
        key=lambda check: -lost_points(check),
    )
    return tuple(question(check, rubric) for check in ranked[:MAX_QUESTIONS])


def interview_guide(card: ScoreCard, rubric: Rubric) -> tuple[Topic, ...]:
    """Topics for every weak skill that has failed checks, weakest first."""
    weak = [skill for skill in card.skills if skill.final_band in WEAK_BANDS]
    weak.sort(key=lambda skill: skill.final_percent or 0.0)
    topics = []
    for skill in weak:
        questions = skill_questions(skill, rubric)
        if questions:
            topics.append(
                Topic(
                    skill_id=skill.id,
                    skill_title=skill.title,
                    percent=skill.final_percent,
                    band=skill.final_band,
                    questions=questions,
                )
            )
    return tuple(topics)
