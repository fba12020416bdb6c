"""`report.md`: a CI job summary or pull-request comment, always under GitHub's comment limit.

Sections are ranked; when the text would exceed the budget, the lowest-ranked sections lose
items from their end first, each with an explicit note of what was left out and where to find
it. Candidate-controlled text is flattened to one line and its Markdown and HTML
metacharacters are escaped, so it cannot open a table cell, a link, or a `<details>` block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from grader.model import CheckResult, Status
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.interview import interview_guide
from grader.report.view import (
    CANDIDATE_ERROR_NOTE,
    band_text,
    candidate_skills,
    one_line,
    percent_text,
    points_text,
    rubric_differs,
    total_is_adjusted,
    unpassed,
)
from grader.rubric import Rubric
from grader.scoring import Outcome, ScoreCard, SkillScore

COMMENT_LIMIT = 65_536
# Room for whatever a CI bot wraps around the report (a heading, a link to the run).
BUDGET = COMMENT_LIMIT - 1_536
MAX_PROBLEM_CHARS = 500
_METACHARACTERS = re.compile(r"([\\`*_\[\]|<>~#!])")


def md_text(text: str, *, limit: int = 300) -> str:
    """Untrusted text as one inert line of Markdown."""
    return _METACHARACTERS.sub(r"\\\1", one_line(text, limit=limit))


@dataclass(slots=True)
class Section:
    """A block of the report: fixed head and tail lines around items that may be cut.

    `rank` orders what is cut first: the highest rank loses items first.
    """

    rank: int
    head: list[str]
    items: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    what: str = "items"

    def text(self) -> str:
        return "\n".join([*self.head, *self.items, *self.tail])


def omission_note(count: int, what: str) -> str:
    """The explicit note that replaces items cut to fit."""
    return (
        f"- *{count} more {what} not shown, to stay under GitHub's {COMMENT_LIMIT:,}-character "
        "comment limit; report.html and results.json have everything.*"
    )


def _length(sections: list[Section]) -> int:
    return len("\n\n".join(section.text() for section in sections)) + 1


def fit(sections: list[Section], budget: int = BUDGET) -> list[Section]:
    """Cut items from the highest-ranked sections until the whole text fits the budget."""
    for section in sorted(sections, key=lambda s: -s.rank):
        overflow = _length(sections) - budget
        if overflow <= 0:
            break
        kept, dropped = list(section.items), 0
        freed = 0
        while kept and freed < overflow + len(omission_note(len(section.items), section.what)):
            freed += len(kept.pop()) + 1
            dropped += 1
        if dropped:
            section.items = [*kept, omission_note(dropped, section.what)]
    return sections


def join_sections(sections: Iterable[Section]) -> str:
    """The sections as one document with a trailing newline."""
    return "\n\n".join(section.text() for section in sections) + "\n"


# --------------------------------------------------------------------------- reviewer report


def _headline(outcome: GradeOutcome) -> Section:
    card = outcome.card
    lines = [
        f"# Grade of {md_text(outcome.submission.source)}",
        "",
        f"**Total: {percent_text(card.total_percent, digits=1)} ({band_text(card.band)})**",
    ]
    if card.passed is not None and card.pass_mark is not None:
        verdict = "reached" if card.passed else "not reached"
        lines[-1] += f" · pass mark {card.pass_mark:g}%: {verdict}"
    if total_is_adjusted(card):
        lines.append(
            f"*Adjusted by {md_text(card.reviewer or 'a reviewer')}; automatic total "
            f"{percent_text(card.automatic_total_percent, digits=1)}.*"
        )
    return Section(rank=0, head=lines)


def _problems(card: ScoreCard) -> Section | None:
    if not card.problems:
        return None
    return Section(
        rank=1,
        head=[
            "> [!CAUTION]",
            "> **The grader itself failed: this grade is not the candidate's score.**",
        ],
        items=[f"> - {md_text(p, limit=MAX_PROBLEM_CHARS)}" for p in card.problems],
        what="problems",
    )


def _adjusted_cell(skill: SkillScore) -> str:
    if skill.adjustment is None:
        return ""
    a = skill.adjustment
    return f"{percent_text(a.percent)} ({md_text(a.reviewer, limit=60)}: {md_text(a.reason)})"


def _skills(card: ScoreCard) -> Section:
    rows = [
        f"| {md_text(s.title)} | {s.weight:g} | {percent_text(s.percent)} | {_adjusted_cell(s)} "
        f"| **{percent_text(s.final_percent)}** | {band_text(s.final_band)} |"
        for s in card.skills
    ]
    return Section(
        rank=2,
        head=[
            "## Skills",
            "",
            "| Skill | Weight | Automatic | Adjusted | Final | Band |",
            "|---|--:|--:|---|--:|---|",
        ],
        items=rows,
        what="skills",
    )


def _counted(check: CheckResult) -> str:
    """Points, or why a check that did not run counts for nothing either way."""
    if check.status is Status.SKIPPED:
        return "not counted"
    if check.status is Status.ERROR:
        return "grader error, not counted"
    return points_text(check)


def _lost_checks(card: ScoreCard) -> Section:
    items = []
    for skill in card.skills:
        lost = unpassed(skill.checks)
        if not lost:
            continue
        items.append(f"\n### {md_text(skill.title)}\n")
        items.extend(
            f"- **{check.status}** `{check.id}` {md_text(check.title, limit=120)} "
            f"({_counted(check)})" + (f": {md_text(check.message)}" if check.message else "")
            for check in lost
        )
    head = ["## Checks that did not pass"]
    if not items:
        head.append("\nEvery check that ran passed.")
    return Section(rank=3, head=head, items=items, what="lines of failed checks")


def _interview(card: ScoreCard, rubric: Rubric) -> Section:
    items = []
    for topic in interview_guide(card, rubric):
        items.append(
            f"\n### {md_text(topic.skill_title)} {percent_text(topic.percent)} "
            f"({band_text(topic.band)})\n"
        )
        items.extend(f"1. {md_text(q.text, limit=600)}" for q in topic.questions)
    head = ["## Interview guide"]
    if not items:
        head.append("\nNo weak skill with failed checks.")
    return Section(rank=4, head=head, items=items, what="lines of the interview guide")


def _human(card: ScoreCard) -> Section | None:
    if not card.human:
        return None
    items = [
        f"- **{md_text(h.title)}** (read {md_text(h.read)}): "
        + (f"{h.score}/4, {md_text(h.reason)}" if h.score is not None else "not yet scored")
        for h in card.human
    ]
    return Section(rank=5, head=["## Human rubric", ""], items=items, what="dimensions")


def _provenance(outcome: GradeOutcome, rubric: Rubric) -> Section:
    prov, sub = outcome.provenance, outcome.submission
    items = [
        f"- submission: {md_text(sub.source)} ({sub.kind}), `{sub.tree_hash}`, "
        f"{sub.file_count} files, {sub.total_bytes} bytes",
        f"- grader {md_text(prov.grader_version)}, runner {prov.runner}, seed {prov.seed}, "
        f"only: {md_text(', '.join(prov.only) or 'everything')}",
        f"- started {prov.started_at}, finished {prov.finished_at}",
        "- timings: " + ", ".join(f"{t.name} {t.seconds:g} s" for t in prov.timings),
        "- images: " + (", ".join(f"{i.role} `{i.tag}`" for i in prov.images) or "none"),
        "- machine: " + md_text(", ".join(f"{k}: {v}" for k, v in prov.machine.items())),
        f"- rubric sha256 `{prov.rubric_sha256}`, hidden suite sha256 `{prov.hidden_suite_sha256}`",
    ]
    if sub.git is not None:
        items.append(
            f"- git {md_text(sub.git.ref)} at `{sub.git.commit}`, commits: {len(sub.git.commits)}"
        )
    if rubric_differs(outcome, rubric):
        items.append("- **hints and reviewer notes come from another rubric than the grade's**")
    return Section(
        rank=6,
        head=["<details><summary>Provenance</summary>", ""],
        items=items,
        tail=["", "</details>"],
        what="provenance lines",
    )


def reviewer_markdown(outcome: GradeOutcome, rubric: Rubric) -> str:
    """The reviewer's summary: problems first, then skills, lost checks, questions, provenance."""
    card = outcome.card
    sections = [
        _headline(outcome),
        _problems(card),
        _skills(card),
        _lost_checks(card),
        _interview(card, rubric),
        _human(card),
        _provenance(outcome, rubric),
    ]
    return join_sections(fit([s for s in sections if s is not None]))


