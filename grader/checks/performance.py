"""Performance: load measured against the reference in the same run, and cost growth with data.

The performance suite (hidden_tests/performance/) runs in the harness container beside each
service, in rounds: the first writes the dataset (growth is measured on the way) and drives the
load; the second drives the load again on the same data, found through the dataset handle the
first round returned. The reference and the candidate take turns (reference, candidate,
reference, candidate) so that a drift of the machine touches both. Scores come from ratios:
candidate/reference throughput and p95 per endpoint, and each probe's own growth from N to 10N
entries, on the rubric's `[performance]` curves. A reference measurement may be reused for a
bounded time (grader/checks/calibration.py).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.checks import calibration
from grader.checks.base import CheckContext, StageOutcome, check_result, scored, wanted
from grader.checks.hidden_suite import HarnessRun, parse_lines
from grader.checks.load_stats import (
    dataset_of,
    growth_summary,
    handle_of,
    load_summary,
    measurements_of,
)
from grader.model import CheckResult, Status
from grader.paths import REFERENCE_DIR, cache_dir
from grader.rubric import Check, Curve, PerformancePolicy
from grader.sandbox.base import Progress, Sandbox, SuiteRequest

SOURCE = "performance"
CHECK_IDS = (
    "performance.load.throughput",
    "performance.load.latency",
    "performance.load.errors",
    "performance.growth.entries",
    "performance.growth.summary",
    "performance.growth.balance_as_of",
)
SCALE_ENV = "GRADER_PERFORMANCE_SCALE"
SCALES = ("full", "small")
ROUNDS = 2
SCORED_ENDPOINTS = ("entries", "summary", "balance_as_of", "transfer")
GROWTH_PROBES = {
    "performance.growth.entries": ("entries_first", "entries_deep"),
    "performance.growth.summary": ("summary",),
    "performance.growth.balance_as_of": ("balance_as_of",),
}
# Load parameters of hidden_tests/performance/dataset.py's scales: part of the cache key.
LOAD_PARAMETERS = {"concurrency": 16, "rounds": ROUNDS, "suite": "performance-v1"}
SUITE_PREFIX = "performance"
LOAD_PREFIX = "performance.load"
SMALL_HISTORY = (
    "Not measured: the batch endpoint did not work, so the history was written one request at "
    "a time at a smaller scale, too small to judge growth (the endpoint is graded under API "
    "design)."
)


@dataclass
class ServiceRounds:
    """One service's session and the harness runs made against it so far."""

    name: str
    root: Path
    request: SuiteRequest
    scale: str
    runs: list[HarnessRun] = field(default_factory=list)
    session: Any = None

    def next_request(self) -> SuiteRequest | None:
        """The request of the next round; None when the first round left nothing to reuse."""
        scale = ("scale", self.scale)
        if not self.runs:
            return replace(self.request, only=(SUITE_PREFIX,), options=(scale,))
        handle = handle_of(measurements_of(self.runs[0].lines))
        if not handle:
            return None
        return replace(self.request, only=(LOAD_PREFIX,), options=(scale, ("dataset", handle)))


def needs_run(context: CheckContext) -> bool:
    """Whether `--only` selects any performance check."""
    return bool(wanted(context, SOURCE))


def chosen_scale() -> str:
    """`full` for grading; the grader's own tests set GRADER_PERFORMANCE_SCALE=small."""
    scale = os.environ.get(SCALE_ENV, "full").strip() or "full"
    return scale if scale in SCALES else "full"


def sandbox_identity(sandbox: Sandbox) -> str:
    """The sandbox kind and its images' content tags (Docker), for the calibration key."""
    images = [str(getattr(sandbox, attr, "")) for attr in ("runtime_image", "harness_image")]
    return ":".join([sandbox.name, *images])


