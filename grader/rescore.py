"""Re-score a saved results.json: apply a reviewer's overrides without grading again."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.errors import UsageError
from grader.model import Status
from grader.overrides import load_overrides
from grader.paths import RUBRIC_PATH
from grader.pipeline import GradeOutcome
from grader.report.json_report import read_outcome
from grader.rubric import load_rubric
from grader.scoring import score_card


def rescore(
    results: Path, *, overrides: Path | None, pass_mark: float | None = None
) -> GradeOutcome:
    """The saved grade with the current overrides (and pass mark, if given) applied.

    The rubric must be the one the grade was made with: a changed rubric changes what the
    checks are worth, so re-scoring under it would silently change the automatic score.
    """
    outcome = read_outcome(results)
    rubric = load_rubric(RUBRIC_PATH)
    if rubric.sha256 != outcome.provenance.rubric_sha256:
        graded_with, current = outcome.provenance.rubric_sha256[:12], rubric.sha256[:12]
        raise UsageError(
            f"{results} was graded with another rubric (sha256 {graded_with}...), "
            f"not the current one ({current}...).",
            tip="Check out the grader version named in the report, or grade the submission again.",
        )
    card = outcome.card
    derived = {f"check {c.id}: {c.message}" for c in card.checks if c.status is Status.ERROR}
    rescored = score_card(
        rubric=rubric,
        checks=card.checks,
        problems=tuple(p for p in card.problems if p not in derived),
        pass_mark=pass_mark if pass_mark is not None else card.pass_mark,
        overrides=load_overrides(overrides, rubric) if overrides else None,
    )
    return dataclasses.replace(outcome, card=rescored)
