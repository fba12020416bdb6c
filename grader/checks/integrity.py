"""Integrity flag: does the submission carry material from the grader's hidden suite?

The hidden tests and the reference carry canary strings (grader/canary.py). A submission that
contains one holds copied grader-only material. The check fails (all or nothing, one point) so
the report shows the flag; the point lost is only a marker: reviewers must treat a failure as an
integrity question to investigate, never as a verdict on quality. Nothing is executed.
"""

from __future__ import annotations

from grader.canary import CanaryHit, find_canaries, load_canaries
from grader.checks.base import (
    CheckContext,
    StageOutcome,
    check_result,
    finding,
    scored,
    text_evidence,
    wanted,
)
from grader.errors import InfrastructureError
from grader.model import CheckResult, Status
from grader.rubric import Check

NO_HIDDEN_MATERIAL = "code_quality.integrity.no_hidden_material"
CHECK_IDS = (NO_HIDDEN_MATERIAL,)
MAX_LISTED = 20
REVIEWER_GUIDANCE = (
    "A canary string of the grader's hidden material was found. Treat this as an integrity "
    "flag for a person to judge: find out how the material reached the submission (a leaked "
    "copy, a shared solution, the grader's own files committed by mistake) before drawing "
    "conclusions. The point this check withholds is only a marker."
)


def canary_result(check: Check, hits: list[CanaryHit], known: dict[str, str]) -> CheckResult:
    """Passed without hits; failed, with every hit located, otherwise."""
    if not hits:
        return scored(check, 1.0, message="No material from the grader's hidden suite was found.")
    first = hits[0]
    message = (
        f"Contains material from the grader's hidden suite (canary found in {first.path}"
        f"{f' and {len(hits) - 1} more place(s)' if len(hits) > 1 else ''})."
    )
    evidence = [text_evidence("Integrity flag", REVIEWER_GUIDANCE)]
    evidence += [
        finding(
            str(hit.path),
            hit.line,
            "integrity.canary",
            f"canary {hit.token} from {known.get(hit.token, 'an earlier, rotated canary')}",
            severity="error",
        )
        for hit in hits[:MAX_LISTED]
    ]
    return scored(check, 0.0, message=message, evidence=evidence)


def run(context: CheckContext) -> StageOutcome:
    """Scan the submission's files for canary strings."""
    checks = wanted(context, "integrity")
    if not checks:
        return StageOutcome()
    try:
        known = {c.token: f"hidden_tests/{c.path}" for c in load_canaries()}
    except InfrastructureError as exc:
        results = tuple(check_result(c, Status.ERROR, message=exc.message) for c in checks)
        return StageOutcome(checks=results, problems=(str(exc),))
    hits = find_canaries(context.submission.root)
    return StageOutcome(checks=tuple(canary_result(c, hits, known) for c in checks))
