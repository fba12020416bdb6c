"""Schema-valid results documents for the cohort and batch tests (no grading needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.model import CheckResult, Status
from grader.paths import RUBRIC_PATH
from grader.pipeline import GradeOutcome
from grader.provenance import Provenance
from grader.report.json_report import results_document
from grader.rubric import load_rubric
from grader.scoring import score_card
from grader.submission import Submission

RUBRIC_SHA = "a" * 64


def results(
    *, passed_share: float = 1.0, rubric_sha: str = RUBRIC_SHA, problems: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A schema-valid results document: each check of the real rubric earns `passed_share`."""
    rubric = load_rubric(RUBRIC_PATH)
    checks = tuple(
        CheckResult(
            id=check.id,
            skill=check.skill,
            title=check.title,
            status=Status.PASSED if passed_share == 1.0 else Status.FAILED,
            points=round(check.points * passed_share, 4),
            max_points=check.points,
        )
        for check in rubric.checks
    )
    outcome = GradeOutcome(
        card=score_card(rubric=rubric, checks=checks, problems=problems),
        submission=Submission(
            source="/submissions/x",
            kind="directory",
            root=Path(),
            tree_hash="sha256:" + "0" * 64,
            file_count=1,
            total_bytes=1,
            git=None,
            skipped=(),
        ),
        provenance=Provenance(
            grader_version="0.0.0",
            runner="docker",
            seed=0,
            only=(),
            rubric_sha256=rubric_sha,
            hidden_suite_sha256="b" * 64,
            started_at="2026-11-01T10:00:00+00:00",
            finished_at="2026-11-01T10:02:00+00:00",
            timings=(),
            images=(),
            machine={"cpus": 2},
        ),
    )
    return results_document(outcome)
