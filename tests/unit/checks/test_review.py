"""The review stage: the key agrees with the diff, REVIEW.md parses leniently, bounded scores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grader.checks import review
from grader.checks.base import CheckContext
from grader.errors import RubricError
from grader.model import CheckResult, Status
from grader.paths import EXERCISE_DIR, REFERENCE_DIR, RUBRIC_PATH
from grader.rubric import load_rubric
from grader.submission import Submission

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "reviews"
DIFF = (EXERCISE_DIR / "review" / "statement_export.diff").read_text(encoding="utf-8")
KEY = review.load_review_key(review.KEY_PATH)
TOTAL_WEIGHT = sum(d.weight for d in KEY.defects)


def weight_of(*defect_ids: str) -> float:
    return sum(d.weight for d in KEY.defects if d.id in defect_ids) / TOTAL_WEIGHT


def grade(text: str) -> review.ReviewGrade:
    return review.grade_review(KEY, DIFF, review.parse_review(text))


def run_stage(root: Path, *, key_path: Path = review.KEY_PATH) -> dict[str, CheckResult]:
    checks = load_rubric(RUBRIC_PATH).by_source("review")
    outcome = review.grade_submission_review(
        checks, root=root, exercise=EXERCISE_DIR, key_path=key_path
    )
    return {result.id: result for result in outcome.checks}


def submission_with(tmp_path: Path, review_text: str | bytes | None) -> Path:
    root = tmp_path / "submission"
    root.mkdir(parents=True)
    if isinstance(review_text, str):
        (root / "REVIEW.md").write_text(review_text, encoding="utf-8")
    elif isinstance(review_text, bytes):
        (root / "REVIEW.md").write_bytes(review_text)
    return root


def every_line_review(text: str) -> str:
    """A generated review: one comment on every new line of every file of the diff."""
    blocks = ["# Review\n\n## Comments\n"]
    for path, lines in review.new_side_lines(DIFF).items():
        blocks.extend(f"### {path}:{number} [minor]\n\n{text}\n" for number in sorted(lines))
    return "\n".join(blocks)


def copied_review() -> str:
    """A review whose comments are the diff's own lines at each planted defect."""
    files = review.new_side_lines(DIFF)
    blocks = ["# Review\n\n## Comments\n"]
    for defect in KEY.defects:
        lines = files[defect.file]
        quoted = "\n".join(
            "+" + lines[n] for n in range(defect.line_start, defect.line_end + 1) if lines[n]
        )
        blocks.append(f"### {defect.file}:{defect.line_start} [major]\n\n```\n{quoted}\n```\n")
    return "\n".join(blocks)


# --------------------------------------------------------------------------- the key


def test_every_anchor_lies_within_its_lines_of_the_diff() -> None:
    assert review.anchor_problems(KEY, DIFF) == []


def test_a_moved_anchor_is_reported() -> None:
    moved = KEY.defects[0].model_copy(update={"line_start": 1, "line_end": 2})
    key = KEY.model_copy(update={"defects": (moved, *KEY.defects[1:])})
    problems = review.anchor_problems(key, DIFF)
    assert len(problems) == 1
    assert problems[0].startswith(f"{moved.id}: anchor")


def test_an_also_place_outside_the_diff_is_reported() -> None:
    place = review.Place(file="app/nowhere.py", line_start=1, line_end=2)
    defect = KEY.defects[0].model_copy(update={"also": (place,)})
    key = KEY.model_copy(update={"defects": (defect,)})
    assert review.anchor_problems(key, DIFF) == [f"{defect.id}: app/nowhere.py is not in the diff"]


def test_a_broken_key_is_a_grader_problem_with_a_tip(tmp_path: Path) -> None:
    broken = tmp_path / "review_key.toml"
    text = review.KEY_PATH.read_text(encoding="utf-8")
    broken.write_text(text.replace('severity = "minor"', 'severity = "tiny"', 1), encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        review.load_review_key(broken)
    assert "severity" in caught.value.message
    assert caught.value.tip

    checks = load_rubric(RUBRIC_PATH).by_source("review")
    root = submission_with(tmp_path, (REFERENCE_DIR / "REVIEW.md").read_text(encoding="utf-8"))
    outcome = review.grade_submission_review(
        checks, root=root, exercise=EXERCISE_DIR, key_path=broken
    )
    assert {r.status for r in outcome.checks} == {Status.ERROR}
    assert len(outcome.problems) == 1
    assert "Tip:" in outcome.problems[0]


# --------------------------------------------------------------------------- parsing


ROUTE = "app/routes/statements.py"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"{ROUTE}:27 [major]", (ROUTE, 27, 27, "major")),
        (f"`{ROUTE}:27-29` [Blocker]", (ROUTE, 27, 29, "blocker")),
        ("**statements.py:L27-L29** (nit)", ("statements.py", 27, 29, "nit")),
        (f"{ROUTE} line 27", (ROUTE, 27, 27, "")),
        (f"{ROUTE}, lines 27\u201329 - minor", (ROUTE, 27, 29, "minor")),
        (f"{ROUTE}#L27", (ROUTE, 27, 27, "")),
        (f"Line 27 of {ROUTE} [MAJOR]", (ROUTE, 27, 27, "major")),
        (f"{ROUTE} (line 40) [major, correctness]", (ROUTE, 40, 40, "major")),
    ],
)
def test_locations_are_read_leniently(header: str, expected: tuple[str, int, int, str]) -> None:
    comment = review.parse_location(header)
    assert comment is not None
    assert (comment.path, comment.start, comment.end, comment.severity) == expected