def run(context: CheckContext, *, sandbox: Sandbox, seed: int, progress: Progress) -> StageOutcome:
    """Measure the candidate (and the reference unless a fresh calibration is cached); score."""
    checks = wanted(context, SOURCE)
    if not checks:
        return StageOutcome()
    policy = context.rubric.performance
    scale = chosen_scale()
    key = calibration.cache_key(
        machine_id=calibration.machine(),
        sandbox_id=sandbox_identity(sandbox),
        reference=calibration.tree_hash(REFERENCE_DIR),
        load={**LOAD_PARAMETERS, "scale": scale, "seed": seed},
    )
    folder = cache_dir() / "performance"
    max_age = policy.calibration_max_age_hours * 3600
    hit = calibration.cached(folder, key, now=time.time(), max_age_s=max_age)
    candidate = ServiceRounds("candidate", context.submission.root, SuiteRequest(seed=seed), scale)
    reference = ServiceRounds("reference", REFERENCE_DIR, SuiteRequest(seed=seed), scale)
    started = time.monotonic()
    # Growth is machine-independent: without a load check, one round of the candidate is enough.
    load_wanted = any(check.id.startswith(LOAD_PREFIX) for check in checks)
    rounds = ROUNDS if load_wanted else 1
    services = [reference, candidate] if load_wanted and not hit else [candidate]
    measure_interleaved(sandbox, services, progress, rounds=rounds)
    candidate_summary = summarize(candidate.runs, rounds=rounds)
    if hit or not load_wanted:
        reference_summary, age = hit or ({}, 0.0)
        origin = f"cached calibration {key[:12]}, measured {age / 60:.0f} min ago"
    else:
        reference_summary = summarize(reference.runs, rounds=rounds)
        origin = f"measured in this run, interleaved with the candidate (calibration {key[:12]})"
        if not reference_problem(reference_summary):
            calibration.store(folder, key, reference_summary, now=time.time())
    duration = time.monotonic() - started
    return score(
        checks,
        candidate=candidate_summary,
        reference=reference_summary,
        policy=policy,
        origin=origin,
        duration=duration,
    )


def measure_interleaved(
    sandbox: Sandbox, services: list[ServiceRounds], progress: Progress, *, rounds: int
) -> None:
    """Round by round, each service in turn; sessions stay open so the data is reused."""
    with contextlib.ExitStack() as stack:
        for number in range(1, rounds + 1):
            for service in services:
                request = service.next_request()
                if request is None or (service.runs and not ready(service.runs[0])):
                    continue
                if service.session is None:
                    service.session = stack.enter_context(
                        sandbox.session(service.root, service.request, progress)
                    )
                progress(f"performance: {service.name}, round {number} of {rounds}")
                service.runs.append(service.session.run_harness(request))


def ready(run: HarnessRun) -> bool:
    records, _ = parse_lines(run.lines)
    return any(r.get("type") == "ready" and r.get("ok") is True for r in records)


def summarize(runs: list[HarnessRun], *, rounds: int = ROUNDS) -> dict[str, Any]:
    """What the rounds measured of one service, as plain data (cacheable, comparable)."""
    if not runs:
        return {"not_measured": "the service was never measured"}
    first = runs[0]
    if not ready(first):
        detail = first.fate.describe() or "it did not answer /readyz in time"
        return {"not_ready": detail}
    measured = [measurements_of(run.lines) for run in runs]
    notes = [
        f"round {index} ran out of its {run.budget_s:g} s budget"
        for index, run in enumerate(runs, start=1)
        if run.timed_out
    ]
    if len(runs) < rounds:
        notes.append(f"only {len(runs)} of {rounds} rounds ran")
    return {
        "dataset": dataset_of(measured[0]),
        "growth": growth_summary(measured[0]),
        "load": load_summary(measured),
        "notes": notes,
    }


def reference_problem(summary: dict[str, Any]) -> str:
    """Why the reference's numbers cannot serve as a yardstick ("" when they can)."""
    if "not_ready" in summary or "not_measured" in summary:
        return f"the reference could not be measured: {summary.get('not_ready', '')}".strip()
    dataset = summary.get("dataset") or {}
    if dataset.get("mode") != "batch":
        return f"the reference's dataset was not written in batches: {dataset.get('reason')}"
    missing = [e for e in SCORED_ENDPOINTS if "p95_ms" not in summary.get("load", {}).get(e, {})]
    if missing:
        return f"the reference's load was not measured on {', '.join(missing)}"
    return ""


def ramp(value: float, curve: Curve) -> float:
    """Credit 0..1 for a ratio on a curve: linear between `zero` and `full`, clamped."""
    share = (value - curve.zero) / (curve.full - curve.zero)
    return min(max(share, 0.0), 1.0)


