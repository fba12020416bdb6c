"""The notes stage: each template section must be present and filled in the candidate's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks import notes
from grader.checks.base import CheckContext
from grader.model import CheckResult, Status
from grader.paths import EXERCISE_DIR, REFERENCE_DIR, RUBRIC_PATH
from grader.rubric import load_rubric
from grader.submission import Submission

TEMPLATE = (EXERCISE_DIR / "NOTES.md").read_text(encoding="utf-8")
REQUIRED = ("Decisions", "Trade-offs", "What I would do next", "Scaling past one machine")
OWN_WORDS = (
    "Transfers lock both accounts inside one immediate transaction so concurrent requests "
    "cannot overdraw a balance, and the idempotency key is stored with the response body."
)


def run_notes(
    tmp_path: Path, text: str | bytes | None, *, exercise: Path = EXERCISE_DIR
) -> CheckResult:
    root = tmp_path / "submission"
    root.mkdir()
    if isinstance(text, str):
        (root / "NOTES.md").write_text(text, encoding="utf-8")
    elif isinstance(text, bytes):
        (root / "NOTES.md").write_bytes(text)
    submission = Submission("x", "directory", root, "0" * 64, 1, 0, None, ())
    context = CheckContext(
        rubric=load_rubric(RUBRIC_PATH), submission=submission, exercise=exercise
    )
    outcome = notes.run(context)
    assert len(outcome.checks) == 1
    return outcome.checks[0]


def filled(*titles: str, body: str = OWN_WORDS) -> str:
    return "# Notes\n\n" + "".join(f"## {title}\n\n{body}\n\n" for title in titles)


def test_the_template_sections_are_found() -> None:
    verdicts = notes.judge_notes(TEMPLATE, TEMPLATE)
    assert [v.title for v in verdicts] == [*REQUIRED, "Time spent"]
    assert [v.optional for v in verdicts] == [False, False, False, False, True]


def test_the_reference_notes_earn_everything(tmp_path: Path) -> None:
    result = run_notes(tmp_path, (REFERENCE_DIR / "NOTES.md").read_text(encoding="utf-8"))
    assert result.status is Status.PASSED
    assert result.points == result.max_points
    assert len(result.evidence) == 5
    assert result.evidence[0]["title"] == "NOTES.md: Decisions"
    assert result.evidence[0]["text"]


def test_the_untouched_template_earns_nothing(tmp_path: Path) -> None:
    result = run_notes(tmp_path, TEMPLATE)
    assert result.points == 0.0
    assert result.status is Status.FAILED
    assert "0 of 4 sections" in result.message


def test_prompts_copied_out_of_their_comments_are_not_own_words(tmp_path: Path) -> None:
    uncommented = TEMPLATE.replace("<!--", "").replace("-->", "")
    assert run_notes(tmp_path, uncommented).points == 0.0


def test_the_share_counts_filled_sections_only(tmp_path: Path) -> None:
    text = filled("Decisions", "trade-offs") + "## What I would do next\n\nMore tests.\n"
    result = run_notes(tmp_path, text)
    assert result.points == pytest.approx(result.max_points * 2 / 4)
    assert "What I would do next (2 words of your own, 20 needed)" in result.message
    assert "Scaling past one machine (missing)" in result.message
    assert result.evidence[3]["text"] == "(section missing)"


def test_subsections_belong_to_their_section(tmp_path: Path) -> None:
    half = " ".join(OWN_WORDS.split()[:12])
    text = filled(*REQUIRED[1:]) + f"## Decisions\n\n{half}\n\n### Locking\n\n{half}\n"
    assert run_notes(tmp_path, text).status is Status.PASSED


def test_optional_sections_are_not_required(tmp_path: Path) -> None:
    assert run_notes(tmp_path, filled(*REQUIRED)).status is Status.PASSED


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "No NOTES.md"),
        (b"\x00\x01binary", "binary"),
        (filled(*REQUIRED).encode() + b"\xff\xfe", "not valid UTF-8"),
    ],
)
def test_unusual_files_are_reported_not_raised(
    tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    assert fragment in run_notes(tmp_path, content).message


def test_a_missing_template_is_a_grader_problem(tmp_path: Path) -> None:
    root = tmp_path / "submission"
    root.mkdir()
    submission = Submission("x", "directory", root, "0" * 64, 1, 0, None, ())
    context = CheckContext(
        rubric=load_rubric(RUBRIC_PATH), submission=submission, exercise=tmp_path / "nowhere"
    )
    outcome = notes.run(context)
    assert [r.status for r in outcome.checks] == [Status.ERROR]
    assert outcome.problems and "template" in outcome.problems[0]


def test_a_lower_case_file_name_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    assert notes.find_top_level_file(tmp_path, "NOTES.md") == tmp_path / "notes.md"
