"""`report.html`: one self-contained page (inline CSS and SVG, no URL to fetch, no script).

The reviewer page has the skills chart, each check with its evidence, the interview guide, the
human rubric, a performance table and the provenance. The candidate page has the chart and,
per skill, the hints of the checks that lost points. A Content-Security-Policy forbids any
fetch or script, a second line of defence behind the escaping of `grader.report.markup`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from grader.model import CheckResult, Status
from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.html_evidence import evidence_html, load_table, text_html
from grader.report.interview import Topic, interview_guide
from grader.report.markup import Markup, definition_list, el, join, table
from grader.report.view import (
    CANDIDATE_ERROR_NOTE,
    band_text,
    candidate_skills,
    is_adjusted,
    percent_text,
    points_number,
    points_text,
    rubric_differs,
    total_is_adjusted,
)
from grader.rubric import Rubric
from grader.scoring import Band, HumanRating, Outcome, ScoreCard, SkillScore

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CHART_LABEL_WIDTH = 190
CHART_BAR_WIDTH = 400
CHART_ROW = 28
CHART_BAR_HEIGHT = 18
NOTES_TITLE_PREFIX = "NOTES.md"
CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; }
body { font: 15px/1.5 system-ui, sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; background: #fff; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h2 { border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 8px;
  border: 1px solid var(--line); max-height: 28em; overflow: auto; font-size: 13px; }
code { font-size: 13px; }
.total { font-size: 1.3em; font-weight: 600; }
.muted { color: var(--muted); }
.problems { border: 2px solid var(--bad); background: #ffebe9; padding: 8px 16px; }
.pill { border-radius: 10px; padding: 0 8px; font-size: 12px; border: 1px solid var(--line); }
.status-passed .status, .pill.found, .band-strong { color: var(--ok); }
.status-failed .status, .pill.missed, .band-below { color: var(--bad); }
.status-error .status { color: #8250df; } .status-skipped .status { color: var(--muted); }
.band-meets { color: var(--warn); }
svg .track { fill: #eaeef2; } svg .bar { fill: #0969da; } svg .bar.band-below { fill: var(--bad); }
svg .bar.band-meets { fill: #bf8700; } svg .bar.band-strong { fill: var(--ok); }
svg .automatic { stroke: #1f2328; stroke-width: 2; stroke-dasharray: 3 2; }
svg text { font: 13px system-ui, sans-serif; fill: #1f2328; }
.exchange { border-left: 3px solid var(--line); padding-left: 8px; margin: 8px 0; }
.arrow { color: var(--muted); }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.reviewer-note { background: #fff8c5; padding: 4px 8px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
dt { font-weight: 600; }
"""


# --------------------------------------------------------------------------- shared parts


def band_pill(band: Band) -> Markup:
    """A band as a small coloured label."""
    return el("span", band_text(band), class_=f"pill band-{band}")


def skill_chart(card: ScoreCard) -> Markup:
    """An inline SVG bar per skill (final percent); a dashed line marks an overridden automatic."""
    rows = []
    for index, skill in enumerate(card.skills):
        top = index * CHART_ROW + 4
        width = round(CHART_BAR_WIDTH * (skill.final_percent or 0.0) / 100, 1)
        rows.append(
            join(
                (
                    el("text", skill.title, x=0, y=top + 14),
                    el(
                        "rect",
                        class_="track",
                        x=CHART_LABEL_WIDTH,
                        y=top,
                        width=CHART_BAR_WIDTH,
                        height=CHART_BAR_HEIGHT,
                    ),
                    el(
                        "rect",
                        el("title", f"{skill.title}: {percent_text(skill.final_percent)}"),
                        class_=f"bar band-{skill.final_band}",
                        data_skill=skill.id,
                        data_percent="" if skill.final_percent is None else skill.final_percent,
                        x=CHART_LABEL_WIDTH,
                        y=top,
                        width=width,
                        height=CHART_BAR_HEIGHT,
                    ),
                    _automatic_marker(skill, top),
                    el(
                        "text",
                        percent_text(skill.final_percent),
                        x=CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 10,
                        y=top + 14,
                    ),
                )
            )
        )
    height = len(card.skills) * CHART_ROW + 8
    total_width = CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 60
    return el(
        "svg",
        join(rows),
        class_="skill-chart",
        viewBox=f"0 0 {total_width} {height}",
        width=total_width,
        height=height,
        role="img",
        aria_label="Final percent per skill",
    )