def score(
    checks: list[Check],
    *,
    candidate: dict[str, Any],
    reference: dict[str, Any],
    policy: PerformancePolicy,
    origin: str,
    duration: float,
) -> StageOutcome:
    """One result per selected check from the two summaries."""
    load_wanted = any(check.id.startswith(LOAD_PREFIX) for check in checks)
    problem = reference_problem(reference) if load_wanted else ""
    unmeasured = not_measurable(candidate)
    results: list[CheckResult] = []
    context = context_evidence(candidate, reference, origin)
    for check in checks:
        if unmeasured:
            results.append(check_result(check, Status.SKIPPED, message=unmeasured))
        elif problem and check.id.startswith(LOAD_PREFIX):
            results.append(
                check_result(check, Status.ERROR, message="Not measured: grader problem.")
            )
        elif check.id in GROWTH_PROBES and small_history(candidate):
            results.append(check_result(check, Status.SKIPPED, message=SMALL_HISTORY))
        elif check.id in GROWTH_PROBES:
            results.append(growth_result(check, candidate, policy, context=context))
        else:
            results.append(load_result(check, candidate, reference, policy, context=context))
    results = [replace(r, duration_s=round(duration, 3)) for r in results]
    return StageOutcome(checks=tuple(results), problems=(problem,) if problem else ())


def small_history(summary: dict[str, Any]) -> bool:
    """Whether the history was written one request at a time, too small to judge growth."""
    return (summary.get("dataset") or {}).get("mode") != "batch"


def not_measurable(summary: dict[str, Any]) -> str:
    """A candidate-safe reason nothing could be measured, when that is not performance's fault."""
    if "not_ready" in summary:
        return "Not measured: the service never became ready (see the readiness check)."
    if "not_measured" in summary:
        return "Not measured: the performance run could not start."
    dataset = summary.get("dataset") or {}
    if dataset.get("mode", "none") == "none":
        return (
            "Not measured: no way to write entries worked (batch, single transfers, deposits); "
            "those endpoints are graded under API design and data integrity."
        )
    return ""


def context_evidence(
    candidate: dict[str, Any], reference: dict[str, Any], origin: str
) -> dict[str, Any]:
    """How the numbers were obtained, for every check's evidence."""
    lines = [f"Reference: {origin}."]
    for name, summary in (("candidate", candidate), ("reference", reference)):
        dataset = summary.get("dataset") or {}
        lines.append(
            f"{name} dataset: {dataset.get('entries', 0):,} entries via {dataset.get('mode')} "
            f"(scale {dataset.get('scale')}) in {dataset.get('write_seconds', 0)} s, "
            f"{dataset.get('entries_per_s', 0):,} entries/s"
            + ("; seeding budget exceeded" if dataset.get("budget_exceeded") else "")
            + (f"; {dataset['reason']}" if dataset.get("reason") else "")
        )
        healthz = (summary.get("load") or {}).get("healthz") or {}
        if "throughput_rps" in healthz:
            lines.append(
                f"{name} /healthz (load generator ceiling): {healthz['throughput_rps']} req/s, "
                f"generator CPU {healthz.get('client_cpu_share', 0):.0%} of one core"
            )
        lines += [f"{name}: {note}" for note in summary.get("notes") or []]
    return {"kind": "text", "title": "How this was measured", "text": "\n".join(lines)}


def load_result(
    check: Check,
    candidate: dict[str, Any],
    reference: dict[str, Any],
    policy: PerformancePolicy,
    *,
    context: dict[str, Any],
) -> CheckResult:
    """Throughput, latency or errors over the endpoints the candidate implements."""
    rows, unavailable = [], []
    for endpoint in SCORED_ENDPOINTS:
        mine = (candidate.get("load") or {}).get(endpoint) or {}
        theirs = (reference.get("load") or {}).get(endpoint) or {}
        if "p95_ms" not in mine:
            unavailable.append(f"{endpoint} ({mine.get('unavailable', 'not measured')})")
            continue
        rows.append((endpoint, mine, theirs))
    if not rows:
        return check_result(
            check,
            Status.SKIPPED,
            message="Not measured: none of the measured endpoints is implemented.",
        )
    skipped = f" Not measured: {', '.join(unavailable)}." if unavailable else ""
    if check.id == "performance.load.errors":
        evidence = [context] + [load_evidence(e, mine, ratio=None) for e, mine, _ in rows]
        worst = max(rows, key=lambda row: row[1]["error_rate"])
        ok = all(mine["error_rate"] <= policy.max_error_rate for _, mine, _ in rows)
        message = f"Highest error rate under load: {worst[1]['error_rate']:.1%} on {worst[0]}."
        return scored(check, 1.0 if ok else 0.0, message=message + skipped, evidence=evidence)
    field_name, curve = (
        ("throughput_rps", policy.throughput)
        if check.id == "performance.load.throughput"
        else ("p95_ms", policy.latency)
    )
    ratios = [ratio_of(mine.get(field_name), theirs.get(field_name)) for _, mine, theirs in rows]
    evidence = [context] + [
        load_evidence(endpoint, mine, ratio=ratio, ratio_of=field_name)
        for (endpoint, mine, _), ratio in zip(rows, ratios, strict=True)
    ]
    share = ramp(combined_ratio(ratios), curve)
    message = load_message(check.id, rows, ratios) + skipped
    return scored(check, share, message=message, evidence=evidence)


