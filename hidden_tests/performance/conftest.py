"""Fixtures of the performance suite: its scale, and the dataset (written once, or handed back).

The grader runs this suite alone (`--only performance...`), in rounds: the first round writes the
dataset and measures growth and load; later rounds get the dataset's handle back as the harness
option `dataset` (see grader/harness/run.py) and measure the load again on the same data.
Measurements go to `item.user_properties` under "measurement"; the grader scores them.
"""

from __future__ import annotations

import asyncio
import os
import random
from typing import Any

import pytest
from support import env
from support.env import HarnessError

from performance.dataset import SCALES, Party, Scale, Seeded, Window, seed
from performance.growth import measure_growth
from performance.loadgen import Connection, endpoint_of
from performance.records import from_handle, option


@pytest.fixture(scope="session")
def scale() -> Scale:
    name = option("scale") or "full"
    if name not in SCALES:
        raise HarnessError(f"unknown performance scale {name!r}; known: {', '.join(SCALES)}")
    return SCALES[name]


@pytest.fixture(scope="session")
def dataset(scale: Scale) -> Seeded:
    handle = option("dataset")
    if handle:
        return from_handle(handle)
    base_url = env.base_url()

    async def measure(party: Party, window: Window | None, size: int) -> dict[str, Any]:
        conn = Connection(*endpoint_of(base_url))
        try:
            return await measure_growth(conn, party, window, size, scale=scale)
        finally:
            await conn.close()

    rng = random.Random(int(os.environ.get("GRADER_SEED", "0") or 0))
    return asyncio.run(seed(base_url, env.admin_token(), scale=scale, rng=rng, measure=measure))
