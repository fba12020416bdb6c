"""Reviewer-only inline SVG of the performance ratios: candidate/reference and growth per endpoint.

The numbers come from `load` evidence (grader/checks/performance.py), which a saved results.json
may carry edited: a value that is not a finite, non-negative number is drawn as `n/a`, a huge one
is clipped at the axis end with its real value written beside it, and labels are escaped by the
markup builder. Colours are SVG presentation attributes, so the page's CSS and its
Content-Security-Policy need nothing new.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.report.markup import Markup, el, join
from grader.report.view import text_of
from grader.rubric import PerformancePolicy

LABEL_WIDTH = 230
BAR_WIDTH = 400
VALUE_WIDTH = 90
ROW = 22
BAR_HEIGHT = 14
GROUP_GAP = 12
# The axis grows with the data up to this many times the reference; beyond, bars are clipped.
AXIS_CAP = 10.0
AXIS_FLOOR = 2.0
MAX_ROWS = 40
MAX_LABEL_CHARS = 32
MAX_TITLE_CHARS = 200
COLOURS = {"meets": "#1a7f37", "misses": "#cf222e", "neutral": "#0969da"}
TRACK_COLOUR = "#eaeef2"
LINE_COLOUR = "#1f2328"
# Which measurement a `ratio_to_reference` compares, when the evidence says (`ratio_of`).
RATIO_FIELDS = {"throughput_rps": "throughput", "p95_ms": "latency"}


@dataclass(frozen=True, slots=True)
class Group:
    """One block of bars: what the ratio is, and which way is better."""

    key: str
    title: str
    higher_is_better: bool


GROUPS = (
    Group("throughput", "Throughput, candidate/reference (higher is better)", True),
    Group("latency", "p95 latency, candidate/reference (lower is better)", False),
    Group("ratio", "Ratio to reference (the evidence does not say of what)", True),
    Group("growth", "Latency growth from N to 10N entries of history (lower is better)", False),
)


@dataclass(frozen=True, slots=True)
class Bar:
    """One endpoint's ratio in a group; `value` is None when it cannot be drawn."""

    label: str
    value: float | None
    shown: str


def ratio_value(raw: Any) -> float | None:
    """A finite, non-negative number, or None."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    value = float(raw)
    return value if math.isfinite(value) and value >= 0 else None


def ratio_text(value: float | None) -> str:
    """`1.23x`; large values in short scientific form; `n/a` when not a usable number."""
    if value is None:
        return "n/a"
    return f"{value:.2f}x" if value < 1000 else f"{value:.3g}x"


def group_key(evidence: dict[str, Any]) -> str | None:
    """The ratio group of a load item with a reference ratio, None without one."""
    ratio_of = evidence.get("ratio_of")
    if isinstance(ratio_of, str) and ratio_of in RATIO_FIELDS:
        return RATIO_FIELDS[ratio_of]
    return "ratio" if evidence.get("ratio_to_reference") is not None else None


def bars_by_group(measurements: Sequence[dict[str, Any]]) -> dict[str, list[Bar]]:
    """Each group's bars in evidence order; an item with a growth ratio lands in `growth`."""
    groups: dict[str, list[Bar]] = {group.key: [] for group in GROUPS}
    for evidence in measurements:
        label = text_of(evidence.get("endpoint")) or "?"
        key = group_key(evidence)
        if key is not None:
            value = ratio_value(evidence.get("ratio_to_reference"))
            groups[key].append(Bar(label, value, ratio_text(value)))
        if evidence.get("growth_ratio") is not None:
            growth = ratio_value(evidence.get("growth_ratio"))
            groups["growth"].append(Bar(label, growth, ratio_text(growth)))
    return groups


def full_credit(group: Group, policy: PerformancePolicy | None) -> float | None:
    """The ratio the rubric's curve gives full credit at, when the group has a curve."""
    if policy is None:
        return None
    curves = {"throughput": policy.throughput, "latency": policy.latency, "growth": policy.growth}
    curve = curves.get(group.key)
    return curve.full if curve is not None else None


def axis_end(bars: Sequence[Bar], threshold: float | None) -> float:
    """The ratio at the right edge: room for every value and line, within the cap."""
    values = [bar.value for bar in bars if bar.value is not None]
    if threshold is not None:
        values.append(threshold)
    return float(min(AXIS_CAP, max([AXIS_FLOOR, *values])))


