"""Grade the reference and the untouched starter for real, through both runners."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from grader.checks import reliability
from grader.model import Status
from grader.paths import EXERCISE_DIR, REFERENCE_DIR
from grader.pipeline import GradeOptions, GradeOutcome, grade
from grader.report.json_report import render_json, results_schema
from grader.scoring import Outcome

pytestmark = pytest.mark.slow


def graded(path: str, runner: str) -> tuple[GradeOutcome, dict[str, Any]]:
    outcome = grade(path, options=GradeOptions(runner=runner), progress=lambda message: None)
    document = json.loads(render_json(outcome))
    Draft202012Validator(results_schema()).validate(document)
    return outcome, document


INTEGRITY = "code_quality.integrity.no_hidden_material"


def expected_skip(outcome: GradeOutcome, check_id: str) -> bool:
    """Skips that are right: no git history in a folder; no crash scenarios without Docker."""
    if check_id.startswith("collaboration.git."):
        return True
    return outcome.provenance.runner == "local" and check_id in reliability.CHECK_IDS


def failing(outcome: GradeOutcome) -> list[str]:
    """Checks that did not pass, except expected skips, and the integrity flag: the reference
    carries the grader's canaries, so it must fire on it."""
    return [
        f"{c.id}: {c.message}"
        for c in outcome.card.checks
        if c.status is not Status.PASSED
        and c.id != INTEGRITY
        and not (c.status is Status.SKIPPED and expected_skip(outcome, c.id))
    ]


@pytest.fixture(scope="module", params=[pytest.param("docker", marks=pytest.mark.docker), "local"])
def grades(request: pytest.FixtureRequest) -> dict[str, tuple[GradeOutcome, dict[str, Any]]]:
    runner = str(request.param)
    if runner == "docker":
        request.getfixturevalue("grader_images")
    return {
        "reference": graded(str(REFERENCE_DIR), runner),
        "starter": graded(str(EXERCISE_DIR), runner),
    }


def test_reference_passes_every_check(grades: dict[str, Any]) -> None:
    outcome, document = grades["reference"]
    assert outcome.card.status is Outcome.GRADED, outcome.card.problems
    assert failing(outcome) == []
    integrity = next(c for c in outcome.card.checks if c.id == INTEGRITY)
    assert integrity.status is Status.FAILED, "the reference's canaries were not detected"
    assert document["total"]["percent"] >= 99


def test_starter_scores_much_lower_but_is_graded(grades: dict[str, Any]) -> None:
    outcome, document = grades["starter"]
    reference = grades["reference"][1]
    assert outcome.card.status is Outcome.GRADED, outcome.card.problems
    ready = next(c for c in outcome.card.checks if c.id == "reliability.service.ready")
    assert ready.status is Status.PASSED, ready.message
    assert document["total"]["percent"] <= reference["total"]["percent"] - 40


def test_results_carry_provenance(grades: dict[str, Any]) -> None:
    _, document = grades["reference"]
    run = document["run"]
    assert [t["phase"] for t in run["timings"]] == [
        "intake",
        "static",
        "images",
        "hidden_suite",
        "performance",
        "reliability",
        "candidate_tests",
        "scoring",
    ]
    assert document["submission"]["tree_hash"].startswith("sha256:")
    if run["runner"] == "docker":
        assert {image["role"] for image in run["images"]} == {"runtime", "harness"}
