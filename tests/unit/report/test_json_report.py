"""results.json: render_json output is valid against the published schema, which really checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError

from grader.pipeline import GradeOutcome
from grader.report.json_report import render_json, results_schema

MakeOutcome = Callable[..., GradeOutcome]


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = results_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture
def document(make_outcome: MakeOutcome) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(render_json(make_outcome(pass_mark=60, with_git=True)))
    return parsed


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({}, id="graded-directory"),
        pytest.param({"with_git": True, "pass_mark": 90.0}, id="git-below-pass-mark"),
        pytest.param({"problems": ("harness output line 3 is not JSON",)}, id="error"),
        pytest.param({"checks": ()}, id="nothing-assessed"),
    ],
)
def test_rendered_results_are_valid_against_the_schema(
    make_outcome: MakeOutcome, validator: Draft202012Validator, options: dict[str, Any]
) -> None:
    text = render_json(make_outcome(**options))

    validator.validate(json.loads(text))
    assert text.endswith("}\n")


def test_results_carry_the_card(make_outcome: MakeOutcome) -> None:
    outcome = make_outcome(pass_mark=60)

    document = json.loads(render_json(outcome))

    assert document["status"] == "graded"
    assert document["total"] == {
        "percent": outcome.card.total_percent,
        "band": str(outcome.card.band),
        "pass_mark": 60,
        "passed": True,
        "automatic_percent": outcome.card.automatic_total_percent,
    }
    assert [s["id"] for s in document["skills"]] == [s.id for s in outcome.card.skills]
    assert [(c["id"], c["status"], c["points"]) for c in document["checks"]] == [
        (c.id, str(c.status), c.points) for c in outcome.card.checks
    ]
    assert document["run"]["rubric_sha256"] == outcome.provenance.rubric_sha256
    assert document["submission"]["tree_hash"] == outcome.submission.tree_hash


def test_error_results_list_the_problems(make_outcome: MakeOutcome) -> None:
    document = json.loads(render_json(make_outcome(problems=("the harness timed out",))))

    assert document["status"] == "error"
    assert document["problems"] == ["the harness timed out"]


def test_git_history_is_plain_json(document: dict[str, Any]) -> None:
    git = document["submission"]["git"]

    assert git["ref"] == "main"
    assert git["commits"][0]["files_changed"] == [
        "app/routes/transfers.py",
        "tests/test_transfers.py",
    ]
    assert git["commits"][0]["insertions"] == 120


def test_text_is_utf8_not_escaped(make_outcome: MakeOutcome) -> None:
    assert "Überweisung" in render_json(make_outcome())


DROP = object()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("run", DROP, id="missing-run"),
        pytest.param("total.passed", DROP, id="missing-total-passed"),
        pytest.param("checks.0.evidence", DROP, id="missing-check-evidence"),
        pytest.param("status", "done", id="bad-status"),
        pytest.param("checks.0.status", "ok", id="bad-check-status"),
        pytest.param("total.percent", 101, id="percent-above-100"),
        pytest.param("submission.tree_hash", "a" * 64, id="tree-hash-without-prefix"),
        pytest.param("run.runner", "podman", id="unknown-runner"),
        pytest.param("schema_version", 2, id="other-schema-version"),
        pytest.param("surprise", True, id="unknown-key"),
    ],
)
def test_schema_rejects_a_broken_document(
    document: dict[str, Any], validator: Draft202012Validator, key: str, value: object
) -> None:
    validator.validate(document)
    *parents, last = key.split(".")
    target: Any = document
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]

    if value is DROP:
        del target[last]
    else:
        target[last] = value

    with pytest.raises(ValidationError):
        validator.validate(document)
