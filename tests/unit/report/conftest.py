"""A hand-built GradeOutcome: the input of every renderer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grader.model import CheckResult, ImageInfo, PhaseTiming, Status
from grader.pipeline import GradeOutcome
from grader.provenance import Provenance
from grader.rubric import Rubric
from grader.scoring import score_card
from grader.submission import CommitInfo, GitInfo, Submission

GIT = GitInfo(
    ref="main",
    commit="c" * 40,
    tree="d" * 40,
    base="e" * 40,
    commits=(
        CommitInfo(
            sha="c" * 40,
            author_date="2025-11-20T10:00:00+01:00",
            subject="Add transfers",
            files_changed=("app/routes/transfers.py", "tests/test_transfers.py"),
            insertions=120,
            deletions=4,
        ),
    ),
)


def result(
    check_id: str, status: Status, points: float, max_points: float, message: str = ""
) -> CheckResult:
    return CheckResult(
        id=check_id,
        skill=check_id.partition(".")[0],
        title=f"Title of {check_id}",
        status=status,
        points=points,
        max_points=max_points,
        message=message,
        evidence=({"kind": "hidden_test", "exchanges": [{"method": "GET", "status": 500}]},)
        if status is Status.FAILED
        else (),
        duration_s=0.25,
    )


CHECKS = (
    result("data.balance", Status.PASSED, 4, 4),
    result("data.amounts", Status.FAILED, 2.3333, 3, "7 of 9 cases right. Überweisung refused"),
    result("security.auth", Status.FAILED, 0, 2, "GET /accounts without a key gave 200"),
    result("security.isolation", Status.SKIPPED, 0, 2, "Skipped: no admin API"),
    result("reliability.service.ready", Status.PASSED, 1, 1, "Ready after 1.2 s."),
)


@pytest.fixture(scope="session")
def rubric() -> Rubric:
    def skill(title: str, weight: float) -> dict[str, object]:
        return {"title": title, "requirement": f"{title}, as the role needs it.", "weight": weight}

    return Rubric.model_validate(
        {
            "schema_version": 1,
            "skills": {
                "data": skill("Data modelling", 2),
                "security": skill("Security", 1),
                "reliability": skill("Reliability", 1),
                "observability": skill("Observability", 1),
            },
            "checks": [
                {"id": "data.balance", "skill": "data", "points": 4, "title": "t", "hint": "h"}
            ],
        }
    )


@pytest.fixture
def make_outcome(rubric: Rubric) -> Callable[..., GradeOutcome]:
    def make(
        *,
        checks: tuple[CheckResult, ...] = CHECKS,
        problems: tuple[str, ...] = (),
        pass_mark: float | None = None,
        source: str = "/submissions/alice",
        with_git: bool = False,
    ) -> GradeOutcome:
        card = score_card(rubric=rubric, checks=checks, problems=problems, pass_mark=pass_mark)
        submission = Submission(
            source=source,
            kind="git" if with_git else "directory",
            root=Path("/tmp/ledger-grader-x/submission"),
            tree_hash="sha256:" + "a" * 64,
            file_count=12,
            total_bytes=34_567,
            git=GIT if with_git else None,
            skipped=(".git",),
        )
        provenance = Provenance(
            grader_version="0.1.0",
            runner="docker",
            seed=7,
            only=(),
            rubric_sha256="b" * 64,
            hidden_suite_sha256="f" * 64,
            started_at="2025-11-27T22:00:00+00:00",
            finished_at="2025-11-27T22:01:30+00:00",
            timings=(PhaseTiming(name="intake", seconds=0.4), PhaseTiming("hidden_suite", 80.5)),
            images=(ImageInfo(role="runtime", tag="ledger-grader/runtime:abc", id="sha256:1"),),
            machine={"platform": "Linux", "python": "3.11.7", "cpus": 4},
        )
        return GradeOutcome(card=card, submission=submission, provenance=provenance)

    return make
