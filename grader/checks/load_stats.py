"""The performance suite's raw measurements, read defensively and reduced to comparable numbers.

The harness records exact latencies per request (see hidden_tests/performance/). The records pass
through the candidate's answers, so every field is checked before use; what cannot be read is
left out and said so. Summaries are plain JSON-ready dicts: they are cached for the reference.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from grader.checks.hidden_suite import parse_lines

LOAD_ENDPOINTS = ("healthz", "entries", "summary", "balance_as_of", "transfer")
GROWTH_PROBES = ("control", "entries_first", "entries_deep", "summary", "balance_as_of")
MAX_LATENCIES = 100_000
HANDLE = re.compile(r"^[0-9a-f]{2,20000}$")
# The control probe's change is the machine's own drift; outside this band it is not trusted.
CONTROL_BAND = (0.67, 1.5)


def percentile(ordered: Sequence[float], q: float) -> float:
    """The exact nearest-rank percentile `q` (0..100) of already sorted values."""
    if not ordered:
        raise ValueError("percentile of no values")
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[min(rank, len(ordered)) - 1]


def latencies_of(value: Any) -> list[float]:
    """The finite, non-negative numbers of a latency list (anything else is dropped)."""
    if not isinstance(value, list):
        return []
    return [
        float(x)
        for x in value[:MAX_LATENCIES]
        if isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and x >= 0
    ]


def number(value: Any, default: float = 0.0) -> float:
    """A finite float, or `default`."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return default


def text(value: Any, limit: int = 300) -> str:
    return value[:limit] if isinstance(value, str) else ""


