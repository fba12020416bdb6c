"""Harness options, measurement records and the dataset handle of the performance suite."""

from __future__ import annotations

import binascii
import json
import os
from typing import Any

import pytest
from support.env import HarnessError

from performance.dataset import Party, Seeded

OPTION_PREFIX = "GRADER_OPTION_"


def option(name: str) -> str:
    """A harness option the grader passed for this run ("" when absent)."""
    return os.environ.get(OPTION_PREFIX + name.upper(), "").strip()


def record(request: pytest.FixtureRequest, measurement: dict[str, Any]) -> None:
    """Attach one measurement to the running test's result line."""
    request.node.user_properties.append(("measurement", measurement))


def handle_of(dataset: Seeded) -> str:
    """What a later round needs to find the dataset again, as hex (safe in a command line)."""
    if dataset.bulk is None:
        return ""
    state = {"mode": dataset.mode, "key": dataset.bulk.key, "accounts": dataset.bulk.accounts}
    return json.dumps(state).encode().hex()


def from_handle(handle: str) -> Seeded:
    """The dataset an earlier round wrote; HarnessError when the handle is unreadable."""
    try:
        state = json.loads(binascii.unhexlify(handle))
        party = Party(key=str(state["key"]), accounts=[str(a) for a in state["accounts"]])
        return Seeded(mode=str(state["mode"]), bulk=party, scale="reused")
    except (ValueError, KeyError, TypeError) as exc:
        raise HarnessError(f"the dataset handle passed by the grader is unreadable: {exc}") from exc