def combined_ratio(ratios: list[float | None]) -> float:
    """The geometric mean of the endpoints' ratios: one noisy endpoint moves it only a little.

    An endpoint the reference cannot be compared on counts as a ratio of 1 (no evidence either
    way); a zero ratio (nothing succeeded) counts as a tiny one.
    """
    values = [max(r, 1e-3) if r is not None else 1.0 for r in ratios]
    return statistics.geometric_mean(values) if values else 1.0


def ratio_of(mine: Any, theirs: Any) -> float | None:
    """mine/theirs for positive numbers; None when the reference has nothing to compare with."""
    if not isinstance(mine, int | float) or not isinstance(theirs, int | float) or theirs <= 0:
        return None
    return round(float(mine) / float(theirs), 3)


def load_message(
    check_id: str,
    rows: list[tuple[str, dict[str, Any], dict[str, Any]]],
    ratios: list[float | None],
) -> str:
    parts = [
        f"{endpoint} {ratio:.2f}x" if ratio is not None else f"{endpoint} n/a"
        for (endpoint, _, _), ratio in zip(rows, ratios, strict=True)
    ]
    what = "Throughput" if check_id == "performance.load.throughput" else "p95 latency"
    return (
        f"{what} relative to a known-good implementation on this machine: "
        f"{combined_ratio(ratios):.2f}x overall ({', '.join(parts)})."
    )


def load_evidence(
    endpoint: str,
    mine: dict[str, Any],
    *,
    ratio: float | None,
    growth: float | None = None,
    ratio_of: str | None = None,
) -> dict[str, Any]:
    """One endpoint's measurement; `ratio_of` names the field the reference ratio compares."""
    return {
        "kind": "load",
        "endpoint": endpoint,
        "p50_ms": mine.get("p50_ms"),
        "p95_ms": mine.get("p95_ms"),
        "p99_ms": mine.get("p99_ms"),
        "throughput_rps": mine.get("throughput_rps"),
        "error_rate": mine.get("error_rate"),
        "ratio_to_reference": ratio,
        "ratio_of": ratio_of,
        "growth_ratio": growth,
    }


def growth_result(
    check: Check, candidate: dict[str, Any], policy: PerformancePolicy, *, context: dict[str, Any]
) -> CheckResult:
    """The worst growth ratio among the check's probes, on the growth curve."""
    growth = candidate.get("growth") or {}
    measured, unavailable, failures = [], [], []
    for probe in GROWTH_PROBES[check.id]:
        result = growth.get(probe) or {"failure": "not measured"}
        if result.get("unavailable"):
            unavailable.append(f"{probe} ({result['unavailable']})")
        elif result.get("failure"):
            failures.append(f"{probe}: {result['failure']}")
        else:
            measured.append((probe, result))
    if not measured and not failures:
        reason = ", ".join(unavailable) or "nothing measured"
        return check_result(check, Status.SKIPPED, message=f"Not measured: {reason}.")
    evidence = [context] + [
        load_evidence(
            f"growth: {probe}",
            {"p50_ms": r["median_large_ms"], "p95_ms": r["p95_large_ms"]},
            ratio=None,
            growth=r["growth_ratio"],
        )
        for probe, r in measured
    ]
    if failures:
        return scored(check, 0.0, message="; ".join(failures)[:300] + ".", evidence=evidence)
    worst_probe, worst = max(measured, key=lambda item: item[1]["growth_ratio"])
    small, large = worst["sizes"]
    message = (
        f"Latency grew {worst['growth_ratio']:.2f}x from {small:,} to {large:,} entries of "
        f"history ({worst_probe}: {worst['median_small_ms']} ms -> {worst['median_large_ms']} ms)."
    )
    if unavailable:
        message += f" Not measured: {', '.join(unavailable)}."
    return scored(
        check, ramp(worst["growth_ratio"], policy.growth), message=message, evidence=evidence
    )
