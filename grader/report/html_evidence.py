"""Reviewer-only HTML for each kind of evidence (see grader/checks/base.py for the kinds).

Evidence is plain dicts whose values may be anything (a saved results.json can be edited), so
every value is read with `text_of`/`number_text` and escaped by the markup builder.
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from typing import Any

from grader.report.html_charts import load_chart
from grader.report.markup import Markup, definition_list, el, join, table
from grader.report.view import text_of
from grader.rubric import PerformancePolicy

Evidence = dict[str, Any]
# Request headers a reproduction does not need: the client sets them itself.
NOISY_HEADERS = frozenset(
    {"host", "content-length", "accept", "accept-encoding", "connection", "user-agent"}
)
LOAD_HEADERS = (
    "endpoint",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "throughput req/s",
    "error rate",
    "ratio to reference",
    "growth ratio",
)
FINDING_HEADERS = ("location", "rule", "severity", "message")
# The harness keeps a test's last 20 exchanges; the last few explain a failure, and all of them
# for every failing test would make a page of tens of megabytes.
MAX_EXCHANGES_SHOWN = 5
# An edited results.json may hold 1e300: written in full it would be a 300-digit table cell.
HUGE = 1e9


def number_text(value: Any, *, digits: int = 1) -> str:
    """A measured number, or `-` when missing, not a number or not finite; huge ones short."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "-"
    return f"{value:.{digits}f}" if abs(value) < HUGE else f"{value:.3g}"


def _headers_text(headers: Any) -> str:
    if not isinstance(headers, dict):
        return text_of(headers)
    return "\n".join(f"{name}: {text_of(value)}" for name, value in headers.items())


def curl_line(exchange: Evidence) -> str:
    """A shell command that replays the request against `$BASE_URL`."""
    parts = ["curl", "-i", "-X", shlex.quote(text_of(exchange.get("method")) or "GET")]
    parts.append('"$BASE_URL"' + shlex.quote(text_of(exchange.get("path"))))
    headers = exchange.get("request_headers")
    if isinstance(headers, dict):
        for name, value in headers.items():
            if str(name).lower() not in NOISY_HEADERS:
                parts += ["-H", shlex.quote(f"{name}: {text_of(value)}")]
    body = text_of(exchange.get("request_body"))
    if body:
        parts += ["--data-binary", shlex.quote(body)]
    return " ".join(parts)


def exchange_html(exchange: Evidence) -> Markup:
    """One HTTP exchange: the request, the response (or the transport error), and a curl line."""
    request = "\n".join(
        (
            f"{text_of(exchange.get('method'))} {text_of(exchange.get('path'))}",
            _headers_text(exchange.get("request_headers")),
            "",
            text_of(exchange.get("request_body")),
        )
    ).rstrip()
    if exchange.get("status") is None:
        response = f"no response: {text_of(exchange.get('error')) or 'unknown error'}"
    else:
        response = "\n".join(
            (
                f"{text_of(exchange.get('status'))}",
                _headers_text(exchange.get("response_headers")),
                "",
                text_of(exchange.get("response_body")),
            )
        ).rstrip()
    return el(
        "div",
        el("pre", request, class_="request"),
        el("div", "→", class_="arrow"),
        el("pre", response, class_="response"),
        el("pre", curl_line(exchange), class_="curl"),
        class_="exchange",
    )


def exchanges_html(exchanges: list[Any]) -> Markup:
    """The last few HTTP exchanges of a test, most recent last."""
    shown = [x for x in exchanges if isinstance(x, dict)][-MAX_EXCHANGES_SHOWN:]
    hidden = len(exchanges) - len(shown)
    return el(
        "div",
        el("h5", f"HTTP exchanges (the last {len(shown)}, most recent last)"),
        el("p", f"{hidden} earlier exchanges are in results.json.", class_="muted")
        if hidden
        else None,
        join(exchange_html(x) for x in shown),
        class_="exchanges",
    )


def hidden_test_html(evidence: Evidence) -> Markup:
    """A failing hidden test: its node id, message, traceback, Hypothesis notes, HTTP exchanges."""
    notes = evidence.get("hypothesis_notes")
    exchanges = evidence.get("exchanges")
    traceback = text_of(evidence.get("traceback"))
    return el(
        "div",
        el("p", el("strong", "Hidden test "), el("code", text_of(evidence.get("test")))),
        el("p", text_of(evidence.get("message")), class_="message"),
        el("p", "Exception: ", el("code", text_of(evidence.get("exception"))))
        if evidence.get("exception")
        else None,
        el(
            "div",
            el("h5", "Hypothesis notes (the shrunk reproduction)"),
            el("pre", "\n".join(text_of(note) for note in notes)),
            class_="hypothesis-notes",
        )
        if isinstance(notes, list) and notes
        else None,
        exchanges_html(exchanges) if isinstance(exchanges, list) and exchanges else None,
        el("details", el("summary", "Traceback"), el("pre", traceback)) if traceback else None,
        class_="evidence hidden-test",
    )


def log_tail_html(evidence: Evidence) -> Markup:
    """The end of the service's output."""
    return el(
        "div",
        el("h5", "Service log (end)"),
        el("pre", text_of(evidence.get("text"))),
        class_="evidence log-tail",
    )


