"""results.json back to an outcome: document -> outcome -> document is the identity."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.errors import UsageError
from grader.pipeline import GradeOutcome
from grader.report.formats import FORMATS, Audience
from grader.report.json_report import (
    outcome_from_document,
    read_outcome,
    render_json,
    results_document,
)
from grader.rubric import Rubric
from grader.scoring import score_card

from .samples import OVERRIDES, RICH_CHECKS

MakeOutcome = Callable[..., GradeOutcome]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({}, id="plain"),
        pytest.param({"checks": RICH_CHECKS, "overrides": OVERRIDES, "with_git": True}, id="rich"),
        pytest.param({"problems": ("harness output line 3 is not JSON",)}, id="error"),
        pytest.param({"checks": ()}, id="nothing-assessed"),
    ],
)
def test_document_to_outcome_to_document_is_identical(
    make_outcome: MakeOutcome, options: dict[str, Any]
) -> None:
    document = json.loads(render_json(make_outcome(pass_mark=60, **options)))

    again = results_document(outcome_from_document(document))

    assert again == document


def test_the_restored_outcome_is_the_graded_one_but_its_snapshot(
    rich_outcome: GradeOutcome,
) -> None:
    restored = outcome_from_document(results_document(rich_outcome))

    assert restored.card == rich_outcome.card
    assert restored.provenance == rich_outcome.provenance
    assert restored.submission.git == rich_outcome.submission.git
    assert restored.submission.tree_hash == rich_outcome.submission.tree_hash


def test_a_restored_outcome_renders_the_same_reports(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    restored = outcome_from_document(json.loads(render_json(rich_outcome)))

    for fmt in FORMATS.values():
        for audience in fmt.audiences:
            assert fmt.render(restored, audience, rubric) == fmt.render(
                rich_outcome, audience, rubric
            )


def test_a_restored_outcome_can_be_rescored_with_overrides(
    rich_outcome: GradeOutcome, rubric: Rubric, make_outcome: MakeOutcome
) -> None:
    plain = outcome_from_document(results_document(make_outcome(checks=RICH_CHECKS)))

    card = score_card(rubric=rubric, checks=plain.card.checks, overrides=OVERRIDES)

    assert card.total_percent == rich_outcome.card.total_percent
    assert card.skills == rich_outcome.card.skills


def test_a_document_written_before_overrides_existed_still_loads(
    make_outcome: MakeOutcome,
) -> None:
    document = results_document(make_outcome())
    for key in ("human", "reviewer"):
        del document[key]
    del document["total"]["automatic_percent"]
    del document["submission"]["skipped"]
    for skill in document["skills"]:
        for key in ("adjustment", "final_percent", "final_band"):
            del skill[key]

    outcome = outcome_from_document(document)

    assert outcome.card.automatic_total_percent == document["total"]["percent"]
    assert outcome.card.human == ()
    assert all(skill.adjustment is None for skill in outcome.card.skills)


@pytest.mark.parametrize(
    ("document", "where"),
    [
        pytest.param([], "document", id="not-an-object"),
        pytest.param({"schema_version": 1}, "document", id="missing-keys"),
    ],
)
def test_an_invalid_document_is_a_usage_error(document: Any, where: str) -> None:
    with pytest.raises(UsageError, match=f"not a valid results document: {where}"):
        outcome_from_document(document)


def test_a_bad_check_status_is_named(rich_outcome: GradeOutcome) -> None:
    document = results_document(rich_outcome)
    document["checks"][1]["status"] = "ok"

    with pytest.raises(UsageError, match=r"checks\.1\.status"):
        outcome_from_document(document)


def test_read_outcome_reads_a_saved_file(rich_outcome: GradeOutcome, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(render_json(rich_outcome), encoding="utf-8")

    assert read_outcome(path).card == rich_outcome.card


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", None], ids=["json", "utf8", "gone"])
def test_an_unreadable_file_is_a_usage_error(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(UsageError, match="Cannot read grading results"):
        read_outcome(path)


def test_candidate_reports_of_a_restored_outcome_need_no_snapshot(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    restored = outcome_from_document(results_document(rich_outcome))

    assert "Your grade" in FORMATS["html"].render(restored, Audience.CANDIDATE, rubric)