def statuses_of(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    return {str(k)[:20]: int(v) for k, v in value.items() if isinstance(v, int) and v >= 0}


def measurements_of(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Every measurement dict the suite's tests attached, in order."""
    records, _ = parse_lines(lines)
    found: list[dict[str, Any]] = []
    for record in records:
        if record.get("type") != "test" or not isinstance(record.get("measurements"), list):
            continue
        found.extend(m for m in record["measurements"] if isinstance(m, dict))
    return found


def handle_of(measurements: list[dict[str, Any]]) -> str:
    """The dataset handle a later round needs; "" when absent or malformed."""
    for m in measurements:
        if m.get("kind") == "handle" and isinstance(m.get("value"), str):
            return m["value"] if HANDLE.match(m["value"]) else ""
    return ""


def load_summary(rounds: list[list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per endpoint, all rounds merged: exact percentiles, throughput of 2xx, error rate."""
    merged: dict[str, dict[str, Any]] = {}
    for measurements in rounds:
        for m in measurements:
            endpoint = m.get("endpoint")
            if m.get("kind") != "load" or endpoint not in LOAD_ENDPOINTS:
                continue
            slot = merged.setdefault(
                endpoint,
                {"latencies": [], "statuses": {}, "elapsed": 0.0, "cpu": 0.0, "notes": []},
            )
            if m.get("unavailable"):
                slot["unavailable"] = text(m["unavailable"])
                continue
            slot["latencies"] += latencies_of(m.get("latencies_ms"))
            for status, count in statuses_of(m.get("statuses")).items():
                slot["statuses"][status] = slot["statuses"].get(status, 0) + count
            slot["elapsed"] += number(m.get("elapsed_s"))
            slot["cpu"] += number(m.get("client_cpu_s"))
            if m.get("budget_exceeded") is True:
                slot["notes"].append("stopped at its time budget")
            if text(m.get("first_failure")):
                slot["notes"].append(text(m["first_failure"]))
    return {endpoint: endpoint_summary(slot) for endpoint, slot in sorted(merged.items())}


def endpoint_summary(slot: dict[str, Any]) -> dict[str, Any]:
    latencies = sorted(slot["latencies"])
    if not latencies:
        return {"unavailable": slot.get("unavailable") or "no measured requests"}
    total = sum(slot["statuses"].values()) or len(latencies)
    ok = sum(n for status, n in slot["statuses"].items() if status.isdigit() and status < "300")
    elapsed = slot["elapsed"]
    return {
        "requests": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 3),
        "p95_ms": round(percentile(latencies, 95), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
        "throughput_rps": round(ok / elapsed, 1) if elapsed > 0 else 0.0,
        "error_rate": round(1 - ok / total, 4),
        "client_cpu_share": round(slot["cpu"] / elapsed, 3) if elapsed > 0 else 0.0,
        "notes": sorted(set(slot["notes"]))[:3],
    }


def paired_median(probe: list[float], control: list[float]) -> float | None:
    """Median of the probe's latency over the control's, request by request (same turn)."""
    pairs = [p / c for p, c in zip(probe, control, strict=False) if c > 0]
    return statistics.median(pairs) if pairs else None


def growth_summary(measurements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per probe: medians at N and 10N and the growth ratio, drift-corrected by the control."""
    points = sorted(
        (
            (number(m.get("size")), m["probes"])
            for m in measurements
            if m.get("kind") == "growth" and isinstance(m.get("probes"), dict)
        ),
        key=lambda point: point[0],
    )
    if len(points) < 2:
        return {}
    (small_size, small), (large_size, large) = points[0], points[-1]
    control_small = latencies_of(_probe(small, "control").get("latencies_ms"))
    control_large = latencies_of(_probe(large, "control").get("latencies_ms"))
    out: dict[str, dict[str, Any]] = {}
    for name in GROWTH_PROBES[1:]:
        out[name] = probe_growth(
            _probe(small, name),
            _probe(large, name),
            controls=(control_small, control_large),
            sizes=(small_size, large_size),
        )
    return out


def _probe(point: dict[str, Any], name: str) -> dict[str, Any]:
    value = point.get(name)
    return value if isinstance(value, dict) else {"unavailable": "not measured"}


def probe_growth(
    small: dict[str, Any],
    large: dict[str, Any],
    *,
    controls: tuple[list[float], list[float]],
    sizes: tuple[float, float],
) -> dict[str, Any]:
    """One probe's growth between the two points (None ratio when it cannot be measured)."""
    for point in (small, large):
        if point.get("failure"):
            return {"failure": text(point["failure"])}
        if point.get("unavailable"):
            return {"unavailable": text(point["unavailable"])}
    a, b = latencies_of(small.get("latencies_ms")), latencies_of(large.get("latencies_ms"))
    ok_a, ok_b = _all_ok(small), _all_ok(large)
    if not a or not b:
        return {"failure": "no timed requests"}
    if not (ok_a and ok_b):
        return {"failure": "some timed requests did not answer 2xx"}
    raw = statistics.median(b) / statistics.median(a)
    return {
        "sizes": [int(sizes[0]), int(sizes[1])],
        "median_small_ms": round(statistics.median(a), 3),
        "median_large_ms": round(statistics.median(b), 3),
        "p95_large_ms": round(percentile(sorted(b), 95), 3),
        "raw_ratio": round(raw, 3),
        "growth_ratio": round(raw / machine_drift(a, b, controls), 3),
    }


def machine_drift(
    small: list[float], large: list[float], controls: tuple[list[float], list[float]]
) -> float:
    """How much slower the machine itself was at the second point, from the control probe.

    Each request is divided by the control request of its turn, so a burst of load on the
    machine cancels out; the factor is bounded (CONTROL_BAND) so that a control which itself
    slows down with the data can hide only a little growth.
    """
    norm_small, norm_large = paired_median(small, controls[0]), paired_median(large, controls[1])
    if not norm_small or not norm_large:
        return 1.0
    raw = statistics.median(large) / statistics.median(small)
    drift = raw / (norm_large / norm_small)
    return min(max(drift, CONTROL_BAND[0]), CONTROL_BAND[1])


def _all_ok(point: dict[str, Any]) -> bool:
    statuses = statuses_of(point.get("statuses"))
    return bool(statuses) and all(s.isdigit() and s < "300" for s in statuses)


def dataset_of(measurements: list[dict[str, Any]]) -> dict[str, Any]:
    """The seeding record, with only the known fields."""
    for m in measurements:
        if m.get("kind") == "dataset":
            return {
                "mode": text(m.get("mode"), 20) or "none",
                "reason": text(m.get("reason")),
                "scale": text(m.get("scale"), 40),
                "entries": int(number(m.get("entries"))),
                "write_seconds": round(number(m.get("write_seconds")), 3),
                "entries_per_s": round(number(m.get("entries_per_s")), 1),
                "budget_exceeded": m.get("budget_exceeded") is True,
            }
    return {}