def text_html(evidence: Evidence) -> Markup:
    """Free text with its title (NOTES.md sections arrive this way)."""
    return el(
        "div",
        el("h5", text_of(evidence.get("title")) or "Note"),
        el("pre", text_of(evidence.get("text"))),
        class_="evidence text",
    )


def _location(evidence: Evidence) -> str:
    return (
        f"{text_of(evidence.get('path'))}:{text_of(evidence.get('line'))}"
        f":{text_of(evidence.get('column'))}"
    )


def findings_html(findings: Sequence[Evidence]) -> Markup:
    """Located problems in the submission, one table row each."""
    rows = (
        (
            el("code", _location(f)),
            el("code", text_of(f.get("rule"))),
            text_of(f.get("severity")),
            text_of(f.get("message")),
        )
        for f in findings
    )
    return el("div", table(FINDING_HEADERS, rows), class_="evidence findings")


def load_row(evidence: Evidence) -> tuple[str, ...]:
    """One endpoint's measurement as table cells."""
    return (
        text_of(evidence.get("endpoint")),
        number_text(evidence.get("p50_ms")),
        number_text(evidence.get("p95_ms")),
        number_text(evidence.get("p99_ms")),
        number_text(evidence.get("throughput_rps")),
        number_text(evidence.get("error_rate"), digits=3),
        number_text(evidence.get("ratio_to_reference"), digits=2),
        number_text(evidence.get("growth_ratio"), digits=2),
    )


def load_rows_table(measurements: Iterable[Evidence]) -> Markup:
    """Latency percentiles, throughput and ratios per endpoint."""
    return table(LOAD_HEADERS, (load_row(m) for m in measurements), class_="performance")


def load_table(
    measurements: Sequence[Evidence], *, policy: PerformancePolicy | None = None
) -> Markup:
    """The performance overview: a chart of the ratios (when there are any), then the table.

    With the rubric's `policy`, the chart marks each curve's full-credit ratio.
    """
    return join((load_chart(measurements, policy=policy), load_rows_table(measurements)))


def _comment_text(comment: Any) -> str:
    if not isinstance(comment, dict):
        return text_of(comment)
    where = text_of(comment.get("file") or comment.get("path"))
    line = text_of(comment.get("line"))
    body = text_of(comment.get("body") or comment.get("text") or comment.get("comment"))
    place = f"{where}:{line}" if where and line else where or line
    return f"{place}: {body}" if place else body


def review_match_html(evidence: Evidence) -> Markup:
    """A planted defect: where it is, the candidate's comments on it, what a good comment says."""
    comments = evidence.get("comments")
    found = evidence.get("found", evidence.get("matched"))
    span = evidence.get("lines")
    if isinstance(span, list) and len(span) == 2:
        lines = f"{text_of(span[0])}-{text_of(span[1])}"
    else:
        lines = f"{text_of(evidence.get('line_start'))}-{text_of(evidence.get('line_end'))}"
    where = f"{text_of(evidence.get('file'))}:{lines.strip('-')}"
    verdict = {True: "found", False: "missed"}.get(found, "") if isinstance(found, bool) else ""
    candidate = (
        el("ul", join(el("li", _comment_text(c)) for c in comments))
        if isinstance(comments, list) and comments
        else el("p", "No comment on this defect.", class_="muted")
    )
    good = text_of(evidence.get("what_a_good_comment_says")).strip()
    return el(
        "div",
        el(
            "h5",
            f"Planted defect {text_of(evidence.get('defect') or evidence.get('id'))} ",
            el("span", verdict, class_=f"pill {verdict}") if verdict else None,
        ),
        definition_list(
            (
                ("where", el("code", where)),
                ("severity", text_of(evidence.get("severity"))),
                ("category", text_of(evidence.get("category"))),
            )
        ),
        el(
            "div",
            el("div", el("h6", "The candidate's comments"), candidate),
            el("div", el("h6", "What a good comment says"), el("p", good)),
            class_="side-by-side",
        ),
        class_="evidence review-match",
    )


def other_html(evidence: Evidence) -> Markup:
    """Evidence of a kind this report does not know: shown as JSON."""
    return el(
        "div",
        el("h5", f"Evidence ({text_of(evidence.get('kind')) or 'unknown kind'})"),
        el("pre", json.dumps(evidence, indent=2, ensure_ascii=False, default=str)),
        class_="evidence other",
    )


SINGLE: dict[str, Callable[[Evidence], Markup]] = {
    "hidden_test": hidden_test_html,
    "service_log_tail": log_tail_html,
    "text": text_html,
    "review_match": review_match_html,
}


def _kind(evidence: Any) -> str:
    return text_of(evidence.get("kind")) if isinstance(evidence, dict) else ""


def evidence_html(evidence: Iterable[Any]) -> Markup:
    """All evidence of one check, consecutive findings and load rows grouped into tables."""
    parts = []
    items = [e if isinstance(e, dict) else {"kind": "", "value": e} for e in evidence]
    for kind, group in groupby(items, key=_kind):
        batch = list(group)
        if kind == "finding":
            parts.append(findings_html(batch))
        elif kind == "load":
            parts.append(el("div", load_rows_table(batch), class_="evidence load"))
        else:
            parts.extend(SINGLE.get(kind, other_html)(e) for e in batch)
    return join(parts)
