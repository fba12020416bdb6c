"""Scraping /metrics and measuring exact counter deltas."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from support.client import Api

Labels = dict[str, str]
SETTLE_POLLS = 20
SETTLE_SECONDS = 0.05


class Scrape:
    def __init__(self, text: str) -> None:
        self.families = {f.name: f for f in text_string_to_metric_families(text)}

    def family(self, name: str) -> Any:
        return self.families.get(name)

    def value(self, sample_name: str, labels: Labels | None = None) -> float:
        """Sum of samples named ``sample_name`` whose labels include ``labels`` (0 when absent)."""
        labels = labels or {}
        total = 0.0
        for family in self.families.values():
            for sample in family.samples:
                if sample.name != sample_name:
                    continue
                if all(sample.labels.get(k) == v for k, v in labels.items()):
                    total += sample.value
        return total

    def label_values(self, sample_prefix: str) -> list[tuple[str, str]]:
        out = []
        for family in self.families.values():
            for sample in family.samples:
                if sample.name.startswith(sample_prefix):
                    out.extend(sample.labels.items())
        return out


def scrape(api: Api) -> Scrape:
    response = api.get("/metrics", auth=False)
    assert response.status_code == 200, (
        f"expected 200 from GET /metrics, got {response.status_code}"
    )
    try:
        return Scrape(response.text)
    except Exception as exc:
        raise AssertionError(
            f"GET /metrics is not valid Prometheus text exposition format ({type(exc).__name__})"
        ) from None


def exact_delta(
    api: Api,
    action: Callable[[], None],
    series: list[tuple[str, Labels, int]],
    attempts: int = 3,
) -> dict[str, tuple[float, int]]:
    """Run ``action`` and require each series to move by exactly its expected amount.

    A service may update its counters just after the response has left (middleware code after
    the body is sent), so the final value is polled for up to a second. Other tests running in
    parallel against the same service can only add to a counter, so a mismatch is retried with
    a fresh action a few times; the check passes as soon as one attempt shows every expected
    delta exactly. A service that counts wrong fails every attempt.
    Returns the last attempt's ``{description: (observed, expected)}``.
    """
    observed: dict[str, tuple[float, int]] = {}
    for _ in range(attempts):
        before = _settled(api, series, None)
        action()
        after = _settled(api, series, before)
        observed = {
            _describe(name, labels): (
                after.value(name, labels) - before.value(name, labels),
                expected,
            )
            for name, labels, expected in series
        }
        if _matches(observed):
            return observed
    return observed


def _matches(observed: dict[str, tuple[float, int]]) -> bool:
    return all(abs(d - e) < 1e-9 for d, e in observed.values())


def _settled(api: Api, series: list[tuple[str, Labels, int]], before: Scrape | None) -> Scrape:
    """Scrape until the watched series stop moving (or match ``before`` + expected), max ~1 s."""
    current = scrape(api)
    for _ in range(SETTLE_POLLS):
        if before is not None and _matches(
            {
                str(i): (current.value(n, lb) - before.value(n, lb), e)
                for i, (n, lb, e) in enumerate(series)
            }
        ):
            return current
        time.sleep(SETTLE_SECONDS)
        again = scrape(api)
        if all(again.value(n, lb) == current.value(n, lb) for n, lb, _ in series) and (
            before is None
        ):
            return again
        current = again
    return current


def _describe(name: str, labels: Labels) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"
