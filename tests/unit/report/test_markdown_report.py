"""report.md: what a CI summary or PR comment shows, escaped, and always under the limit."""

from __future__ import annotations

from collections.abc import Callable

from grader.model import CheckResult, Status
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.markdown_report import COMMENT_LIMIT, Section, fit, md_text, render_markdown
from grader.rubric import Rubric

MakeOutcome = Callable[..., GradeOutcome]


def test_headline_has_total_band_and_pass_mark(rich_outcome: GradeOutcome, rubric: Rubric) -> None:
    text = render_markdown(rich_outcome, Audience.REVIEWER, rubric)

    assert "**Total: 58.0% (below)** · pass mark 60%: not reached" in text
    assert "*Adjusted by Engineering manager; automatic total 50.9%.*" in text


def test_skill_table_shows_automatic_adjusted_and_final(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    text = render_markdown(rich_outcome, Audience.REVIEWER, rubric)

    assert (
        "| Security | 1 | 0% | 50% (Engineering manager: The key check is on every route.) "
        "| **50%** | below |"
    ) in text
    assert "| Observability | 1 | - |  | **-** | not assessed |" in text


def test_failed_checks_are_grouped_by_skill_with_their_reasons(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    text = render_markdown(rich_outcome, Audience.REVIEWER, rubric)
    lost = text[text.index("## Checks that did not pass") : text.index("## Interview guide")]

    assert lost.index("### Data modelling") < lost.index("`data.amounts`")
    assert lost.index("### Security") < lost.index("`security.auth`")
    assert "`data.balance`" not in lost
    skipped = "`security.isolation` Title of security.isolation (not counted): Skipped"
    assert f"- **skipped** {skipped}" in lost


def test_problems_come_first_as_a_caution(make_outcome: MakeOutcome, rubric: Rubric) -> None:
    outcome = make_outcome(problems=("the harness timed out",))

    text = render_markdown(outcome, Audience.REVIEWER, rubric)

    caution = text.index("> [!CAUTION]")
    assert caution < text.index("## Skills")
    assert "> - the harness timed out" in text


def test_provenance_is_folded_away(rich_outcome: GradeOutcome, rubric: Rubric) -> None:
    text = render_markdown(rich_outcome, Audience.REVIEWER, rubric)

    assert "<details><summary>Provenance</summary>" in text
    assert text.rstrip().endswith("</details>")
    assert f"`{rich_outcome.provenance.rubric_sha256}`" in text


def test_candidate_text_cannot_break_out_of_its_line(
    make_outcome: MakeOutcome, rubric: Rubric
) -> None:
    hostile = "x | y\n\n</details><script>alert(1)</script> [link](javascript:alert(1))"
    outcome = make_outcome(
        checks=(CheckResult("data.amounts", "data", "T", Status.FAILED, 0, 3, hostile),)
    )

    text = render_markdown(outcome, Audience.REVIEWER, rubric)

    line = next(line for line in text.splitlines() if "`data.amounts`" in line)
    assert line.endswith(
        r"x \| y \</details\>\<script\>alert(1)\</script\> \[link\](javascript:alert(1))"
    )
    assert text.count("</details>") == 1


def long_failures(count: int) -> tuple[CheckResult, ...]:
    skills = ("data", "security", "reliability", "performance")
    return tuple(
        CheckResult(
            id=f"{skills[n % 4]}.generated.check_{n:03d}",
            skill=skills[n % 4],
            title=f"Generated check number {n} with a long, descriptive title",
            status=Status.FAILED,
            points=0.0,
            max_points=2.0,
            message=f"Failure {n}: " + "the response did not match the contract " * 20,
        )
        for n in range(count)
    )


def test_five_hundred_long_failures_stay_under_the_comment_limit(
    make_outcome: MakeOutcome, rubric: Rubric
) -> None:
    outcome = make_outcome(checks=long_failures(500), problems=("p" * 2000,) * 30)

    text = render_markdown(outcome, Audience.REVIEWER, rubric)

    assert len(text) < COMMENT_LIMIT
    assert "to stay under GitHub's 65,536-character comment limit" in text
    assert "**Total:" in text
    assert "| Data modelling |" in text
    assert "> - ppp" in text
    assert text.rstrip().endswith("</details>")


def test_fit_cuts_the_highest_ranked_section_first() -> None:
    keep = Section(rank=1, head=["# keep"], items=["k" * 50] * 4)
    cut = Section(rank=2, head=["## cut"], items=["c" * 50] * 40, what="lines")

    fit([keep, cut], budget=1_000)

    assert keep.items == ["k" * 50] * 4
    assert len(cut.items) < 40
    assert cut.items[-1].startswith(f"- *{40 - len(cut.items) + 1} more lines not shown")


def test_fit_leaves_a_short_report_alone() -> None:
    section = Section(rank=1, head=["# t"], items=["a", "b"])

    fit([section])

    assert section.items == ["a", "b"]


def test_md_text_flattens_and_escapes() -> None:
    assert md_text("a *b*\n_c_ `d` #1!") == r"a \*b\* \_c\_ \`d\` \#1\!"


def test_candidate_report_lists_hints_per_skill(rich_outcome: GradeOutcome, rubric: Rubric) -> None:
    text = render_markdown(rich_outcome, Audience.CANDIDATE, rubric)

    assert text.startswith("# Your grade\n\n**Total: 58.0% (below)**")
    assert "| Security | 50% | below |" in text
    collaboration = text[text.index("### Collaboration") :]
    assert collaboration.splitlines()[2:4] == [
        "- Review the pull request's diff line by line.",
        "- Fill in every section of NOTES.md.",
    ]
    assert "pass mark" not in text


def test_candidate_report_of_an_error_grade_says_it_is_provisional(
    make_outcome: MakeOutcome, rubric: Rubric
) -> None:
    outcome = make_outcome(problems=("hidden suite failed to collect test_secret.py",))

    text = render_markdown(outcome, Audience.CANDIDATE, rubric)

    assert "provisional" in text
    assert "test_secret" not in text
