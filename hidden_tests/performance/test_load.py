"""PYTEST_DONT_REWRITE: drive each endpoint at fixed concurrency; record its latencies."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from support import env

from performance.dataset import Party, Scale, Seeded, rfc3339
from performance.loadgen import (
    NOT_IMPLEMENTED,
    Connection,
    Request,
    ServiceError,
    drive,
    endpoint_of,
)
from performance.records import record

# /healthz first: the generator's own ceiling on this machine, against a trivial endpoint.
ENDPOINTS = ("healthz", "entries", "summary", "balance_as_of", "transfer")
WINDOW = "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z"


def requests_for(endpoint: str, party: Party, rng: random.Random) -> Iterator[Request]:
    """An endless stream of one endpoint's requests over the dataset's accounts."""
    accounts = [quote(account) for account in party.accounts]
    as_of = quote(rfc3339(datetime.now(UTC)))
    run = uuid.uuid4().hex[:12]
    for number in itertools.count():
        account = rng.choice(accounts)
        if endpoint == "healthz":
            yield Request("GET", "/healthz")
        elif endpoint == "entries":
            yield Request("GET", f"/v1/accounts/{account}/entries?limit=50", party.auth)
        elif endpoint == "summary":
            yield Request("GET", f"/v1/accounts/{account}/summary?{WINDOW}", party.auth)
        elif endpoint == "balance_as_of":
            yield Request("GET", f"/v1/accounts/{account}/balance?as_of={as_of}", party.auth)
        else:
            source, target = rng.sample(party.accounts, 2)
            body = {"from_account_id": source, "to_account_id": target, "amount": 1}
            headers = (*party.auth, ("Idempotency-Key", f"perf-load-{run}-{number}"))
            yield Request.json("POST", "/v1/transfers", body, headers)


async def first_status(base_url: str, request: Request) -> int:
    conn = Connection(*endpoint_of(base_url))
    try:
        status, _ = await conn.send(request)
        return status
    except ServiceError:
        return 0
    finally:
        await conn.close()


@pytest.mark.check("performance.load.throughput")
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_load(endpoint: str, dataset: Seeded, scale: Scale, request: pytest.FixtureRequest) -> None:
    base: dict[str, object] = {"kind": "load", "endpoint": endpoint, "mode": dataset.mode}
    if dataset.bulk is None or len(dataset.bulk.accounts) < 2:
        record(request, {**base, "unavailable": f"no dataset: {dataset.reason}"})
        pytest.skip(f"no dataset: {dataset.reason}")
    rng = random.Random(f"{os.environ.get('GRADER_SEED', '0')}-{endpoint}")
    stream = requests_for(endpoint, dataset.bulk, rng)
    status = asyncio.run(first_status(env.base_url(), next(stream)))
    if status in NOT_IMPLEMENTED:
        record(request, {**base, "unavailable": f"HTTP {status}"})
        pytest.skip(f"{endpoint} answered HTTP {status}")
    sample = asyncio.run(
        drive(
            env.base_url(),
            stream,
            count=scale.load_requests,
            warmup=scale.load_warmup,
            concurrency=scale.concurrency,
            budget_s=scale.load_budget_s,
        )
    )
    record(request, {**base, **sample.as_record()})
