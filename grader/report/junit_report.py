"""`junit.xml`: one testcase per check, for CI dashboards (Jenkins' junit-10.xsd dialect).

classname is the skill id, name the check id; a failed check carries a `<failure>` with its
message, an errored one an `<error>`, a skipped one `<skipped>`. Grader problems go to the
suite's `<system-err>`. Characters XML 1.0 cannot hold (NUL, terminal escapes) are dropped:
messages can quote a candidate's output.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.model import CheckResult, Status
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.view import one_line, percent_text, points_text
from grader.rubric import Rubric

SUITE_NAME = "ledger-grader"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
OUTCOME_ELEMENT = {Status.FAILED: "failure", Status.ERROR: "error", Status.SKIPPED: "skipped"}


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


def seconds(value: float) -> str:
    """A duration as JUnit writes it: seconds with three decimals."""
    return f"{value:.3f}"


def testcase(check: CheckResult) -> ET.Element:
    """One check as a testcase, with its outcome element unless it passed."""
    case = ET.Element(
        "testcase",
        {"classname": check.skill, "name": check.id, "time": seconds(check.duration_s)},
    )
    element = OUTCOME_ELEMENT.get(check.status)
    if element is not None:
        message = xml_text(check.message)
        outcome = ET.SubElement(
            case, element, {"message": one_line(message), "type": str(check.status)}
        )
        points = f"points: {points_text(check)}"
        outcome.text = f"{xml_text(check.title)}\n{message}\n{points}"
    return case


def _properties(outcome: GradeOutcome) -> ET.Element:
    card, prov = outcome.card, outcome.provenance
    values = {
        "status": str(card.status),
        "total_percent": percent_text(card.total_percent, digits=1),
        "automatic_total_percent": percent_text(card.automatic_total_percent, digits=1),
        "band": str(card.band),
        "pass_mark": "" if card.pass_mark is None else f"{card.pass_mark:g}",
        "grader_version": prov.grader_version,
        "rubric_sha256": prov.rubric_sha256,
        "submission_tree_hash": outcome.submission.tree_hash,
    }
    properties = ET.Element("properties")
    for name, value in values.items():
        ET.SubElement(properties, "property", {"name": name, "value": xml_text(value)})
    return properties


def testsuite(outcome: GradeOutcome) -> ET.Element:
    """The grade as one testsuite with totals, properties and grader problems."""
    checks = outcome.card.checks
    suite = ET.Element(
        "testsuite",
        {
            "name": SUITE_NAME,
            "tests": str(len(checks)),
            "failures": str(sum(c.status is Status.FAILED for c in checks)),
            "errors": str(sum(c.status is Status.ERROR for c in checks)),
            "skipped": str(sum(c.status is Status.SKIPPED for c in checks)),
            "time": seconds(sum(c.duration_s for c in checks)),
            "timestamp": outcome.provenance.started_at,
        },
    )
    suite.append(_properties(outcome))
    suite.extend(testcase(check) for check in checks)
    if outcome.card.problems:
        err = ET.SubElement(suite, "system-err")
        err.text = xml_text("\n".join(outcome.card.problems))
    return suite


def render_junit(outcome: GradeOutcome, audience: Audience, rubric: Rubric) -> str:
    """`junit.xml` text (the same for every audience it is written for)."""
    suite = testsuite(outcome)
    root = ET.Element(
        "testsuites",
        {
            "name": SUITE_NAME,
            "tests": suite.get("tests", "0"),
            "failures": suite.get("failures", "0"),
            "errors": suite.get("errors", "0"),
            "time": suite.get("time", "0"),
        },
    )
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
