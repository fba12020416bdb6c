"""report.html: self-contained, escaped, with every part a reviewer or a candidate reads."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from grader.pipeline import GradeOutcome
from grader.report.audience import Audience
from grader.report.html_evidence import hidden_test_html
from grader.report.html_report import render_html
from grader.report.markup import Markup, el, escape
from grader.rubric import Rubric

from .samples import SCRIPT_BODY, SCRIPT_MESSAGE

MakeOutcome = Callable[..., GradeOutcome]


class Elements(HTMLParser):
    """Every start tag with its attributes, and all text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def with_class(self, tag: str, css_class: str) -> list[dict[str, str | None]]:
        return [a for a in self.named(tag) if css_class in (a.get("class") or "").split()]


@pytest.fixture(params=list(Audience), ids=str)
def page(request: pytest.FixtureRequest, rich_outcome: GradeOutcome, rubric: Rubric) -> str:
    return render_html(rich_outcome, request.param, rubric)


def test_page_fetches_nothing_and_runs_nothing(page: str) -> None:
    elements = Elements(page)

    assert not [t for t, _ in elements.tags if t in {"script", "link", "iframe", "img", "object"}]
    assert all(attrs.get("src") is None for _, attrs in elements.tags)
    assert all((attrs.get("href") or "#").startswith("#") for _, attrs in elements.tags)
    style = page[page.index("<style>") : page.index("</style>")]
    assert "url(" not in style
    assert "@import" not in style
    [csp] = [a for a in elements.named("meta") if a.get("http-equiv")]
    assert csp["content"] == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def test_chart_has_one_bar_per_skill_with_its_final_percent(
    page: str, rich_outcome: GradeOutcome
) -> None:
    bars = Elements(page).with_class("rect", "bar")

    assert [b["data-skill"] for b in bars] == [s.id for s in rich_outcome.card.skills]
    security = next(b for b in bars if b["data-skill"] == "security")
    assert security["width"] == "200.0"
    assert security["data-percent"] == "50.0"
    observability = next(b for b in bars if b["data-skill"] == "observability")
    assert observability["width"] == "0.0"


def test_candidate_strings_are_escaped(rich_outcome: GradeOutcome, rubric: Rubric) -> None:
    page = render_html(rich_outcome, Audience.REVIEWER, rubric)
    elements = Elements(page)

    assert not elements.named("script")
    text = "".join(elements.text)
    assert SCRIPT_MESSAGE in text
    assert "<script>alert('body')</script>" in text
    assert "&lt;script&gt;alert(&quot;message&quot;)&lt;/script&gt;" in page
    assert SCRIPT_BODY not in page


def test_reviewer_page_lists_every_check_with_status_and_points(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    elements = Elements(render_html(rich_outcome, Audience.REVIEWER, rubric))

    rows = elements.with_class("tr", "check")
    assert [r["data-check"] for r in rows] == [c.id for c in rich_outcome.card.checks]
    assert "check status-skipped" in [r["class"] for r in rows]


def test_reviewer_page_shows_http_reproductions(rich_outcome: GradeOutcome, rubric: Rubric) -> None:
    page = render_html(rich_outcome, Audience.REVIEWER, rubric)

    assert (
        "curl -i -X POST &quot;$BASE_URL&quot;&#x27;/v1/deposits?probe=1&#x27; -H "
        "&#x27;authorization: ***&#x27;"
    ) in page
    assert "host: 127.0.0.1:8000" in page
    assert "-H &#x27;host" not in page
    assert "no response: connection reset by peer" in page
    assert "Falsifying example: amount=1.0" in page
    assert "hidden_tests/functional/test_money.py::test_amounts_are_strict_integers[float]" in page


def test_reviewer_page_has_findings_load_review_and_notes(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    page = render_html(rich_outcome, Audience.REVIEWER, rubric)
    text = "".join(Elements(page).text)

    assert "app/db folder/q.py:3:1" in text
    assert "GET /v1/accounts12.540.288.0812.40.0003.101.40" in text
    assert "Use a placeholder instead of an f-string." in text
    assert "app/repositories/statements.py:27 [blocker] This is SQL injection." in text
    assert "No comment on this defect." in text
    assert "SQLite with WAL; one connection per request." in text
    assert 'id="material"' in page
    assert 'id="performance"' in page


def test_reviewer_page_has_the_human_rubric_and_interview_guide(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    page = render_html(rich_outcome, Audience.REVIEWER, rubric)
    text = "".join(Elements(page).text)

    assert "Clarity3/4" in text.replace(" ", "")
    assert "Review tone not yet scored" in text
    assert "Reason: Each decision tied to a risk." in text
    assert "Ask where authentication is enforced." in text
    assert "Adjusted from 0% to 50% by Engineering manager" in text


def test_error_grade_shows_the_problems_first(make_outcome: MakeOutcome, rubric: Rubric) -> None:
    page = render_html(make_outcome(problems=("the harness timed out",)), Audience.REVIEWER, rubric)

    assert page.index('id="problems"') < page.index('id="skills"')
    assert "the harness timed out" in page


def test_candidate_page_has_hints_and_no_check_rows(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    elements = Elements(render_html(rich_outcome, Audience.CANDIDATE, rubric))

    assert not elements.with_class("tr", "check")
    assert "Fill in every section of NOTES.md." in elements.text


def test_markup_escapes_text_and_attributes_but_not_markup() -> None:
    built = el("span", "<b>", el("em", "x"), title='"><script>', data_check="a&b")

    assert (
        built
        == '<span title="&quot;&gt;&lt;script&gt;" data-check="a&amp;b">&lt;b&gt;<em>x</em></span>'
    )
    assert escape(Markup("<i>")) == "<i>"


def test_only_the_last_exchanges_of_a_test_are_shown() -> None:
    exchanges = [{"method": "GET", "path": f"/v1/accounts/{n}", "status": 200} for n in range(20)]

    page = str(hidden_test_html({"kind": "hidden_test", "exchanges": exchanges}))

    assert "GET /v1/accounts/19" in page
    assert "GET /v1/accounts/15" in page
    assert "GET /v1/accounts/14" not in page
    assert "15 earlier exchanges are in results.json." in page
