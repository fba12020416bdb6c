"""The integrity stage: a canary in the submission fails its check with located evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.canary import canary_line, load_canaries
from grader.checks import integrity
from grader.checks.base import CheckContext
from grader.model import Status
from grader.paths import EXERCISE_DIR, REFERENCE_DIR, RUBRIC_PATH
from grader.rubric import load_rubric
from grader.submission import Submission

RUBRIC = load_rubric(RUBRIC_PATH)


def context_for(root: Path, only: tuple[str, ...] = ()) -> CheckContext:
    submission = Submission(
        source=str(root),
        kind="directory",
        root=root,
        tree_hash="sha256:0",
        file_count=0,
        total_bytes=0,
        git=None,
        skipped=(),
    )
    return CheckContext(rubric=RUBRIC, submission=submission, exercise=EXERCISE_DIR, only=only)


def test_the_untouched_exercise_passes() -> None:
    (result,) = integrity.run(context_for(EXERCISE_DIR)).checks
    assert result.status is Status.PASSED
    assert result.points == result.max_points == 1


def test_the_reference_is_flagged_with_each_canary_located() -> None:
    outcome = integrity.run(context_for(REFERENCE_DIR))
    (result,) = outcome.checks
    assert outcome.problems == ()
    assert result.status is Status.FAILED and result.points == 0
    assert result.message.startswith("Contains material from the grader's hidden suite")
    findings = [e for e in result.evidence if e["kind"] == "finding"]
    assert {(f["path"], f["line"]) for f in findings} == {
        ("app/__init__.py", 2),
        ("app/routes/transfers.py", 2),
    }
    assert all("hidden_tests/reference/app/" in f["message"] for f in findings)
    guidance = next(e for e in result.evidence if e["kind"] == "text")
    assert "integrity flag" in guidance["text"]


def test_a_copied_hidden_test_is_flagged_and_the_message_names_the_file(tmp_path: Path) -> None:
    token = next(c.token for c in load_canaries() if c.path.parts[0] != "reference")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_money.py").write_text(f"{canary_line(token)}\n")
    (result,) = integrity.run(context_for(tmp_path)).checks
    assert result.status is Status.FAILED
    assert "canary found in tests/test_money.py" in result.message


def test_not_selected_gives_no_result() -> None:
    assert integrity.run(context_for(EXERCISE_DIR, only=("collaboration",))).checks == ()


def test_a_missing_canary_list_is_a_grader_problem(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(integrity, "load_canaries", lambda: load_canaries(tmp_path / "none.toml"))
    outcome = integrity.run(context_for(EXERCISE_DIR))
    assert outcome.problems and "none.toml" in outcome.problems[0]
    assert [c.status for c in outcome.checks] == [Status.ERROR]
