"""`results.sarif`: the `finding` evidence as SARIF 2.1.0, for code-scanning views.

One run of the tool `ledger-grader`; a rule per finding rule (with the checks that reported
it); each result located relative to the submission root (`uriBaseId` SRCROOT) by line and
column. Findings are evidence, so this file is for reviewers.
"""

from __future__ import annotations

import json
import posixpath
import urllib.parse
from dataclasses import dataclass
from typing import Any

from grader.model import CheckResult
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.view import text_of
from grader.rubric import Rubric

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
TOOL_NAME = "ledger-grader"
SRCROOT = "SRCROOT"
LEVELS = {"error": "error", "warning": "warning", "note": "note"}


@dataclass(frozen=True, slots=True)
class Located:
    """A finding and the check that reported it."""

    check: CheckResult
    finding: dict[str, Any]


def findings(outcome: GradeOutcome) -> list[Located]:
    """Every `finding` evidence item of the grade, in check order."""
    return [
        Located(check, evidence)
        for check in outcome.card.checks
        for evidence in check.evidence
        if isinstance(evidence, dict) and evidence.get("kind") == "finding"
    ]


def relative_uri(path: str) -> str:
    """A submission-relative path as a URI reference (no leading slash, percent-encoded)."""
    normalized = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    return urllib.parse.quote("" if normalized == "." else normalized, safe="/")


def _position(value: Any) -> int:
    """A 1-based line or column; anything unusable becomes 1."""
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def rules(located: list[Located]) -> list[dict[str, Any]]:
    """One descriptor per rule id, naming the checks that reported it."""
    checks_of: dict[str, list[CheckResult]] = {}
    for item in located:
        checks = checks_of.setdefault(text_of(item.finding.get("rule")) or "unknown", [])
        if item.check not in checks:
            checks.append(item.check)
    return [
        {
            "id": rule_id,
            "shortDescription": {"text": f"{rule_id}, reported by: {checks[0].title}"},
            "properties": {
                "checks": [c.id for c in checks],
                "skills": sorted({c.skill for c in checks}),
            },
        }
        for rule_id, checks in checks_of.items()
    ]


def result(item: Located, rule_index: dict[str, int]) -> dict[str, Any]:
    """One SARIF result for one finding."""
    finding = item.finding
    rule_id = text_of(finding.get("rule")) or "unknown"
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index[rule_id],
        "level": LEVELS.get(text_of(finding.get("severity")), "warning"),
        "message": {"text": text_of(finding.get("message")) or rule_id},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": relative_uri(text_of(finding.get("path"))),
                        "uriBaseId": SRCROOT,
                    },
                    "region": {
                        "startLine": _position(finding.get("line")),
                        "startColumn": _position(finding.get("column")),
                    },
                }
            }
        ],
        "properties": {"check": item.check.id, "skill": item.check.skill},
    }


def sarif_document(outcome: GradeOutcome) -> dict[str, Any]:
    """The SARIF log of the grade's findings."""
    located = findings(outcome)
    descriptors = rules(located)
    rule_index = {rule["id"]: index for index, rule in enumerate(descriptors)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": outcome.provenance.grader_version,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {
                    SRCROOT: {"description": {"text": "The root of the graded submission."}}
                },
                "results": [result(item, rule_index) for item in located],
                "properties": {"submission_tree_hash": outcome.submission.tree_hash},
            }
        ],
    }


def render_sarif(outcome: GradeOutcome, audience: Audience, rubric: Rubric) -> str:
    """`results.sarif` text."""
    return json.dumps(sarif_document(outcome), indent=2, ensure_ascii=False) + "\n"
