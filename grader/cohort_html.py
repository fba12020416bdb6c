"""`cohort.html`: the cohort table and the similarity flags on one self-contained reviewer page.

It shows code of submissions and of the reference solution (matching regions): reviewer-only,
like every file of a cohort folder. Every string is escaped by `grader.report.markup`.
"""

from __future__ import annotations

from grader.cohort import Cohort, CohortRow, RowStatus, percent_cell, similarity_cell
from grader.report.html_report import page
from grader.report.markup import Markup, el, join, table
from grader.similarity import (
    CONTAINMENT_FLAG,
    JACCARD_FLAG,
    Match,
    Region,
    SimilarityReport,
    display_name,
)

# Added to the single-report stylesheet: a cohort table is wider than one report.
COHORT_CSS = """
main { max-width: none; }
.cohort td { white-space: nowrap; } .cohort td:last-child { white-space: normal; min-width: 20em; }
.flags a { display: block; }
"""
FLAG_NOTE = (
    "Similarity flags ask a person to compare the code; they never change a score. Starter code "
    "is left out of the comparison."
)


def band_pill(band: str) -> Markup | None:
    """A band as a small coloured label (the same classes as the single-submission report)."""
    return el("span", band.replace("_", " "), class_=f"pill band-{band}") if band else None


def pair_anchor(match: Match) -> str:
    """The id of a flagged pair's section."""
    return f"pair-{match.left}-{match.right}".replace(":", "")


def _id_cell(row: CohortRow) -> Markup:
    return el("a", row.id, href=row.report) if row.report else el("span", row.id)


def _skill_cell(row: CohortRow, skill_id: str) -> Markup | None:
    cell = next((c for c in row.skills if c.id == skill_id), None)
    if cell is None:
        return None
    text = percent_cell(cell.percent) or "n/a"
    return el("span", text, class_=f"band-{cell.band}", title=cell.band.replace("_", " "))


def _flags_cell(cohort: Cohort, row: CohortRow) -> Markup:
    if cohort.similarity is None:
        return el("span", similarity_cell(cohort, row.id), class_="muted")
    links = join(
        el(
            "a",
            f"{display_name(match.other(row.id))} {match.score:.2f}",
            href=f"#{pair_anchor(match)}",
        )
        for match in cohort.similarity.flags_of(row.id)
    )
    return el("div", links, class_="flags")


def cohort_table(cohort: Cohort) -> Markup:
    """One row per submission: total, band, each skill's final percent, flags, message."""
    headers = ["id", "status", "total", "band", *(title for _, title in cohort.skills)]
    rows = [
        [
            _id_cell(row),
            el("span", str(row.status), class_="status"),
            percent_cell(row.total_percent),
            band_pill(row.band),
            *(_skill_cell(row, skill_id) for skill_id, _ in cohort.skills),
            _flags_cell(cohort, row),
            row.message,
        ]
        for row in cohort.rows
    ]
    return table([*headers, "similarity flags", "message"], rows, class_="cohort")


def _region(region: Region, match: Match) -> Markup:
    sides = (
        (match.left, region.left.label(), region.left_snippet),
        (match.right, region.right.label(), region.right_snippet),
    )
    return el(
        "div",
        join(
            el(
                "div",
                el("p", el("strong", display_name(owner)), " ", el("code", where)),
                el("pre", text),
            )
            for owner, where, text in sides
        ),
        class_="side-by-side",
    )


def _pair_section(match: Match) -> Markup:
    title = f"{display_name(match.left)} and {display_name(match.right)}"
    numbers = (
        f"Jaccard {match.jaccard:.2f}; {display_name(match.left)} contained in "
        f"{display_name(match.right)} {match.left_in_right:.2f}, the other way "
        f"{match.right_in_left:.2f}; {match.shared} shared fingerprints."
    )
    return el(
        "section",
        el("h3", title),
        el("p", numbers),
        join(_region(region, match) for region in match.regions),
        id=pair_anchor(match),
    )


def similarity_section(similarity: SimilarityReport | None) -> Markup:
    """The flagged pairs with their matching regions, or why there are none."""
    if similarity is None:
        note = "Similarity was not computed: the submissions' code was not available."
        return el("section", el("h2", "Similarity"), el("p", note, class_="muted"))
    criteria = (
        f"A pair is flagged at a Jaccard index of {JACCARD_FLAG} or more, or when one side's "
        f"fingerprints are {CONTAINMENT_FLAG:.0%} or more contained in the other's. "
    )
    flagged = join(_pair_section(match) for match in similarity.flags)
    return el(
        "section",
        el("h2", f"Similarity: {len(similarity.flags)} flagged pair(s)"),
        el("p", criteria, FLAG_NOTE, class_="muted"),
        flagged if similarity.flags else el("p", "No pair is flagged."),
        _notes(similarity.notes),
    )


def _notes(notes: tuple[str, ...]) -> Markup | None:
    if not notes:
        return None
    return el(
        "details",
        el("summary", f"Not compared ({len(notes)})"),
        el("ul", join(el("li", n) for n in notes)),
    )


def _summary(cohort: Cohort) -> Markup:
    errors = len(cohort.errored)
    graded = sum(row.status is RowStatus.GRADED for row in cohort.rows)
    text = f"{len(cohort.rows)} submission(s): {graded} graded, {errors} could not be graded."
    problems = [el("p", problem, class_="problems") for problem in cohort.problems]
    return join([el("p", text, class_="problems" if errors else "total"), *problems])


def render_cohort_html(cohort: Cohort) -> str:
    """The whole page."""
    body = el(
        "main",
        el("style", Markup(COHORT_CSS)),
        el("h1", "Cohort"),
        _summary(cohort),
        cohort_table(cohort),
        similarity_section(cohort.similarity),
    )
    return page("Cohort", body)
