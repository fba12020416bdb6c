"""JUnit, Gradescope and SARIF: parsed and validated against their published schemas.

Each schema is also shown to reject a broken document, so a validation cannot pass vacuously.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from jsonschema import Draft7Validator, Draft202012Validator, ValidationError

from grader.model import CheckResult, Status
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.gradescope_report import render_gradescope
from grader.report.junit_report import render_junit
from grader.report.sarif_report import relative_uri, render_sarif
from grader.rubric import Rubric

from .samples import CHECKS

SCHEMAS = Path(__file__).resolve().parents[2] / "fixtures" / "schemas"
MakeOutcome = Callable[..., GradeOutcome]


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))


def json_validator(name: str, cls: Any) -> Any:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture(scope="module")
def gradescope_schema() -> Draft202012Validator:
    validator: Draft202012Validator = json_validator(
        "gradescope-results.schema.json", Draft202012Validator
    )
    return validator


@pytest.fixture(scope="module")
def sarif_schema() -> Draft7Validator:
    validator: Draft7Validator = json_validator("sarif-schema-2.1.0-subset.json", Draft7Validator)
    return validator


# --------------------------------------------------------------------------- JUnit


def test_junit_is_valid_against_junit_10_xsd(
    rich_outcome: GradeOutcome, rubric: Rubric, junit_schema: xmlschema.XMLSchema
) -> None:
    junit_schema.validate(render_junit(rich_outcome, Audience.REVIEWER, rubric))


def test_junit_xsd_rejects_a_testcase_without_a_name(junit_schema: xmlschema.XMLSchema) -> None:
    broken = '<testsuite name="s" tests="1" failures="0" errors="0"><testcase/></testsuite>'

    assert not junit_schema.is_valid(broken)


def test_junit_has_one_testcase_per_check_and_the_totals(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    root = ET.fromstring(render_junit(rich_outcome, Audience.REVIEWER, rubric))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")

    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (c.skill, c.id) for c in rich_outcome.card.checks
    ]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("9", "7", "0")
    assert suite.get("skipped") == "1"
    assert root.get("tests") == "9"
    auth = next(c for c in cases if c.get("name") == "security.auth")
    failure = auth.find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("GET /accounts without a key gave 200 <script>")
    skipped = next(c for c in cases if c.get("name") == "security.isolation")
    assert skipped.find("skipped") is not None
    assert cases[0].get("time") == "0.250"


def test_junit_errors_and_problems(
    make_outcome: MakeOutcome, rubric: Rubric, junit_schema: xmlschema.XMLSchema
) -> None:
    broken = CheckResult("data.x", "data", "X", Status.ERROR, 0, 1, "No hidden test reported.")
    outcome = make_outcome(checks=(*CHECKS, broken), problems=("harness line 3 is not JSON",))

    text = render_junit(outcome, Audience.REVIEWER, rubric)

    junit_schema.validate(text)
    suite = ET.fromstring(text).find("testsuite")
    assert suite is not None
    assert suite.get("errors") == "1"
    assert suite.findtext("system-err", "").startswith("harness line 3 is not JSON")


def test_junit_drops_characters_xml_cannot_hold(
    make_outcome: MakeOutcome, rubric: Rubric, junit_schema: xmlschema.XMLSchema
) -> None:
    message = "body was \x00\x1b[31mred\x1b[0m and \ufffe"
    check = CheckResult("data.x", "data", "X", Status.FAILED, 0, 1, message)

    text = render_junit(make_outcome(checks=(check,)), Audience.REVIEWER, rubric)

    junit_schema.validate(text)
    assert "body was [31mred[0m and " in text


# --------------------------------------------------------------------------- Gradescope


def test_gradescope_is_valid_against_the_autograder_spec(
    rich_outcome: GradeOutcome, rubric: Rubric, gradescope_schema: Draft202012Validator
) -> None:
    gradescope_schema.validate(
        json.loads(render_gradescope(rich_outcome, Audience.REVIEWER, rubric))
    )


@pytest.mark.parametrize(
    "broken",
    [
        {"tests": [{"name": "no score"}]},
        {"score": 1, "visibility": "later"},
        {"score": 1, "tests": [{"score": 1, "message": "unknown key"}]},
    ],
    ids=["no-score-anywhere", "bad-visibility", "unknown-test-key"],
)
def test_gradescope_schema_rejects_broken_results(
    gradescope_schema: Draft202012Validator, broken: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        gradescope_schema.validate(broken)


def test_gradescope_score_is_the_weighted_total(rich_outcome: GradeOutcome, rubric: Rubric) -> None:
    document = json.loads(render_gradescope(rich_outcome, Audience.REVIEWER, rubric))

    assert document["score"] == rich_outcome.card.total_percent
    assert document["stdout_visibility"] == "hidden"
    assert document["visibility"] == "after_published"
    assert document["output"].splitlines()[:2] == [
        "Total: 58.0% (below)",
        "Data modelling: 90% (strong)",
    ]


def test_gradescope_tests_are_counted_checks_with_hints_only(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    tests = json.loads(render_gradescope(rich_outcome, Audience.REVIEWER, rubric))["tests"]

    counted = [c for c in rich_outcome.card.checks if c.status is not Status.SKIPPED]
    assert [t["name"] for t in tests] == [c.title for c in counted]
    assert [t["number"] for t in tests] == [str(n) for n in range(1, len(counted) + 1)]
    amounts = next(t for t in tests if t["name"] == "Title of data.amounts")
    assert amounts == {
        "name": "Title of data.amounts",
        "number": "2",
        "score": 2.3333,
        "max_score": 3,
        "status": "failed",
        "tags": ["data"],
        "visibility": "after_published",
        "output": "Amounts must be JSON integers.",
    }
    assert "output" not in tests[0]


# --------------------------------------------------------------------------- SARIF


def test_sarif_is_valid_against_the_sarif_schema(
    rich_outcome: GradeOutcome, rubric: Rubric, sarif_schema: Draft7Validator
) -> None:
    sarif_schema.validate(json.loads(render_sarif(rich_outcome, Audience.REVIEWER, rubric)))


def test_sarif_schema_rejects_a_result_without_a_message(sarif_schema: Draft7Validator) -> None:
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{}]}]}

    with pytest.raises(ValidationError):
        sarif_schema.validate(broken)


def test_sarif_has_a_rule_and_a_located_result_per_finding(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    [run] = json.loads(render_sarif(rich_outcome, Audience.REVIEWER, rubric))["runs"]

    assert run["tool"]["driver"]["name"] == "ledger-grader"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["F401", "S608"]
    assert run["tool"]["driver"]["rules"][0]["properties"]["checks"] == ["code_quality.lint.ruff"]
    first, second = run["results"]
    assert first["ruleIndex"] == 0
    assert first["level"] == "warning"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "app/main.py", "uriBaseId": "SRCROOT"},
        "region": {"startLine": 12, "startColumn": 8},
    }
    assert second["level"] == "error"
    location = second["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "app/db%20folder/q.py"


def test_sarif_without_findings_is_an_empty_run(
    make_outcome: MakeOutcome, rubric: Rubric, sarif_schema: Draft7Validator
) -> None:
    document = json.loads(render_sarif(make_outcome(), Audience.REVIEWER, rubric))

    sarif_schema.validate(document)
    assert document["runs"][0]["results"] == []


@pytest.mark.parametrize(
    ("path", "uri"),
    [("/abs/app.py", "abs/app.py"), ("app\\win.py", "app/win.py"), ("./a/../b.py", "b.py")],
)
def test_relative_uri(path: str, uri: str) -> None:
    assert relative_uri(path) == uri