def _automatic_marker(skill: SkillScore, top: int) -> Markup | None:
    if not is_adjusted(skill) or skill.percent is None:
        return None
    x = round(CHART_LABEL_WIDTH + CHART_BAR_WIDTH * skill.percent / 100, 1)
    return el(
        "line",
        el("title", f"automatic: {percent_text(skill.percent)}"),
        class_="automatic",
        x1=x,
        x2=x,
        y1=top - 2,
        y2=top + CHART_BAR_HEIGHT + 2,
    )


def page(title: str, body: Markup) -> str:
    """The whole document around a body."""
    head = join(
        (
            el("meta", charset="utf-8"),
            el("meta", name="viewport", content="width=device-width, initial-scale=1"),
            el("meta", http_equiv="Content-Security-Policy", content=CSP),
            el("title", title),
            el("style", Markup(CSS)),
        )
    )
    document = el("html", el("head", head), el("body", body), lang="en")
    return f"<!DOCTYPE html>\n{document}\n"


def total_line(card: ScoreCard) -> Markup:
    """`Total 72.5% · meets`."""
    return el(
        "p",
        f"Total {percent_text(card.total_percent, digits=1)} ",
        band_pill(card.band),
        class_="total",
    )


# --------------------------------------------------------------------------- reviewer page


def _pass_mark_line(card: ScoreCard) -> Markup | None:
    if card.passed is None or card.pass_mark is None:
        return None
    verdict = "reaches" if card.passed else "is below"
    return el("p", f"The total {verdict} the pass mark of {card.pass_mark:g}%.")


def _automatic_line(card: ScoreCard) -> Markup | None:
    if not total_is_adjusted(card):
        return None
    return el(
        "p",
        f"Adjusted by {card.reviewer or 'a reviewer'}; the automatic total was "
        f"{percent_text(card.automatic_total_percent, digits=1)}.",
        class_="muted",
    )


def problems_section(card: ScoreCard) -> Markup | None:
    """The grader's own failures, first and loud: such a grade is not the candidate's score."""
    if not card.problems:
        return None
    return el(
        "section",
        el("h2", "The grader itself failed: this grade is not the candidate's score"),
        el("ul", join(el("li", problem) for problem in card.problems)),
        class_="problems",
        id="problems",
        role="alert",
    )


def _adjustment_cell(skill: SkillScore) -> Markup | str:
    if skill.adjustment is None:
        return ""
    adjustment = skill.adjustment
    return join(
        (
            f"{percent_text(adjustment.percent)} ",
            band_pill(adjustment.band),
            el("br"),
            el("span", f"{adjustment.reviewer}: {adjustment.reason}", class_="muted"),
        )
    )


def skills_table(card: ScoreCard) -> Markup:
    """Automatic and adjusted numbers side by side, the final band last."""
    rows = (
        (
            el("a", skill.title, href=f"#skill-{skill.id}"),
            f"{skill.weight:g}",
            f"{points_number(skill.points)}/{points_number(skill.max_points)}",
            percent_text(skill.percent),
            _adjustment_cell(skill),
            el("strong", percent_text(skill.final_percent)),
            band_pill(skill.final_band),
        )
        for skill in card.skills
    )
    headers = ("skill", "weight", "points", "automatic", "adjusted", "final", "band")
    return table(headers, rows, class_="skills")


def _featured(evidence: Any) -> bool:
    """Material for the human rubric, shown in its own section rather than under the check."""
    if not isinstance(evidence, dict):
        return False
    kind = evidence.get("kind")
    title = evidence.get("title")
    return kind == "review_match" or (
        kind == "text" and isinstance(title, str) and title.startswith(NOTES_TITLE_PREFIX)
    )


def _check_details(check: CheckResult, rubric: Rubric) -> Markup | None:
    known = rubric.check(check.id)
    note = (
        el("p", "Reviewer note: ", known.reviewer_note, class_="reviewer-note")
        if (known and known.reviewer_note and check.status is not Status.PASSED)
        else None
    )
    shown = [e for e in check.evidence if not _featured(e)]
    moved = (
        el("p", el("a", "Material for the human rubric", href="#material"), " has more.")
        if len(shown) < len(check.evidence)
        else None
    )
    if note is None and not shown and moved is None:
        return None
    evidence = (
        el("details", el("summary", f"Evidence ({len(shown)})"), evidence_html(shown))
        if shown
        else None
    )
    return el("tr", el("td", note, evidence, moved, colspan=4), class_="details")


