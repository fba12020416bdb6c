"""The terminal summary: every skill, the total, each lost check with its reason, and problems."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from grader.model import Status
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.terminal import render_terminal
from grader.rubric import Rubric

MakeOutcome = Callable[..., GradeOutcome]


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def test_every_skill_and_the_total_are_shown(make_outcome: MakeOutcome) -> None:
    outcome = make_outcome()

    text = render_terminal(outcome)

    for skill in outcome.card.skills:
        assert skill.title in text
    total = next(line for line in lines_of(text) if line.startswith("│ Total (weighted)"))
    assert f"{outcome.card.total_percent:.1f}" in total
    assert str(outcome.card.band) in total
    observability = next(line for line in lines_of(text) if "Observability" in line)
    assert "not assessed" in observability


def test_every_lost_check_is_listed_with_its_message(make_outcome: MakeOutcome) -> None:
    outcome = make_outcome()

    lines = lines_of(render_terminal(outcome))

    lost = [c for c in outcome.card.checks if c.status is not Status.PASSED]
    assert len(lost) == 3
    for check in lost:
        assert f"{check.status} {check.id} {check.message}" in lines
    for check in outcome.card.checks:
        if check.status is Status.PASSED:
            assert not [line for line in lines if check.id in line]


def test_problems_are_shown_when_the_grade_is_an_error(make_outcome: MakeOutcome) -> None:
    outcome = make_outcome(problems=("hidden suite failed to collect test_y.py",))

    lines = lines_of(render_terminal(outcome))

    assert "The grader itself failed; this grade is not the candidate's score:" in lines
    assert "- hidden suite failed to collect test_y.py" in lines


def test_no_problem_section_when_graded(make_outcome: MakeOutcome) -> None:
    assert "The grader itself failed" not in render_terminal(make_outcome())


@pytest.mark.parametrize(
    ("pass_mark", "verdict"),
    [
        (60, "The total reaches the pass mark of 60%."),
        (99.5, "The total is below the pass mark of 99.5%."),
    ],
)
def test_pass_mark_verdict_is_shown(
    make_outcome: MakeOutcome, pass_mark: float, verdict: str
) -> None:
    assert verdict in lines_of(render_terminal(make_outcome(pass_mark=pass_mark)))


def test_no_pass_mark_verdict_without_a_pass_mark(make_outcome: MakeOutcome) -> None:
    assert "pass mark" not in render_terminal(make_outcome())


@pytest.mark.parametrize(
    "source", ["/submissions/[bold]candidate-a", "/submissions/candidate-b[/final].zip"]
)
def test_submission_source_is_shown_literally(make_outcome: MakeOutcome, source: str) -> None:
    text = render_terminal(make_outcome(source=source), width=200)

    assert f"Grade of {source}" in text


def test_an_override_shows_automatic_and_adjusted_numbers(rich_outcome: GradeOutcome) -> None:
    lines = lines_of(render_terminal(rich_outcome))

    security = next(line for line in lines if line.startswith("│ Security"))
    assert "│ 0/2 │ 0 → 50 │" in security
    assert "below → below" in security
    total = next(line for line in lines if line.startswith("│ Total (weighted)"))
    assert "50.9 → 58.0" in total
    assert "adjusted Security by Engineering manager: The key check is on every route." in lines


def test_candidate_summary_shows_final_numbers_and_hints_only(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    text = render_terminal(rich_outcome, Audience.CANDIDATE, rubric=rubric)
    lines = lines_of(text)

    assert "│ Security │ 50 │ ██████████░░░░░░░░░░ │ below │" in lines
    assert "What to look at in Security:" in lines
    assert "- Every route needs the API key." in lines
    assert "security.auth" not in text
    assert "without a key" not in text
