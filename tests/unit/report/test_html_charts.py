"""The reviewer page's performance chart, parsed as XML: groups, bars, lines, hostile values."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from grader.report.html_charts import (
    BAR_WIDTH,
    COLOURS,
    LABEL_WIDTH,
    MAX_LABEL_CHARS,
    MAX_ROWS,
    load_chart,
)
from grader.report.html_evidence import load_table, number_text
from grader.rubric import Curve, PerformancePolicy

POLICY = PerformancePolicy(
    throughput=Curve(full=0.6, zero=0.2),
    latency=Curve(full=2.0, zero=5.0),
    growth=Curve(full=1.75, zero=3.0),
)


def load(endpoint: Any, *, ratio: Any = None, of: str | None = None, growth: Any = None) -> dict:
    item = {
        "kind": "load",
        "endpoint": endpoint,
        "p50_ms": 3.0,
        "p95_ms": 9.0,
        "p99_ms": 20.0,
        "throughput_rps": 500.0,
        "error_rate": 0.0,
        "ratio_to_reference": ratio,
        "growth_ratio": growth,
    }
    if of is not None:
        item["ratio_of"] = of
    return item


def chart(measurements: list[dict], policy: PerformancePolicy | None = POLICY) -> ET.Element:
    markup = load_chart(measurements, policy=policy)
    assert markup is not None
    return ET.fromstring(str(markup))


def bars(svg: ET.Element, group: str | None = None) -> list[ET.Element]:
    return [
        rect
        for rect in svg.iter("rect")
        if rect.get("class", "").startswith("ratio-bar")
        and (group is None or rect.get("data-group") == group)
    ]


def lines(svg: ET.Element, group: str, css_class: str) -> list[ET.Element]:
    block = next(g for g in svg.iter("g") if g.get("class") == f"ratio-group {group}")
    return [line for line in block.iter("line") if line.get("class") == css_class]


def width_of(ratio: float, end: float) -> float:
    return round(BAR_WIDTH * ratio / end, 1)


def test_each_ratio_lands_in_the_group_of_what_it_compares() -> None:
    svg = chart(
        [
            load("entries", ratio=0.8, of="throughput_rps"),
            load("entries", ratio=1.5, of="p95_ms"),
            load("entries"),
            load("growth: summary", growth=1.2),
            load("legacy", ratio=3.1),
        ]
    )

    found = [(b.get("data-group"), b.get("data-endpoint"), b.get("data-ratio")) for b in bars(svg)]

    assert found == [
        ("throughput", "entries", "0.80x"),
        ("latency", "entries", "1.50x"),
        ("ratio", "legacy", "3.10x"),
        ("growth", "growth: summary", "1.20x"),
    ]


def test_bars_are_proportional_and_coloured_by_the_full_credit_side() -> None:
    svg = chart(
        [
            load("fast", ratio=0.8, of="throughput_rps"),
            load("slow", ratio=0.3, of="throughput_rps"),
            load("quick", ratio=1.5, of="p95_ms"),
            load("sluggish", ratio=4.0, of="p95_ms"),
        ]
    )

    fast, slow = bars(svg, "throughput")
    quick, sluggish = bars(svg, "latency")
    assert float(fast.get("width", "")) == width_of(0.8, 2.0)
    assert float(sluggish.get("width", "")) == width_of(4.0, 4.0)
    assert [b.get("fill") for b in (fast, slow)] == [COLOURS["meets"], COLOURS["misses"]]
    assert [b.get("fill") for b in (quick, sluggish)] == [COLOURS["meets"], COLOURS["misses"]]


def test_lines_mark_parity_and_the_rubric_full_credit_ratio() -> None:
    svg = chart([load("entries", ratio=0.8, of="throughput_rps"), load("g", growth=2.5)])

    (parity,) = lines(svg, "throughput", "parity")
    (full,) = lines(svg, "throughput", "full-credit")
    (growth_full,) = lines(svg, "growth", "full-credit")
    assert float(parity.get("x1", "")) == LABEL_WIDTH + width_of(1.0, 2.0)
    assert float(full.get("x1", "")) == LABEL_WIDTH + width_of(0.6, 2.0)
    assert float(growth_full.get("x1", "")) == LABEL_WIDTH + width_of(1.75, 2.5)


def test_without_a_policy_there_is_no_full_credit_line_and_bars_are_neutral() -> None:
    svg = chart([load("entries", ratio=0.3, of="throughput_rps")], policy=None)

    assert lines(svg, "throughput", "full-credit") == []
    assert [b.get("fill") for b in bars(svg)] == [COLOURS["neutral"]]


@pytest.mark.parametrize("hostile", [float("nan"), float("inf"), -2.0, True, "3", [1], {"x": 1}])
def test_a_value_that_is_not_a_usable_ratio_is_drawn_as_not_available(hostile: Any) -> None:
    svg = chart([load("entries", ratio=hostile, of="p95_ms"), load("g", growth=hostile)])

    assert [(b.get("data-ratio"), b.get("width")) for b in bars(svg)] == [("n/a", "0.0")] * 2


def test_a_huge_ratio_is_clipped_at_the_axis_end_with_its_value_written() -> None:
    svg = chart([load("entries", ratio=1e300, of="p95_ms")])

    (bar,) = bars(svg)
    assert bar.get("class") == "ratio-bar clipped"
    assert float(bar.get("width", "")) == BAR_WIDTH
    assert bar.get("data-ratio") == "1e+300x"


def test_labels_are_escaped_and_shortened() -> None:
    label = "<script>alert(1)</script>" * 5
    markup = str(load_chart([load(label, ratio=1.0, of="p95_ms")]))

    assert "<script>" not in markup
    texts = [t.text for t in ET.fromstring(markup).iter("text")]
    assert label[: MAX_LABEL_CHARS - 1] + "…" in texts


def test_rows_beyond_the_limit_are_counted_not_drawn() -> None:
    svg = chart([load(f"e{i}", ratio=1.0, of="p95_ms") for i in range(MAX_ROWS + 7)])

    assert len(bars(svg)) == MAX_ROWS
    assert "7 more not charted (see the table)" in [t.text for t in svg.iter("text")]


def test_nothing_to_chart_gives_the_table_alone() -> None:
    measurements = [load("entries"), {"kind": "load"}]

    assert load_chart(measurements) is None
    assert str(load_table(measurements)).startswith("<table")


def test_the_overview_puts_the_chart_above_the_table() -> None:
    page = str(load_table([load("entries", ratio=1.2, of="p95_ms")], policy=POLICY))

    assert page.index('<svg class="load-chart"') < page.index('<table class="performance"')


@pytest.mark.parametrize(
    ("value", "text"),
    [(812.44, "812.4"), (1e300, "1e+300"), (float("nan"), "-"), (float("-inf"), "-"), (True, "-")],
)
def test_table_numbers_stay_short_and_finite(value: Any, text: str) -> None:
    assert number_text(value) == text