# --------------------------------------------------------------------------- candidate report


def candidate_markdown(outcome: GradeOutcome, rubric: Rubric) -> str:
    """Final percent and band per skill, and the hints where points were lost."""
    card = outcome.card
    skills = candidate_skills(card, rubric)
    head = [
        "# Your grade",
        "",
        f"**Total: {percent_text(card.total_percent, digits=1)} ({band_text(card.band)})**",
    ]
    if card.status is Outcome.ERROR:
        head += ["", "> [!NOTE]", f"> {CANDIDATE_ERROR_NOTE}"]
    table = Section(
        rank=1,
        head=["| Skill | Percent | Band |", "|---|--:|---|"],
        items=[
            f"| {md_text(s.title)} | {percent_text(s.percent)} | {band_text(s.band)} |"
            for s in skills
        ],
        what="skills",
    )
    hints = [
        line
        for s in skills
        if s.hints
        for line in (f"\n### {md_text(s.title)}\n", *(f"- {md_text(h)}" for h in s.hints))
    ]
    advice = Section(rank=2, head=["## What to look at"], items=hints, what="hints")
    if not hints:
        advice.head.append("\nEvery check that ran earned its points.")
    return join_sections(fit([Section(rank=0, head=head), table, advice]))


def render_markdown(outcome: GradeOutcome, audience: Audience, rubric: Rubric) -> str:
    """The Markdown report for one audience."""
    if audience is Audience.CANDIDATE:
        return candidate_markdown(outcome, rubric)
    return reviewer_markdown(outcome, rubric)