def check_rows(check: CheckResult, rubric: Rubric) -> Markup:
    """The check's row, then a row with its reviewer note and evidence."""
    row = el(
        "tr",
        el("td", str(check.status), class_="status"),
        el("td", check.title, el("br"), el("code", check.id, class_="muted")),
        el("td", points_text(check), class_="points"),
        el("td", check.message),
        class_=f"check status-{check.status}",
        id=f"check-{check.id}",
        data_check=check.id,
    )
    return join((row, _check_details(check, rubric)))


def skill_section(skill: SkillScore, rubric: Rubric) -> Markup:
    """One skill: its numbers, requirement, override and every check."""
    header = el("tr", join(el("th", h) for h in ("status", "check", "points", "message")))
    rows = join(check_rows(check, rubric) for check in skill.checks)
    adjustment = (
        el(
            "p",
            f"Adjusted from {percent_text(skill.percent)} to "
            f"{percent_text(skill.adjustment.percent)} by {skill.adjustment.reviewer}: "
            f"{skill.adjustment.reason}",
            class_="muted",
        )
        if skill.adjustment
        else None
    )
    return el(
        "section",
        el(
            "h2", f"{skill.title} {percent_text(skill.final_percent)} ", band_pill(skill.final_band)
        ),
        el("p", skill.requirement, class_="muted"),
        adjustment,
        el("table", el("thead", header), el("tbody", rows), class_="checks")
        if skill.checks
        else el("p", "No check of this skill ran.", class_="muted"),
        class_="skill",
        id=f"skill-{skill.id}",
    )


def interview_section(topics: Iterable[Topic]) -> Markup:
    """Follow-up questions per weak skill."""
    items = [
        el(
            "div",
            el("h3", f"{topic.skill_title} {percent_text(topic.percent)} ", band_pill(topic.band)),
            el("ol", join(el("li", q.text, data_check=q.check_id) for q in topic.questions)),
            class_="topic",
        )
        for topic in topics
    ]
    body = join(items) if items else el("p", "No weak skill with failed checks.", class_="muted")
    return el("section", el("h2", "Interview guide"), body, id="interview")


def _rating(rating: HumanRating) -> Markup:
    score = (
        el("strong", f"{rating.score}/4")
        if rating.score is not None
        else el("strong", "not yet scored", class_="muted")
    )
    return el(
        "div",
        el("h3", rating.title, " ", score),
        el("p", "Read: ", rating.read, class_="muted"),
        el("p", "Reason: ", rating.reason) if rating.reason else None,
        el("ul", join(el("li", anchor) for anchor in rating.anchors), class_="anchors"),
        class_="human-rating",
        data_dimension=rating.id,
    )


def human_section(card: ScoreCard) -> Markup | None:
    """The human rubric: each dimension's anchors, and the score if a reviewer recorded one."""
    if not card.human:
        return None
    return el(
        "section",
        el("h2", "Human rubric"),
        el(
            "p",
            "Scores 0-4 recorded in an overrides file; they change the total only through "
            "an explicit skill override.",
            class_="muted",
        ),
        join(_rating(rating) for rating in card.human),
        id="human",
    )


def _all_evidence(card: ScoreCard, kind: str) -> list[dict[str, Any]]:
    return [
        e
        for check in card.checks
        for e in check.evidence
        if isinstance(e, dict) and e.get("kind") == kind
    ]


def material_section(card: ScoreCard) -> Markup | None:
    """NOTES.md sections and review matches: what the human rubric asks a reviewer to read."""
    featured = [e for check in card.checks for e in check.evidence if _featured(e)]
    if not featured:
        return None
    notes = [e for e in featured if e.get("kind") == "text"]
    reviews = [e for e in featured if e.get("kind") == "review_match"]
    return el(
        "section",
        el("h2", "Material for the human rubric"),
        el("h3", "NOTES.md") if notes else None,
        join(text_html(e) for e in notes),
        el("h3", "Code review: the candidate's comments beside each planted defect")
        if reviews
        else None,
        evidence_html(reviews),
        id="material",
    )


