"""The terminal summary: a skill table with bars, then each lost check with its one-line reason."""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from grader.model import Status
from grader.pipeline import GradeOutcome

BAR_WIDTH = 20
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


def skills_table(outcome: GradeOutcome) -> Table:
    card = outcome.card
    # A string title is read as rich markup; a path like `bob[/final].zip` must stay literal.
    title = Text(f"Grade of {outcome.submission.source}", style="table.title")
    table = Table(title=title, title_justify="left")
    for column in ("skill", "points", "%", "", "band"):
        table.add_column(column, justify="right" if column in ("points", "%") else "left")
    for skill in card.skills:
        percent = "-" if skill.percent is None else f"{skill.percent:.0f}"
        table.add_row(
            skill.title,
            f"{skill.points:g}/{skill.max_points:g}",
            percent,
            bar(skill.percent),
            str(skill.band),
        )
    total = "-" if card.total_percent is None else f"{card.total_percent:.1f}"
    table.add_section()
    table.add_row(
        "Total (weighted)", "", total, bar(card.total_percent), str(card.band), style="bold"
    )
    return table


def lost_checks(outcome: GradeOutcome) -> list[Text]:
    lines = []
    for check in outcome.card.checks:
        if check.status is Status.PASSED:
            continue
        line = Text(f"{check.status.value:>7} ", style=STATUS_STYLE[check.status])
        line.append(f"{check.id}", style="bold")
        line.append(f"  {check.message or check.title}")
        lines.append(line)
    return lines


def terminal_summary(outcome: GradeOutcome) -> RenderableType:
    """Everything the terminal shows after a grade, as one rich renderable."""
    card = outcome.card
    parts: list[RenderableType] = [skills_table(outcome)]
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


def render_terminal(outcome: GradeOutcome, *, width: int = 100) -> str:
    """The same summary as plain text (for files and tests)."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False).print(
        terminal_summary(outcome)
    )
    return buffer.getvalue()
