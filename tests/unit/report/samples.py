"""Sample check results, evidence, provenance and overrides for the report tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.checks.base import finding, text_evidence
from grader.model import CheckResult, ImageInfo, PhaseTiming, Status
from grader.overrides import Overrides
from grader.provenance import Provenance
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
SCRIPT_MESSAGE = 'GET /accounts without a key gave 200 <script>alert("message")</script>'
SCRIPT_BODY = '{"id": "<script>alert(\'body\')</script>"}'


def result(
    check_id: str,
    status: Status,
    points: float,
    max_points: float,
    message: str = "",
    evidence: tuple[dict[str, Any], ...] | None = None,
) -> CheckResult:
    default = ({"kind": "hidden_test", "exchanges": [{"method": "GET", "status": 500}]},)
    return CheckResult(
        id=check_id,
        skill=check_id.partition(".")[0],
        title=f"Title of {check_id}",
        status=status,
        points=points,
        max_points=max_points,
        message=message,
        evidence=(default if status is Status.FAILED else ()) if evidence is None else evidence,
        duration_s=0.25,
    )


CHECKS = (
    result("data.balance", Status.PASSED, 4, 4),
    result("data.amounts", Status.FAILED, 2.3333, 3, "7 of 9 cases right. Überweisung refused"),
    result("security.auth", Status.FAILED, 0, 2, "GET /accounts without a key gave 200"),
    result("security.isolation", Status.SKIPPED, 0, 2, "Skipped: no admin API"),
    result("reliability.service.ready", Status.PASSED, 1, 1, "Ready after 1.2 s."),
)

HIDDEN_TEST = {
    "kind": "hidden_test",
    "test": "hidden_tests/functional/test_money.py::test_amounts_are_strict_integers[float]",
    "message": "POST /v1/deposits with amount 1.0 gave 201, expected 422",
    "exception": "AssertionError",
    "traceback": "def test_amounts():\n>   assert status == 422\nE   assert 201 == 422",
    "hypothesis_notes": ["Falsifying example: amount=1.0", "POST /v1/deposits {'amount': 1.0}"],
    "exchanges": [
        {
            "method": "POST",
            "path": "/v1/deposits?probe=1",
            "request_headers": {
                "authorization": "***",
                "content-type": "application/json",
                "idempotency-key": "key-1",
                "host": "127.0.0.1:8000",
            },
            "request_body": '{"account_id": "acc_1", "amount": 1.0}',
            "status": 201,
            "response_headers": {"content-type": "application/json"},
            "response_body": SCRIPT_BODY,
        },
        {
            "method": "GET",
            "path": "/v1/accounts/acc_1",
            "request_headers": {"authorization": "***"},
            "request_body": "",
            "status": None,
            "response_headers": {},
            "response_body": "",
            "error": "connection reset by peer",
        },
    ],
}
REVIEW_MATCHES = (
    {
        "kind": "review_match",
        "defect": "sql_injection_since",
        "file": "app/repositories/statements.py",
        "lines": [27, 28],
        "severity": "blocker",
        "category": "security",
        "found": True,
        "comments": ["app/repositories/statements.py:27 [blocker] This is SQL injection."],
        "what_a_good_comment_says": "Use a placeholder instead of an f-string.",
    },
    {
        "kind": "review_match",
        "defect": "until_inclusive",
        "file": "app/repositories/statements.py",
        "lines": [29, 31],
        "severity": "major",
        "category": "correctness",
        "found": False,
        "comments": [],
        "what_a_good_comment_says": "`until` must be exclusive, as the contract says.",
    },
)
RICH_CHECKS = (
    result("data.balance", Status.PASSED, 4, 4),
    result(
        "data.amounts",
        Status.FAILED,
        2.3333,
        3,
        "7 of 9 cases right. A deposit of 1.0 was accepted.",
        (HIDDEN_TEST,),
    ),
    result("security.auth", Status.FAILED, 0, 2, SCRIPT_MESSAGE, (HIDDEN_TEST,)),
    result("security.isolation", Status.SKIPPED, 0, 2, "Skipped: no admin API", ()),
    result(
        "reliability.service.ready",
        Status.FAILED,
        0,
        1,
        "The service exited with code 3.",
        (
            {
                "kind": "service_log_tail",
                "text": "Traceback (most recent call last):\nKeyError: 'DB'",
            },
        ),
    ),
    result(
        "performance.load.accounts",
        Status.FAILED,
        1,
        2,
        "GET /v1/accounts is 3.1 times slower than expected.",
        (
            {
                "kind": "load",
                "endpoint": "GET /v1/accounts",
                "p50_ms": 12.5,
                "p95_ms": 40.25,
                "p99_ms": 88.0,
                "throughput_rps": 812.4,
                "error_rate": 0.0,
                "ratio_to_reference": 3.1,
                "growth_ratio": 1.4,
            },
            {
                "kind": "load",
                "endpoint": "POST /v1/transfers",
                "p50_ms": 20.0,
                "p95_ms": 55.0,
                "p99_ms": 120.0,
                "throughput_rps": 402.0,
                "error_rate": 0.01,
            },
        ),
    ),
    result(
        "code_quality.lint.ruff",
        Status.FAILED,
        1.5,
        2,
        "2 findings per 1,000 lines.",
        (
            finding("app/main.py", 12, "F401", "`os` imported but unused", column=8),
            finding("app/db folder/q.py", 3, "S608", "Possible SQL injection", severity="error"),
            text_evidence("Findings by rule", "F401: 1\nS608: 1"),
        ),
    ),
    result(
        "collaboration.review.recall",
        Status.FAILED,
        1,
        2,
        "Found 1 of 2 planted defects.",
        REVIEW_MATCHES,
    ),
    result(
        "collaboration.notes.filled",
        Status.FAILED,
        0.5,
        1,
        "1 of 2 sections of NOTES.md filled in.",
        (
            text_evidence("NOTES.md: Decisions", "SQLite with WAL; one connection per request."),
            text_evidence("NOTES.md: Trade-offs", "(section missing)"),
        ),
    ),
)
HINTS = {
    "data.balance": "Balances after several deposits.",
    "data.amounts": "Amounts must be JSON integers.",
    "security.auth": "Every route needs the API key.",
    "security.isolation": "Tenants must not see each other's data.",
    "reliability.service.ready": "Start with the documented command.",
    "performance.load.accounts": "Listing accounts under load.",
    "code_quality.lint.ruff": "Run the linter on app/.",
    "collaboration.review.recall": "Review the pull request's diff line by line.",
    "collaboration.notes.filled": "Fill in every section of NOTES.md.",
}
NOTES = {
    "data.amounts": "Lax number handling. Ask how strict mode works in their validation library.",
    "security.auth": "Auth is missing on some route. Ask where authentication is enforced.",
    "performance.load.accounts": "Slow listing. Ask which index the query needs.",
    "reliability.service.ready": "Nothing else ran. Ask how they tested the runtime contract.",
    "code_quality.lint.ruff": "Findings per 1,000 lines. Ask which findings they chose to leave.",
    "collaboration.review.recall": "Read the comments. Ask what they would block the PR for.",
    "collaboration.notes.filled": "Machine check only for presence.",
}


def provenance() -> Provenance:
    return Provenance(
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


def submission(source: str, *, with_git: bool) -> Submission:
    return Submission(
        source=source,
        kind="git" if with_git else "directory",
        root=Path("/tmp/ledger-grader-x/submission"),
        tree_hash="sha256:" + "a" * 64,
        file_count=12,
        total_bytes=34_567,
        git=GIT if with_git else None,
        skipped=(".git (version control metadata)",),
    )


OVERRIDES = Overrides.model_validate(
    {
        "schema_version": 1,
        "reviewer": "Engineering manager",
        "skills": {"security": {"percent": 50, "reason": "The key check is on every route."}},
        "human": {"clarity": {"score": 3, "reason": "Each decision tied to a risk."}},
    }
)