def _x(value: float, end: float) -> float:
    return round(LABEL_WIDTH + BAR_WIDTH * min(value, end) / end, 1)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_colour(bar: Bar, group: Group, threshold: float | None) -> str:
    """Green where the rubric gives full credit, red where it does not, blue without a curve."""
    if threshold is None or bar.value is None:
        return COLOURS["neutral"]
    meets = bar.value >= threshold if group.higher_is_better else bar.value <= threshold
    return COLOURS["meets" if meets else "misses"]


def bar_row(bar: Bar, *, group: Group, top: int, end: float, threshold: float | None) -> Markup:
    """A label, a track, the bar (with its exact value as a tooltip) and the value text."""
    clipped = bar.value is not None and bar.value > end
    width = 0.0 if bar.value is None else round(_x(bar.value, end) - LABEL_WIDTH, 1)
    return join(
        (
            el("text", _short(bar.label, MAX_LABEL_CHARS), x=0, y=top + 12),
            el("rect", x=LABEL_WIDTH, y=top, width=BAR_WIDTH, height=BAR_HEIGHT, fill=TRACK_COLOUR),
            el(
                "rect",
                el("title", f"{_short(bar.label, MAX_TITLE_CHARS)}: {bar.shown}"),
                class_="ratio-bar clipped" if clipped else "ratio-bar",
                data_group=group.key,
                data_endpoint=_short(bar.label, MAX_TITLE_CHARS),
                data_ratio=bar.shown,
                x=LABEL_WIDTH,
                y=top,
                width=width,
                height=BAR_HEIGHT,
                fill=bar_colour(bar, group, threshold),
            ),
            el("text", bar.shown, x=LABEL_WIDTH + BAR_WIDTH + 8, y=top + 12),
        )
    )


def marker(
    value: float, *, end: float, top: int, bottom: int, label: str, css_class: str, above: bool
) -> Markup | None:
    """A vertical line across a group's rows, labelled above (dashed) or below; None off the axis.

    The 1x line and a full-credit line may be a few pixels apart: their labels sit on
    opposite ends so that they never overlap.
    """
    if value > end:
        return None
    x = _x(value, end)
    return join(
        (
            el(
                "line",
                el("title", label),
                class_=css_class,
                x1=x,
                x2=x,
                y1=top - 4,
                y2=bottom,
                stroke=LINE_COLOUR,
                stroke_width=1.5,
                stroke_dasharray="4 3" if above else None,
            ),
            el("text", label, x=x + 3, y=top - 6 if above else bottom + 12, font_size=11),
        )
    )


def group_block(
    group: Group, bars: Sequence[Bar], *, top: int, policy: PerformancePolicy | None
) -> tuple[Markup, int]:
    """A group's title, bars and lines, and the y where the next group starts."""
    threshold = full_credit(group, policy)
    end = axis_end(bars, threshold)
    shown = bars[:MAX_ROWS]
    rows_top = top + 2 * ROW
    bottom = rows_top + len(shown) * ROW
    more = len(bars) - len(shown)
    next_top = bottom + ROW + (ROW if more else 0) + GROUP_GAP
    parts = [
        el("text", group.title, x=0, y=top + 14),
        join(
            bar_row(bar, group=group, top=rows_top + index * ROW, end=end, threshold=threshold)
            for index, bar in enumerate(shown)
        ),
        marker(
            1.0, end=end, top=rows_top, bottom=bottom, label="1x", css_class="parity", above=False
        ),
        marker(
            threshold,
            end=end,
            top=rows_top,
            bottom=bottom,
            label=f"full credit {threshold:g}x",
            css_class="full-credit",
            above=True,
        )
        if threshold is not None
        else None,
        el("text", f"{more} more not charted (see the table)", x=0, y=bottom + ROW + 14)
        if more
        else None,
    ]
    return el("g", join(parts), class_=f"ratio-group {group.key}"), next_top


def load_chart(
    measurements: Sequence[dict[str, Any]], *, policy: PerformancePolicy | None = None
) -> Markup | None:
    """Horizontal ratio bars per endpoint, grouped by measurement; None when nothing to chart.

    With the rubric's `policy`, a dashed line marks each curve's full-credit ratio.
    """
    groups = bars_by_group(measurements)
    blocks, top = [], 0
    for group in GROUPS:
        if groups[group.key]:
            block, top = group_block(group, groups[group.key], top=top, policy=policy)
            blocks.append(block)
    if not blocks:
        return None
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    return el(
        "svg",
        join(blocks),
        class_="load-chart",
        viewBox=f"0 0 {width} {top}",
        width=width,
        height=top,
        role="img",
        aria_label="Candidate/reference ratios and growth ratios per endpoint",
    )
