"""Progress lines and readiness are read from the harness's JSON lines, cut lines included."""

from __future__ import annotations

import json

from grader.sandbox.base import ready_reported, suite_status


def line(**record: object) -> str:
    return json.dumps(record)


def test_before_readiness_the_status_says_it_is_waiting() -> None:
    assert suite_status([]) == "waiting for the service to answer /readyz"
    assert not ready_reported([])


def test_status_counts_done_and_not_passing_tests() -> None:
    lines = [
        line(type="ready", ok=True),
        line(type="collected", count=4),
        line(type="test", outcome="passed"),
        line(type="test", outcome="failed"),
        line(type="test", outcome="skipped"),
        '{"type": "test", "outc',  # the harness may be mid-write
    ]
    assert ready_reported(lines)
    assert suite_status(lines) == "hidden suite: 3/4 tests done, 1 not passing"


def test_status_before_collection_ends() -> None:
    assert suite_status([line(type="ready", ok=True)]) == "hidden suite: collecting tests"