def performance_section(card: ScoreCard, rubric: Rubric) -> Markup | None:
    """Every `load` measurement of the grade: a chart against the rubric's curves, and a table."""
    measurements = _all_evidence(card, "load")
    if not measurements:
        return None
    overview = load_table(measurements, policy=rubric.performance)
    return el("section", el("h2", "Performance"), overview, id="performance")


def provenance_section(outcome: GradeOutcome, rubric: Rubric) -> Markup:
    """How the grade was obtained: versions, hashes, machine, timings, the submission's identity."""
    prov, sub = outcome.provenance, outcome.submission
    pairs: list[tuple[str, Markup | str | int | float | None]] = [
        ("submission", f"{sub.source} ({sub.kind})"),
        ("tree hash", el("code", sub.tree_hash)),
        ("files", f"{sub.file_count} files, {sub.total_bytes} bytes"),
        ("grader", prov.grader_version),
        ("runner", prov.runner),
        ("seed", prov.seed),
        ("only", ", ".join(prov.only) or "everything"),
        ("started", prov.started_at),
        ("finished", prov.finished_at),
        ("timings", ", ".join(f"{t.name} {t.seconds:g} s" for t in prov.timings)),
        ("images", ", ".join(f"{i.role}: {i.tag} ({i.id})" for i in prov.images) or "none"),
        ("machine", ", ".join(f"{k}: {v}" for k, v in prov.machine.items())),
        ("rubric sha256", el("code", prov.rubric_sha256)),
        ("hidden suite sha256", el("code", prov.hidden_suite_sha256)),
    ]
    if sub.git is not None:
        pairs.append(("git", f"{sub.git.ref} at {sub.git.commit}, commits: {len(sub.git.commits)}"))
    if sub.skipped:
        pairs.append(("not copied", ", ".join(sub.skipped)))
    warning = (
        el(
            "p",
            "Hints and reviewer notes come from a rubric other than the one graded with.",
            class_="problems",
        )
        if rubric_differs(outcome, rubric)
        else None
    )
    return el("section", el("h2", "Provenance"), warning, definition_list(pairs), id="provenance")


def reviewer_body(outcome: GradeOutcome, rubric: Rubric) -> Markup:
    """Everything a reviewer reads, in reading order."""
    card = outcome.card
    return el(
        "main",
        el(
            "header",
            el("h1", f"Grade of {outcome.submission.source}"),
            total_line(card),
            _automatic_line(card),
            _pass_mark_line(card),
        ),
        problems_section(card),
        el("section", el("h2", "Skills"), skill_chart(card), skills_table(card), id="skills"),
        join(skill_section(skill, rubric) for skill in card.skills),
        interview_section(interview_guide(card, rubric)),
        human_section(card),
        material_section(card),
        performance_section(card, rubric),
        provenance_section(outcome, rubric),
    )


# --------------------------------------------------------------------------- candidate page


def candidate_body(outcome: GradeOutcome, rubric: Rubric) -> Markup:
    """Final percent and band per skill, and what to look at where points were lost."""
    card = outcome.card
    sections = []
    for skill in candidate_skills(card, rubric):
        hints = (
            el("ul", join(el("li", hint) for hint in skill.hints), class_="hints")
            if skill.hints
            else el("p", "Nothing to point out.", class_="muted")
        )
        sections.append(
            el(
                "section",
                el("h2", f"{skill.title} {percent_text(skill.percent)} ", band_pill(skill.band)),
                el("h3", "What to look at") if skill.hints else None,
                hints,
                class_="skill",
            )
        )
    return el(
        "main",
        el("header", el("h1", "Your grade"), total_line(card)),
        el("p", CANDIDATE_ERROR_NOTE, class_="problems") if card.status is Outcome.ERROR else None,
        el("section", el("h2", "Skills"), skill_chart(card), id="skills"),
        join(sections),
    )


def render_html(outcome: GradeOutcome, audience: Audience, rubric: Rubric) -> str:
    """The HTML report for one audience."""
    if audience is Audience.CANDIDATE:
        return page("Your grade", candidate_body(outcome, rubric))
    return page(f"Grade of {outcome.submission.source}", reviewer_body(outcome, rubric))
