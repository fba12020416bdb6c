"""`gradescope.json`: Gradescope's autograder `results.json`, safe for the candidate to read.

Gradescope shows this file to the student, so it carries only check titles, points, skills and
the rubric's hints: no messages, evidence, check ids or reviewer notes.

The top-level `score` is the weighted total percent (configure the assignment as 100 points),
not the sum of check points: the rubric weighs skills, and a raw sum would let the skill with
the most checks dominate. Per-check `score`/`max_score` stay raw points for the breakdown.
Only checks that counted (passed or failed) are listed: skipped and errored checks earn
nothing either way. Everything is `after_published`, so a reviewer publishes after reading.
"""

from __future__ import annotations

import json
from typing import Any

from grader.model import CheckResult, Status
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.view import (
    CANDIDATE_ERROR_NOTE,
    band_text,
    candidate_skills,
    lost_points,
    percent_text,
)
from grader.rubric import Rubric
from grader.scoring import Outcome

VISIBILITY = "after_published"


def _test(number: int, check: CheckResult, rubric: Rubric) -> dict[str, Any]:
    test: dict[str, Any] = {
        "name": check.title,
        "number": str(number),
        "score": check.points,
        "max_score": check.max_points,
        "status": "passed" if check.status is Status.PASSED else "failed",
        "tags": [check.skill],
        "visibility": VISIBILITY,
    }
    known = rubric.check(check.id)
    if known is not None and lost_points(check) > 0:
        test["output"] = known.hint
    return test


def summary(outcome: GradeOutcome, rubric: Rubric) -> str:
    """The submission-wide text: the total, then each skill's final percent and band."""
    card = outcome.card
    lines = [f"Total: {percent_text(card.total_percent, digits=1)} ({band_text(card.band)})"]
    if card.status is Outcome.ERROR:
        lines.append(CANDIDATE_ERROR_NOTE)
    lines += [
        f"{s.title}: {percent_text(s.percent)} ({band_text(s.band)})"
        for s in candidate_skills(card, rubric)
    ]
    return "\n".join(lines)


def gradescope_document(outcome: GradeOutcome, rubric: Rubric) -> dict[str, Any]:
    """The results.json Gradescope reads."""
    counted = [c for c in outcome.card.checks if c.status in (Status.PASSED, Status.FAILED)]
    return {
        "score": outcome.card.total_percent or 0.0,
        "execution_time": round(sum(t.seconds for t in outcome.provenance.timings), 3),
        "output": summary(outcome, rubric),
        "output_format": "text",
        "visibility": VISIBILITY,
        "stdout_visibility": "hidden",
        "tests": [_test(n, check, rubric) for n, check in enumerate(counted, start=1)],
    }


def render_gradescope(outcome: GradeOutcome, audience: Audience, rubric: Rubric) -> str:
    """`gradescope.json` text: candidate-safe whatever the audience."""
    return json.dumps(gradescope_document(outcome, rubric), indent=2, ensure_ascii=False) + "\n"
