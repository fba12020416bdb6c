"""What every check stage shares: its inputs, its outcome, and how a rubric check becomes a result.

A stage is a function `run(context) -> StageOutcome` in its own module of `grader/checks/`; the
rubric's `source` field names the stage that answers a check (`hidden`, `harness`, `static`,
`git`, `candidate_tests`, `review`, `notes`, `integrity`, `performance`, `reliability`). Each stage
module lists the ids it answers in `CHECK_IDS`, kept equal to the rubric by
tests/unit/test_rubric_consistency.py.

Evidence is a tuple of plain dicts, each with a `kind`:
- `hidden_test`: a failing hidden test (node id, message, traceback, HTTP exchanges,
  Hypothesis notes);
- `service_log_tail`: `text`, the end of the service's output;
- `finding`: a located problem in the submission: `path`, `line`, `column`, `rule`, `message`,
  `severity` (`error` | `warning` | `note`); SARIF renders these;
- `text`: `title` and `text`, anything else a reviewer should read;
- `review_match`: a planted review defect and the candidate's comments on it;
- `load`: one endpoint's measurement: `endpoint`, `p50_ms`, `p95_ms`, `p99_ms`, `throughput_rps`,
  `error_rate`, and where known `ratio_to_reference` (with `ratio_of`, the compared field:
  `throughput_rps` or `p95_ms`) and `growth_ratio`.
Evidence is for reviewers; `message` is one candidate-safe line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.harness.plugin import selected
from grader.model import CheckResult, Status
from grader.rubric import Check, Rubric
from grader.submission import Submission

MAX_FINDINGS = 50


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Inputs of a host-side stage: the submission snapshot and what it is compared with."""

    rubric: Rubric
    submission: Submission
    exercise: Path
    only: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StageOutcome:
    """Check results plus grader-side problems (each one makes the whole grade an `error`)."""

    checks: tuple[CheckResult, ...] = ()
    problems: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


def check_result(
    check: Check,
    status: Status,
    *,
    message: str = "",
    evidence: Iterable[dict[str, Any]] = (),
    duration: float = 0.0,
    points: float | None = None,
) -> CheckResult:
    """The result of one rubric check; points default to all or nothing by status."""
    if points is None:
        points = check.points if status is Status.PASSED else 0.0
    return CheckResult(
        id=check.id,
        skill=check.skill,
        title=check.title,
        status=status,
        points=round(min(max(points, 0.0), check.points), 4),
        max_points=check.points,
        message=message,
        evidence=tuple(evidence),
        duration_s=round(duration, 3),
    )


def scored(
    check: Check,
    share: float,
    *,
    message: str = "",
    evidence: Iterable[dict[str, Any]] = (),
    duration: float = 0.0,
) -> CheckResult:
    """A result earning `share` (0..1) of the check: passed at 1, failed below.

    An `all` check earns nothing below 1; a `fraction` check earns its share.
    """
    share = min(max(share, 0.0), 1.0)
    if share >= 1.0:
        return check_result(
            check, Status.PASSED, message=message, evidence=evidence, duration=duration
        )
    points = check.points * share if check.scoring == "fraction" else 0.0
    return check_result(
        check, Status.FAILED, message=message, evidence=evidence, duration=duration, points=points
    )


def wanted(context: CheckContext, source: str) -> list[Check]:
    """The rubric checks of one source that `--only` selects."""
    return [c for c in context.rubric.by_source(source) if selected(c.id, context.only)]


def finding(
    path: str, line: int, rule: str, message: str, *, column: int = 1, severity: str = "warning"
) -> dict[str, Any]:
    """A located problem in the submission (rendered in SARIF and the reviewer report)."""
    return {
        "kind": "finding",
        "path": path,
        "line": max(int(line), 1),
        "column": max(int(column), 1),
        "rule": rule,
        "message": message,
        "severity": severity,
    }


def text_evidence(title: str, text: str, *, limit: int = 4000) -> dict[str, Any]:
    """Free text for the reviewer, truncated with an explicit note."""
    if len(text) > limit:
        text = text[:limit] + f"\n[... truncated: {len(text) - limit} more characters]"
    return {"kind": "text", "title": title, "text": text}
