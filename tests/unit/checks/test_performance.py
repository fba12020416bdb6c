"""The performance stage's pure parts: percentiles, curves, ratios, growth, caching and scoring."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from grader.checks import calibration
from grader.checks.hidden_suite import HarnessRun, ServiceFate
from grader.checks.load_stats import (
    growth_summary,
    handle_of,
    load_summary,
    measurements_of,
    percentile,
    probe_growth,
)
from grader.checks.performance import (
    CHECK_IDS,
    ServiceRounds,
    combined_ratio,
    ramp,
    score,
    summarize,
)
from grader.harness.run import parse_args, parse_options, performance_only
from grader.model import Status
from grader.paths import RUBRIC_PATH
from grader.rubric import Curve, PerformancePolicy, load_rubric
from grader.sandbox.base import SuiteRequest, harness_args

POLICY = PerformancePolicy()


def checks() -> list[Any]:
    rubric = load_rubric(RUBRIC_PATH)
    return list(rubric.by_source("performance"))


def load_record(endpoint: str, latency: float, *, n: int = 100, errors: int = 0) -> dict[str, Any]:
    return {
        "kind": "load",
        "endpoint": endpoint,
        "latencies_ms": [latency] * n,
        "statuses": {"200": n - errors, **({"500": errors} if errors else {})},
        "elapsed_s": n * latency / 1000 / 16,
        "client_cpu_s": 0.1,
    }


def growth_point(size: int, latency: float, control: float = 1.0) -> dict[str, Any]:
    probe = {"latencies_ms": [latency] * 30, "statuses": {"200": 30}}
    return {
        "kind": "growth",
        "size": size,
        "probes": {
            "control": {"latencies_ms": [control] * 30, "statuses": {"200": 30}},
            **dict.fromkeys(("entries_first", "entries_deep", "summary"), probe),
            "balance_as_of": {"unavailable": "HTTP 501"},
        },
    }


def service(
    latency: float,
    *,
    growth: float = 1.0,
    mode: str = "batch",
    errors: int = 0,
    transfer: bool = False,
) -> dict[str, Any]:
    """A summary as `summarize` builds it, for a service of a given speed and growth."""
    rounds = [
        [
            {"kind": "dataset", "mode": mode, "entries": 240_000, "write_seconds": 20.0},
            growth_point(2000, 2.0),
            growth_point(20000, 2.0 * growth),
            *(load_record(e, latency, errors=errors) for e in ("healthz", "entries", "summary")),
            load_record("balance_as_of", latency),
            load_record("transfer", latency)
            if transfer
            else {"kind": "load", "endpoint": "transfer", "unavailable": "HTTP 501"},
        ]
    ]
    runs = [
        HarnessRun(
            lines=tuple(
                [json.dumps({"type": "ready", "ok": True})]
                + [json.dumps({"type": "test", "measurements": r}) for r in rounds]
            ),
            timed_out=False,
            budget_s=330,
            fate=ServiceFate(running=True),
        )
    ]
    return summarize(runs, rounds=1)


def by_id(outcome: Any) -> dict[str, Any]:
    return {result.id: result for result in outcome.checks}


# --- percentiles, curves, ratios ---------------------------------------------------------


def test_percentile_is_exact_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


@pytest.mark.parametrize(
    ("value", "curve", "share"),
    [
        (1.0, Curve(full=0.6, zero=0.2), 1.0),
        (0.4, Curve(full=0.6, zero=0.2), 0.5),
        (0.1, Curve(full=0.6, zero=0.2), 0.0),
        (1.5, Curve(full=1.5, zero=2.5), 1.0),
        (2.0, Curve(full=1.5, zero=2.5), 0.5),
        (9.0, Curve(full=1.5, zero=2.5), 0.0),
    ],
)
def test_ramp_is_linear_between_zero_and_full_and_clamped(
    value: float, curve: Curve, share: float
) -> None:
    assert ramp(value, curve) == pytest.approx(share)


def test_combined_ratio_is_the_geometric_mean_with_unknowns_neutral() -> None:
    assert combined_ratio([2.0, 0.5]) == pytest.approx(1.0)
    assert combined_ratio([4.0, None]) == pytest.approx(2.0)
    assert combined_ratio([0.0]) == pytest.approx(1e-3)


@pytest.mark.parametrize(
    "bad",
    [
        {"throughput": {"full": 0.2, "zero": 0.6}},
        {"latency": {"full": 5.0, "zero": 2.0}},
        {"growth": {"full": 2.0, "zero": 2.0}},
        {"max_error_rate": 2},
    ],
)
def test_policy_rejects_curves_pointing_the_wrong_way(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PerformancePolicy.model_validate(bad)


def test_rubric_declares_every_check_of_the_stage() -> None:
    assert {check.id for check in checks()} == set(CHECK_IDS)


# --- growth -------------------------------------------------------------------------------


def test_growth_ratio_of_a_flat_probe_is_one() -> None:
    growth = growth_summary([growth_point(2000, 3.0), growth_point(20000, 3.0)])
    assert growth["entries_first"]["growth_ratio"] == pytest.approx(1.0)
    assert growth["balance_as_of"] == {"unavailable": "HTTP 501"}


def test_growth_is_corrected_for_the_machine_slowing_down() -> None:
    # Everything 1.4 times slower at the second point, the control too: no growth.
    growth = growth_summary([growth_point(2000, 3.0, 1.0), growth_point(20000, 4.2, 1.4)])
    assert growth["entries_first"]["raw_ratio"] == pytest.approx(1.4)
    assert growth["entries_first"]["growth_ratio"] == pytest.approx(1.0)


def test_drift_correction_is_bounded() -> None:
    # A control that slowed down tenfold can hide at most a factor of 1.5.
    growth = growth_summary([growth_point(2000, 3.0, 1.0), growth_point(20000, 30.0, 10.0)])
    assert growth["summary"]["growth_ratio"] == pytest.approx(10.0 / 1.5, abs=1e-3)


def test_growth_failures_and_errors_are_reported_not_scored_as_flat() -> None:
    ok = {"latencies_ms": [1.0], "statuses": {"200": 1}}
    controls = ([1.0], [1.0])
    assert probe_growth({"failure": "walk too slow"}, ok, controls=controls, sizes=(1, 10)) == {
        "failure": "walk too slow"
    }
    errors = {"latencies_ms": [1.0], "statuses": {"500": 1}}
    assert "failure" in probe_growth(ok, errors, controls=controls, sizes=(1, 10))


# --- untrusted records ----------------------------------------------------------------------


def test_load_summary_ignores_malformed_values() -> None:
    record = {
        "kind": "load",
        "endpoint": "entries",
        "latencies_ms": [1.0, "x", None, True, math.nan, -3, 2.0, 3.0],
        "statuses": {"200": 3, "500": "many", "x": -1},
        "elapsed_s": "fast",
        "client_cpu_s": math.inf,
    }
    strange = [{"kind": "load", "endpoint": "../etc"}, {"kind": "load"}, {"endpoint": "entries"}]
    summary = load_summary([[record, *strange]])
    assert list(summary) == ["entries"]
    assert summary["entries"]["requests"] == 3
    assert summary["entries"]["p99_ms"] == 3.0
    assert summary["entries"]["throughput_rps"] == 0.0
    assert summary["entries"]["error_rate"] == 0.0


def test_measurements_survive_broken_lines() -> None:
    lines = [
        "not json",
        json.dumps({"type": "test", "measurements": [{"kind": "load"}, "x"]}),
        json.dumps({"type": "test", "measurements": "nope"}),
        json.dumps([1, 2]),
    ]
    assert measurements_of(lines) == [{"kind": "load"}]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ab12", "ab12"), ("AB12", ""), ("ab,12", ""), ("", ""), (12, "")],
)
def test_dataset_handle_must_be_lower_case_hex(value: object, expected: str) -> None:
    assert handle_of([{"kind": "handle", "value": value}]) == expected


def test_second_round_carries_the_handle_and_selects_the_load_only() -> None:
    rounds = ServiceRounds("candidate", Path("."), SuiteRequest(seed=3), "small")
    first = rounds.next_request()
    assert first is not None and first.only == ("performance",)
    assert first.options == (("scale", "small"),)
    line = json.dumps({"type": "test", "measurements": [{"kind": "handle", "value": "beef"}]})
    rounds.runs.append(HarnessRun((line,), False, 1.0, ServiceFate(running=True)))
    second = rounds.next_request()
    assert second is not None
    assert second.only == ("performance.load",)
    assert second.options == (("scale", "small"), ("dataset", "beef"))
    assert second.admin_token == rounds.request.admin_token


def test_harness_options_travel_as_arguments_and_the_suite_runs_alone() -> None:
    args = harness_args(
        base_url="http://127.0.0.1:8000",
        tests="/tests",
        results="/results/r.jsonl",
        ready_timeout=30,
        only=("performance.load",),
        options=(("scale", "small"), ("dataset", "beef")),
    )
    parsed = parse_args(args[2:])  # after `-m grader.harness`
    assert parse_options(parsed.option) == {"scale": "small", "dataset": "beef"}
    assert performance_only(("performance.load",))
    assert not performance_only(("performance", "data"))
    assert not performance_only(())
    with pytest.raises(ValueError):
        parse_options(["Bad-Name=1"])


# --- calibration cache ----------------------------------------------------------------------


def test_cache_key_changes_with_every_input() -> None:
    base = {"machine_id": "m", "sandbox_id": "s", "reference": "r", "load": {"scale": "full"}}
    key = calibration.cache_key(**base)  # type: ignore[arg-type]
    assert key == calibration.cache_key(**base)  # type: ignore[arg-type]
    for field, value in [
        ("machine_id", "m2"),
        ("sandbox_id", "s2"),
        ("reference", "r2"),
        ("load", {"scale": "small"}),
    ]:
        assert calibration.cache_key(**{**base, field: value}) != key  # type: ignore[arg-type]


def test_cache_entries_expire_and_bad_files_are_misses(tmp_path: Path) -> None:
    calibration.store(tmp_path, "k1", {"load": {}}, now=1000.0)
    assert calibration.cached(tmp_path, "k1", now=1100.0, max_age_s=200) == ({"load": {}}, 100.0)
    assert calibration.cached(tmp_path, "k1", now=1300.0, max_age_s=200) is None
    assert calibration.cached(tmp_path, "k1", now=900.0, max_age_s=200) is None
    assert calibration.cached(tmp_path, "missing", now=1000.0, max_age_s=200) is None
    (tmp_path / "k2.json").write_text("{broken")
    assert calibration.cached(tmp_path, "k2", now=1000.0, max_age_s=200) is None
    (tmp_path / "k3.json").write_text(json.dumps({"key": "other", "measured_at": 1, "summary": {}}))
    assert calibration.cached(tmp_path, "k3", now=1.0, max_age_s=200) is None


def test_tree_hash_follows_content_not_caches(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("a = 1\n")
    first = calibration.tree_hash(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert calibration.tree_hash(tmp_path) == first
    (tmp_path / "app" / "main.py").write_text("a = 2\n")
    assert calibration.tree_hash(tmp_path) != first


# --- scoring --------------------------------------------------------------------------------


def test_a_service_like_the_reference_earns_everything() -> None:
    outcome = score(
        checks(),
        candidate=service(10.0),
        reference=service(10.0, transfer=True),
        policy=POLICY,
        origin="x",
        duration=1.0,
    )
    results = by_id(outcome)
    assert not outcome.problems
    for check_id in CHECK_IDS:
        expected = Status.SKIPPED if check_id.endswith("balance_as_of") else Status.PASSED
        assert results[check_id].status is expected, check_id
    assert "transfer (HTTP 501)" in results["performance.load.throughput"].message


def test_a_slow_service_loses_throughput_and_latency_by_the_curve() -> None:
    results = by_id(
        score(
            checks(),
            candidate=service(40.0),
            reference=service(10.0, transfer=True),
            policy=POLICY,
            origin="x",
            duration=1.0,
        )
    )
    throughput = results["performance.load.throughput"]
    assert throughput.status is Status.FAILED
    assert throughput.points == pytest.approx(throughput.max_points * ramp(0.25, POLICY.throughput))
    latency = results["performance.load.latency"]
    assert latency.points == pytest.approx(latency.max_points * ramp(4.0, POLICY.latency))
    loads = [e for e in throughput.evidence if e["kind"] == "load"]
    assert {e["endpoint"] for e in loads} == {"entries", "summary", "balance_as_of"}
    assert all(e["ratio_to_reference"] == pytest.approx(0.25) for e in loads)


def test_growth_beyond_the_curve_fails_the_growth_checks() -> None:
    results = by_id(
        score(
            checks(),
            candidate=service(10.0, growth=4.0),
            reference=service(10.0, transfer=True),
            policy=POLICY,
            origin="x",
            duration=1.0,
        )
    )
    entries = results["performance.growth.entries"]
    assert entries.status is Status.FAILED and entries.points == 0
    assert "4.00x" in entries.message
    assert any(e.get("growth_ratio") == pytest.approx(4.0) for e in entries.evidence)


def test_errors_under_load_fail_the_error_check() -> None:
    results = by_id(
        score(
            checks(),
            candidate=service(10.0, errors=5),
            reference=service(10.0, transfer=True),
            policy=POLICY,
            origin="x",
            duration=1.0,
        )
    )
    assert results["performance.load.errors"].status is Status.FAILED
    assert "5.0%" in results["performance.load.errors"].message


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        ({"not_ready": "exited"}, "never became ready"),
        (service(10.0, mode="none"), "no way to write entries"),
    ],
)
def test_unmeasurable_candidates_are_skipped_not_failed(
    candidate: dict[str, Any], reason: str
) -> None:
    outcome = score(
        checks(),
        candidate=candidate,
        reference=service(10.0, transfer=True),
        policy=POLICY,
        origin="x",
        duration=1.0,
    )
    assert {r.status for r in outcome.checks} == {Status.SKIPPED}
    assert all(reason in r.message for r in outcome.checks)


def test_an_unusable_reference_is_a_grader_problem_for_load_checks_only() -> None:
    outcome = score(
        checks(),
        candidate=service(10.0),
        reference={"not_ready": "exited"},
        policy=POLICY,
        origin="x",
        duration=1.0,
    )
    results = by_id(outcome)
    assert outcome.problems
    assert results["performance.load.throughput"].status is Status.ERROR
    assert results["performance.growth.entries"].status is Status.PASSED


def test_growth_is_not_judged_on_a_history_written_one_request_at_a_time() -> None:
    results = by_id(
        score(
            checks(),
            candidate=service(10.0, growth=4.0, mode="deposits"),
            reference=service(10.0, transfer=True),
            policy=POLICY,
            origin="x",
            duration=1.0,
        )
    )
    for check_id in ("performance.growth.entries", "performance.growth.summary"):
        assert results[check_id].status is Status.SKIPPED
        assert "batch endpoint" in results[check_id].message
    assert results["performance.load.errors"].status is Status.PASSED
