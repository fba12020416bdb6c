"""The terminal summary: a skill table with bars, then each lost check with its one-line reason.

When a reviewer overrode a skill, its row shows the automatic and the adjusted numbers
(`62 → 80`) and the override's reason follows the table. The candidate's summary shows final
percents and bands, then the hints of the checks that lost points.
"""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from grader.model import Status
from grader.paths import RUBRIC_PATH
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.view import (
    CANDIDATE_ERROR_NOTE,
    band_text,
    candidate_skills,
    points_number,
)
from grader.rubric import Rubric, load_rubric
from grader.scoring import ScoreCard, SkillScore

BAR_WIDTH = 20
ARROW = " → "
STATUS_STYLE = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.ERROR: "bold magenta",
    Status.SKIPPED: "dim",
}


def bar(percent: float | None) -> Text:
    """A fixed-width bar; blank when the skill was not assessed."""
    if percent is None:
        return Text("not assessed", style="dim")
    filled = round(BAR_WIDTH * percent / 100)
    return Text("█" * filled + "░" * (BAR_WIDTH - filled), style="cyan")


def _number(percent: float | None, digits: int = 0) -> str:
    return "-" if percent is None else f"{percent:.{digits}f}"


def _percent_cell(skill: SkillScore) -> str:
    if skill.adjustment is None:
        return _number(skill.percent)
    return _number(skill.percent) + ARROW + _number(skill.adjustment.percent)


def _band_cell(skill: SkillScore) -> str:
    if skill.adjustment is None:
        return str(skill.band)
    return f"{skill.band}{ARROW}{skill.adjustment.band}"


def _total_cells(card: ScoreCard) -> tuple[str, str]:
    total = _number(card.total_percent, 1)
    if card.automatic_total_percent != card.total_percent:
        total = _number(card.automatic_total_percent, 1) + ARROW + total
    return total, str(card.band)


def _titled_table(outcome: GradeOutcome, columns: tuple[str, ...]) -> Table:
    # A string title is read as rich markup; a path like `sub[/final].zip` must stay literal.
    title = Text(f"Grade of {outcome.submission.source}", style="table.title")
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column in ("points", "%") else "left")
    return table


def skills_table(outcome: GradeOutcome) -> Table:
    """Points, percent (automatic → adjusted), bar of the final percent, band per skill."""
    card = outcome.card
    table = _titled_table(outcome, ("skill", "points", "%", "", "band"))
    for skill in card.skills:
        table.add_row(
            skill.title,
            f"{points_number(skill.points)}/{points_number(skill.max_points)}",
            _percent_cell(skill),
            bar(skill.final_percent),
            _band_cell(skill),
        )
    total, band = _total_cells(card)
    table.add_section()
    table.add_row("Total (weighted)", "", total, bar(card.total_percent), band, style="bold")
    return table


def adjustments(card: ScoreCard) -> list[Text]:
    """Who overrode which skill, and why."""
    lines = []
    for skill in card.skills:
        if skill.adjustment is not None:
            line = Text(f"adjusted {skill.title}", style="bold yellow")
            line.append(f" by {skill.adjustment.reviewer}: {skill.adjustment.reason}")
            lines.append(line)
    return lines


def lost_checks(outcome: GradeOutcome) -> list[Text]:
    """Every check that did not pass: status, id, and its one-line reason."""
    lines = []
    for check in outcome.card.checks:
        if check.status is Status.PASSED:
            continue
        line = Text(f"{check.status.value:>7} ", style=STATUS_STYLE[check.status])
        line.append(f"{check.id}", style="bold")
        line.append(f"  {check.message or check.title}")
        lines.append(line)
    return lines


def reviewer_summary(outcome: GradeOutcome) -> RenderableType:
    """Skills, overrides, lost checks, grader problems and the pass-mark verdict."""
    card = outcome.card
    parts: list[RenderableType] = [skills_table(outcome)]
    parts.extend(adjustments(card))
    parts.extend(lost_checks(outcome))
    if card.problems:
        parts.append(
            Text(
                "The grader itself failed; this grade is not the candidate's score:",
                style="bold magenta",
            )
        )
        parts.extend(Text(f"  - {problem}") for problem in card.problems)
    if card.passed is not None:
        verdict = "reaches" if card.passed else "is below"
        parts.append(
            Text(f"The total {verdict} the pass mark of {card.pass_mark:g}%.", style="bold")
        )
    return Group(*parts)


def candidate_summary(outcome: GradeOutcome, rubric: Rubric) -> RenderableType:
    """Final percent, bar and band per skill, then what to look at where points were lost."""
    card = outcome.card
    skills = candidate_skills(card, rubric)
    table = Table(title=Text("Your grade", style="table.title"), title_justify="left")
    for column in ("skill", "%", "", "band"):
        table.add_column(column, justify="right" if column == "%" else "left")
    for skill in skills:
        table.add_row(
            skill.title, _number(skill.percent), bar(skill.percent), band_text(skill.band)
        )
    table.add_section()
    table.add_row(
        "Total (weighted)",
        _number(card.total_percent, 1),
        bar(card.total_percent),
        band_text(card.band),
        style="bold",
    )
    parts: list[RenderableType] = [table]
    if card.problems:
        parts.append(Text(CANDIDATE_ERROR_NOTE, style="bold"))
    for skill in skills:
        if skill.hints:
            parts.append(Text(f"What to look at in {skill.title}:", style="bold"))
            parts.extend(Text(f"  - {hint}") for hint in skill.hints)
    return Group(*parts)


def terminal_summary(
    outcome: GradeOutcome,
    audience: Audience = Audience.REVIEWER,
    rubric: Rubric | None = None,
) -> RenderableType:
    """Everything the terminal shows after a grade, as one rich renderable."""
    if audience is Audience.CANDIDATE:
        return candidate_summary(outcome, rubric or load_rubric(RUBRIC_PATH))
    return reviewer_summary(outcome)


def render_terminal(
    outcome: GradeOutcome,
    audience: Audience = Audience.REVIEWER,
    *,
    width: int = 100,
    rubric: Rubric | None = None,
) -> str:
    """The same summary as plain text (for files and tests)."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False).print(
        terminal_summary(outcome, audience, rubric)
    )
    return buffer.getvalue()