def test_a_category_tag_is_read_in_any_case() -> None:
    comment = review.parse_location("app/routes/statements.py:30 [Major, Error Handling] Swallowed")
    assert comment is not None
    assert (comment.category, comment.text) == ("error_handling", "Swallowed")


@pytest.mark.parametrize("header", ["Summary", "app/routes/statements.py [major]", "Line of code"])
def test_headers_without_a_location_start_no_comment(header: str) -> None:
    assert review.parse_location(header) is None


def test_the_reference_review_parses_completely() -> None:
    parsed = review.parse_review((REFERENCE_DIR / "REVIEW.md").read_text(encoding="utf-8"))
    assert len(parsed.comments) == 13
    assert parsed.unparsed == ()
    assert all(c.severity in {"blocker", "major", "minor"} for c in parsed.comments)


def test_code_blocks_and_body_bullets_stay_in_their_comment() -> None:
    text = (
        "## Comments\n\n### app/routes/statements.py:43 [major]\n\nFloats drift:\n\n"
        "- first reason\n\n```python\n### app/main.py:1 [nit]\n```\n"
    )
    parsed = review.parse_review(text)
    assert len(parsed.comments) == 1
    assert "### app/main.py:1 [nit]" in parsed.comments[0].text


# --------------------------------------------------------------------------- scores


def test_the_reference_review_finds_everything() -> None:
    graded = grade((REFERENCE_DIR / "REVIEW.md").read_text(encoding="utf-8"))
    assert graded.recall >= 0.9
    assert graded.recall == pytest.approx(1.0)
    assert graded.focus == 1.0
    # The formula-injection comment is valid but not planted: it stays unmatched.
    assert [j.comment.start for j in graded.unmatched] == [46]


def test_a_weak_review_earns_little() -> None:
    graded = grade((FIXTURES / "weak.md").read_text(encoding="utf-8"))
    expected = weight_of("sql_injection_since", "bare_except_swallows", "test_asserts_nothing")
    assert graded.recall == pytest.approx(expected)
    assert graded.recall < 0.35
    assert graded.focus == 1.0


def test_formatting_slips_are_credited_and_unparsed_text_reported() -> None:
    graded = grade((FIXTURES / "malformed.md").read_text(encoding="utf-8"))
    assert sorted(graded.assigned) == sorted(
        [
            "sql_injection_since",
            "missing_tenant_check",
            "until_inclusive",
            "float_money",
            "n_plus_one_descriptions",
            "test_asserts_status_only",
        ]
    )
    assert len(graded.unparsed) == 2
    assert graded.unparsed[1].startswith("[no line number] ### app/routes/statements.py")


def test_a_comment_on_every_line_earns_neither_recall_nor_focus() -> None:
    graded = grade(every_line_review("Please double-check this line before merging."))
    assert len(graded.judged) > 150
    assert graded.recall == 0.0
    assert graded.focus == 0.0


def test_the_same_keyword_stuffed_text_on_every_line_earns_nothing() -> None:
    stuffed = " ".join(keyword for defect in KEY.defects for keyword in defect.keywords)
    graded = grade(every_line_review(stuffed))
    assert graded.recall == 0.0
    assert {j.flaw for j in graded.judged} == {"same text as many other comments"}


def test_comments_copied_from_the_diff_count_as_none() -> None:
    graded = grade(copied_review())
    assert len(graded.judged) == len(KEY.defects)
    assert graded.recall == 0.0
    assert {j.flaw for j in graded.judged} == {"copied from the diff"}


def test_a_wrong_place_earns_nothing_even_with_the_right_words() -> None:
    text = "## Comments\n\n### app/main.py:9 [blocker]\n\nSQL injection: use a placeholder.\n"
    assert grade(text).recall == 0.0


def test_focus_falls_linearly_past_the_allowance() -> None:
    nits = "".join(
        f"### app/main.py:{n} [nit]\n\nRouter number {n} could be named {'x' * n}.\n\n"
        for n in range(1, 14)
    )
    graded = grade("## Comments\n\n" + nits)
    # 13 unmatched against an allowance of 5: 1 - (13 - 5) / (3 * 5).
    assert graded.focus == pytest.approx(1 - 8 / 15)


# --------------------------------------------------------------------------- the stage


