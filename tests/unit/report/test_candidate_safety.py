"""Candidate reports reveal nothing of the hidden material, whatever the evidence holds.

The card below is full of distinctive strings (hidden test node ids, payloads, the review
key's `what_a_good_comment_says`, check ids, messages, reviewer notes and reasons, reference
numbers, grader problems); none may appear in any report a candidate can read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import replace

import pytest

from grader.paths import HIDDEN_TESTS_DIR
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.formats import FORMATS
from grader.report.terminal import render_terminal
from grader.rubric import Rubric

from .samples import HIDDEN_TEST, NOTES, OVERRIDES, RICH_CHECKS

MakeOutcome = Callable[..., GradeOutcome]
REVIEW_KEY = tomllib.loads((HIDDEN_TESTS_DIR / "review_key.toml").read_text(encoding="utf-8"))
PROBLEM = "hidden suite failed to collect hidden_tests/security/test_tenant_escape.py"
REFERENCE_P99 = 4242.42


def planted(defect: dict[str, object]) -> dict[str, object]:
    return {
        "kind": "review_match",
        "defect": defect["id"],
        "file": defect["file"],
        "line_start": defect["line_start"],
        "line_end": defect["line_end"],
        "found": False,
        "comments": [],
        "what_a_good_comment_says": defect["what_a_good_comment_says"],
    }


@pytest.fixture
def leaky_outcome(make_outcome: MakeOutcome) -> GradeOutcome:
    reference = {"kind": "load", "endpoint": "GET /v1/accounts", "p99_ms": REFERENCE_P99}
    checks = tuple(
        replace(
            check,
            # Gradescope shows titles; the samples' titles embed the check id.
            title=f"Check number {n}",
            message=f"{check.message} SECRET-MESSAGE-{n}",
            evidence=(
                *check.evidence,
                HIDDEN_TEST,
                reference,
                *(planted(d) for d in REVIEW_KEY["defects"]),
            ),
        )
        for n, check in enumerate(RICH_CHECKS)
    )
    outcome: GradeOutcome = make_outcome(
        checks=checks, problems=(PROBLEM,), overrides=OVERRIDES, pass_mark=75
    )
    return outcome


def forbidden(outcome: GradeOutcome) -> list[str]:
    strings = [
        HIDDEN_TEST["test"],
        "test_money.py",
        '{"account_id": "acc_1", "amount": 1.0}',
        "alert('body')",
        "connection reset by peer",
        "Falsifying example",
        str(REFERENCE_P99),
        "4242",
        "test_tenant_escape",
        "SECRET-MESSAGE",
        "The key check is on every route.",
        "Each decision tied to a risk.",
        "Engineering manager",
        "pass mark",
        *NOTES.values(),
        *(c.id for c in outcome.card.checks),
    ]
    for defect in REVIEW_KEY["defects"]:
        strings.append(str(defect["id"]))
        # Any long line of the review key's text is distinctive enough.
        strings.extend(
            line.strip()
            for line in str(defect["what_a_good_comment_says"]).splitlines()
            if len(line.strip()) > 30
        )
    return strings


def candidate_texts(outcome: GradeOutcome, rubric: Rubric) -> dict[str, str]:
    texts = {
        f"{name}-candidate": fmt.render(outcome, Audience.CANDIDATE, rubric)
        for name, fmt in FORMATS.items()
        if Audience.CANDIDATE in fmt.audiences
    }
    texts["terminal-candidate"] = render_terminal(
        outcome, Audience.CANDIDATE, rubric=rubric, width=300
    )
    # Gradescope shows its file to the student whoever writes it.
    texts["gradescope"] = FORMATS["gradescope"].render(outcome, Audience.REVIEWER, rubric)
    return texts


def test_the_leaky_card_really_carries_the_secrets(
    leaky_outcome: GradeOutcome, rubric: Rubric
) -> None:
    reviewer = FORMATS["html"].render(leaky_outcome, Audience.REVIEWER, rubric)

    present = [
        s for s in forbidden(leaky_outcome) if s in reviewer or s.replace("'", "&#x27;") in reviewer
    ]
    assert len(present) > 20


def test_no_candidate_report_reveals_hidden_material(
    leaky_outcome: GradeOutcome, rubric: Rubric
) -> None:
    leaks = {
        name: [s for s in forbidden(leaky_outcome) if s in text]
        for name, text in candidate_texts(leaky_outcome, rubric).items()
    }

    assert leaks == {name: [] for name in leaks}


def test_candidate_reports_still_carry_the_hints(
    leaky_outcome: GradeOutcome, rubric: Rubric
) -> None:
    for name, text in candidate_texts(leaky_outcome, rubric).items():
        assert "Fill in every section of NOTES.md." in text, name
