"""The interview guide: weak skills only, questions from the checks that lost most points."""

from __future__ import annotations

from collections.abc import Callable

from grader.model import CheckResult, Status
from grader.pipeline import GradeOutcome
from grader.report.interview import DEFAULT_ASK, ask_sentences, interview_guide
from grader.rubric import Rubric

MakeOutcome = Callable[..., GradeOutcome]


def failed(check_id: str, lost: float, message: str = "") -> CheckResult:
    return CheckResult(
        check_id, check_id.partition(".")[0], f"T {check_id}", Status.FAILED, 4 - lost, 4, message
    )


def test_weak_skills_come_weakest_first(rich_outcome: GradeOutcome, rubric: Rubric) -> None:
    topics = interview_guide(rich_outcome.card, rubric)

    assert [(t.skill_id, t.band) for t in topics] == [
        ("reliability", "below"),
        ("security", "below"),
        ("performance", "below"),
        ("collaboration", "below"),
        ("code_quality", "meets"),
    ]


def test_a_question_joins_title_message_and_the_ask_sentences(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    [performance] = [
        t for t in interview_guide(rich_outcome.card, rubric) if t.skill_id == "performance"
    ]

    assert [q.text for q in performance.questions] == [
        "Title of performance.load.accounts - GET /v1/accounts is 3.1 times slower than "
        "expected. Ask which index the query needs."
    ]


def test_at_most_three_questions_from_the_most_points_lost(
    make_outcome: MakeOutcome, rubric: Rubric
) -> None:
    checks = (
        failed("data.small", 0.5),
        failed("data.amounts", 3, "7 of 9 cases right."),
        failed("data.medium", 2),
        failed("data.large", 3.5),
        failed("data.tie", 2),
    )
    outcome = make_outcome(checks=checks)

    [topic] = interview_guide(outcome.card, rubric)

    assert [q.check_id for q in topic.questions] == ["data.large", "data.amounts", "data.medium"]
    assert topic.questions[1].text == (
        "T data.amounts - 7 of 9 cases right. "
        "Ask how strict mode works in their validation library."
    )
    assert topic.questions[0].text == f"T data.large. {DEFAULT_ASK}"


def test_strong_and_unassessed_skills_get_no_questions(
    make_outcome: MakeOutcome, rubric: Rubric
) -> None:
    checks = (
        CheckResult("data.a", "data", "A", Status.PASSED, 9, 9),
        failed("data.b", 1),
    )

    assert interview_guide(make_outcome(checks=checks).card, rubric) == ()


def test_ask_sentences_keeps_only_the_questions() -> None:
    note = "Lax handling. Ask how strict mode works. It matters! Ask why 1.0 is refused? Done."

    assert ask_sentences(note) == "Ask how strict mode works. Ask why 1.0 is refused?"