def test_reference_results_and_evidence(tmp_path: Path) -> None:
    root = submission_with(tmp_path, (REFERENCE_DIR / "REVIEW.md").read_text(encoding="utf-8"))
    results = run_stage(root)
    recall = results["collaboration.review.recall"]
    assert recall.status is Status.PASSED
    assert recall.points == recall.max_points
    matches = [e for e in recall.evidence if e["kind"] == "review_match"]
    assert [m["defect"] for m in matches] == [d.id for d in KEY.defects]
    expected_keys = {
        "kind", "defect", "file", "lines", "category", "severity", "found", "comments",
        "what_a_good_comment_says",
    }  # fmt: skip
    assert all(set(m) == expected_keys and m["found"] and m["comments"] for m in matches)
    assert results["collaboration.review.focus"].status is Status.PASSED


def test_missing_empty_template_and_binary_reviews_earn_nothing(tmp_path: Path) -> None:
    template = (EXERCISE_DIR / "REVIEW.md").read_text(encoding="utf-8")
    cases: dict[str, str | bytes | None] = {
        "missing": None,
        "empty": "",
        "template": template,
        "binary": b"\x89PNG\r\n\x1a\n\x00\x00",
    }
    messages = {}
    for name, content in cases.items():
        results = run_stage(submission_with(tmp_path / name, content))
        assert {r.points for r in results.values()} == {0.0}, name
        assert {r.status for r in results.values()} == {Status.FAILED}, name
        messages[name] = results["collaboration.review.recall"].message
    assert messages["missing"].startswith("No REVIEW.md")
    assert "untouched template" in messages["template"]
    assert "binary" in messages["binary"]


def test_invalid_utf8_is_read_and_reported(tmp_path: Path) -> None:
    text = (FIXTURES / "weak.md").read_bytes() + b"\n\xff\xfe broken bytes\n"
    results = run_stage(submission_with(tmp_path, text))
    recall = results["collaboration.review.recall"]
    assert recall.points > 0
    assert "not valid UTF-8" in recall.message


def test_the_stage_answers_only_the_selected_checks(tmp_path: Path) -> None:
    root = submission_with(tmp_path, "")
    submission = Submission("x", "directory", root, "0" * 64, 1, 0, None, ())
    context = CheckContext(
        rubric=load_rubric(RUBRIC_PATH),
        submission=submission,
        exercise=EXERCISE_DIR,
        only=("collaboration.review.focus",),
    )
    outcome = review.run(context)
    assert [r.id for r in outcome.checks] == ["collaboration.review.focus"]


def _all_messages(tmp_path: Path) -> list[str]:
    texts: list[str | bytes | None] = [
        (REFERENCE_DIR / "REVIEW.md").read_text(encoding="utf-8"),
        *(p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.md"))),
        every_line_review("Please double-check this line."),
        copied_review(),
        None,
    ]
    messages = []
    for number, text in enumerate(texts):
        messages.extend(
            r.message for r in run_stage(submission_with(tmp_path / str(number), text)).values()
        )
    return messages


def test_messages_reveal_nothing_of_the_key(tmp_path: Path) -> None:
    messages = _all_messages(tmp_path)
    sentences: list[Any] = []
    for defect in KEY.defects:
        prose = " ".join(defect.what_a_good_comment_says.split())
        sentences.extend(s.strip() for s in prose.split(". ") if len(s.strip()) > 20)
    for message in messages:
        assert message
        for defect in KEY.defects:
            assert defect.id not in message
            assert defect.anchor not in message
        for sentence in sentences:
            assert sentence not in message


def test_terse_but_real_findings_count() -> None:
    text = "## Comments\n\n### app/repositories/statements.py:28 [blocker]\n\nSQL injection.\n"
    assert grade(text).recall == pytest.approx(weight_of("sql_injection_since"))


def test_unparsed_chunks_are_counted_in_the_message_and_listed(tmp_path: Path) -> None:
    root = submission_with(tmp_path, (FIXTURES / "malformed.md").read_text(encoding="utf-8"))
    recall = run_stage(root)["collaboration.review.recall"]
    assert recall.points == pytest.approx(recall.max_points * 14 / TOTAL_WEIGHT)
    assert "2 part(s) of the comments could not be read" in recall.message
    unparsed = recall.evidence[-1]
    assert unparsed["title"] == "REVIEW.md text that could not be read as comments"
    assert "The balance column starts at zero" in unparsed["text"]


@pytest.mark.parametrize(
    ("written", "matches"),
    [
        ("app/routes/statements.py", True),
        ("./app/routes/statements.py", True),
        ("b/app/routes/statements.py", True),
        ("routes/statements.py", True),
        ("statements.py", True),
        ("repositories/statements.py", False),
        ("tatements.py", False),
        ("", False),
    ],
)
def test_file_names_match_by_path_suffix(written: str, matches: bool) -> None:
    assert review.same_file(written, "app/routes/statements.py") is matches
