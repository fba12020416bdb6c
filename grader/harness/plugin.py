"""A pytest plugin that turns each hidden test into one JSON line, written as soon as it ends.

Lines are flushed one by one so that a harness killed by the grader's timeout still leaves
every finished test's verdict behind.
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator
from typing import IO, Any

import pytest

MAX_TEXT = 4000
# Raw measurements a test attaches (the performance suite's latencies): bounded per test.
MAX_MEASUREMENTS = 20
MAX_MEASUREMENT_CHARS = 1_000_000
TRUNCATED = "\n[... truncated by the grader ...]"

# An exception of this name raised by the hidden suite means the harness itself is broken
# (missing environment, unreadable fixture file): the verdict is `error`, never `failed`.
HARNESS_ERROR_NAMES = frozenset({"HarnessError"})


def truncate(text: str, limit: int = MAX_TEXT) -> str:
    """Cut long text with an explicit note, so a reader knows it was cut."""
    return text if len(text) <= limit else text[:limit] + TRUNCATED


def first_line(text: str) -> str:
    """The first non-empty line: the candidate-safe sentence of an assertion message."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


def check_id_of(item: pytest.Item) -> str | None:
    """The rubric check id a test declares with `@pytest.mark.check("...")`."""
    marker = item.get_closest_marker("check")
    if marker is None or not marker.args:
        return None
    return str(marker.args[0])


def selected(check_id: str | None, only: tuple[str, ...]) -> bool:
    """Whether a check belongs to the `--only` selection (skill ids or check-id prefixes)."""
    if not only:
        return True
    if check_id is None:
        return False
    return any(check_id == prefix or check_id.startswith(prefix + ".") for prefix in only)


class ResultsPlugin:
    """Collects per-test verdicts and writes them as JSON lines to `out`."""

    def __init__(self, out: IO[str], *, only: tuple[str, ...] = ()) -> None:
        self.out = out
        self.only = only
        self.checks: dict[str, str | None] = {}
        self.records: dict[str, dict[str, Any]] = {}

    def emit(self, record: dict[str, Any]) -> None:
        self.out.write(json.dumps(record, default=str) + "\n")
        self.out.flush()

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "check(id): the rubric check this test evidences")

    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            check = check_id_of(item)
            (keep if selected(check, self.only) else drop).append(item)
            self.checks[item.nodeid] = check
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
        self.emit({"type": "collected", "count": len(keep)})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.emit(
                {
                    "type": "collection_error",
                    "nodeid": report.nodeid,
                    "longrepr": truncate(str(report.longrepr)),
                }
            )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        record = self.records.setdefault(
            item.nodeid,
            {
                "type": "test",
                "nodeid": item.nodeid,
                "check": self.checks.get(item.nodeid, check_id_of(item)),
                "outcome": "passed",
                "duration": 0.0,
                "message": "",
                "exception": None,
                "longrepr": "",
                "notes": [],
                "started": time.time(),
            },
        )
        record["duration"] += report.duration
        if report.skipped and record["outcome"] == "passed":
            record["outcome"] = "skipped"
            record["message"] = first_line(_skip_reason(report))
        elif report.failed and record["outcome"] in ("passed", "skipped"):
            self._record_failure(record, call, report)
        if call.when == "teardown":
            record["exchanges"] = _exchanges(item)
            measurements = _measurements(item)
            if measurements:
                record["measurements"] = measurements
            record.pop("started", None)
            self.emit(self.records.pop(item.nodeid))
        return report

    def _record_failure(
        self, record: dict[str, Any], call: pytest.CallInfo[None], report: pytest.TestReport
    ) -> None:
        exc = call.excinfo.value if call.excinfo is not None else None
        name = type(exc).__name__ if exc is not None else "Failure"
        record["exception"] = name
        record["outcome"] = "error" if name in HARNESS_ERROR_NAMES else "failed"
        text = str(exc) if exc is not None else str(report.longrepr)
        message = first_line(text)
        if not isinstance(exc, AssertionError):
            message = f"{name}: {message}" if message else name
        record["message"] = message
        record["phase"] = call.when
        record["longrepr"] = truncate(str(report.longrepr))
        record["notes"] = [truncate(str(note)) for note in getattr(exc, "__notes__", [])]


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def _exchanges(item: pytest.Item) -> list[Any]:
    """HTTP exchanges the hidden suite's client recorded for this test (the last 20)."""
    found: list[Any] = []
    for name, value in item.user_properties:
        if name == "exchanges" and isinstance(value, list):
            found.extend(value)
    return found[-20:]


def _measurements(item: pytest.Item) -> list[dict[str, Any]]:
    """Measurements the test attached under "measurement", within the size bounds."""
    found: list[dict[str, Any]] = []
    budget = MAX_MEASUREMENT_CHARS
    for name, value in item.user_properties:
        if name != "measurement" or not isinstance(value, dict):
            continue
        size = len(json.dumps(value, default=str))
        if len(found) >= MAX_MEASUREMENTS or size > budget:
            found.append({"kind": "dropped", "reason": "over the harness's measurement bounds"})
            break
        budget -= size
        found.append(value)
    return found
