"""Cost growth: the probe account's queries, timed one at a time at N and again at 10N entries.

Four probes: the first entries page, a deep entries page (from the cursor of the last full
page, found by walking the pages), the summary of the latest chunk's time window, and the
balance as of its end.
Probes take turns request by request, so a drift of the machine hits all of them alike; the
`control` probe (/healthz, no data) shows how much of a change the machine itself made.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import quote

from performance.dataset import Party, Scale, Window
from performance.loadgen import NOT_IMPLEMENTED, Connection, Request, Sample, ServiceError, call

FIRST_LIMIT = 50
DEEP_LIMIT = 200


def entries_target(account: str, limit: int, cursor: str | None = None) -> str:
    target = f"/v1/accounts/{quote(account)}/entries?limit={limit}"
    return target + (f"&cursor={quote(cursor, safe='')}" if cursor else "")


async def deep_page(
    conn: Connection, party: Party, *, budget_s: float
) -> tuple[Request | None, str, str]:
    """The request of the last full page: (request, why unavailable, why failed)."""
    account = party.accounts[0]
    cursors: list[str | None] = [None]
    deadline = time.monotonic() + budget_s
    while True:
        request = Request("GET", entries_target(account, DEEP_LIMIT, cursors[-1]), party.auth)
        try:
            status, body = await call(conn, request)
        except ServiceError as exc:
            return None, "", f"walking the entries pages failed: {exc}"
        if status != 200 or not isinstance(body, dict):
            return None, f"HTTP {status} while walking the entries pages", ""
        cursor = body.get("next_cursor")
        if not isinstance(cursor, str) or not cursor:
            break
        cursors.append(cursor)
        if time.monotonic() > deadline:
            return None, "", f"walking {len(cursors)} pages took over {budget_s:g} s"
    if len(cursors) < 2:
        return None, "the entries listing gave no next_cursor", ""
    # A short page from the deep cursor: the query's cost, not the serialisation of 200 entries.
    request = Request("GET", entries_target(account, FIRST_LIMIT, cursors[-2]), party.auth)
    try:
        status, _ = await call(conn, request)
    except ServiceError as exc:
        return None, "", f"the deep entries page failed: {exc}"
    if status == 200:
        return request, "", ""
    # Some cursors are bound to their page size: then time the page it was issued for.
    return Request("GET", entries_target(account, DEEP_LIMIT, cursors[-2]), party.auth), "", ""


async def measure_growth(
    conn: Connection, party: Party, window: Window | None, size: int, *, scale: Scale
) -> dict[str, Any]:
    """One growth point: each probe's latencies at this history size."""
    # Let the writes' aftermath (WAL checkpoints, collections) pass before timing anything.
    await asyncio.sleep(scale.settle_s)
    account = quote(party.accounts[0])
    probes: dict[str, Request] = {
        "control": Request("GET", "/healthz"),
        "entries_first": Request("GET", entries_target(party.accounts[0], FIRST_LIMIT), party.auth),
    }
    outcome: dict[str, dict[str, Any]] = {}
    deep, unavailable, failure = await deep_page(conn, party, budget_s=scale.walk_budget_s)
    if deep is not None:
        probes["entries_deep"] = deep
    else:
        outcome["entries_deep"] = {"unavailable": unavailable, "failure": failure}
    if window is None:
        for name in ("summary", "balance_as_of"):
            outcome[name] = {"unavailable": "the written entries had no readable created_at"}
    else:
        span = f"from={quote(window.start)}&to={quote(window.end)}"
        probes["summary"] = Request("GET", f"/v1/accounts/{account}/summary?{span}", party.auth)
        as_of = f"/v1/accounts/{account}/balance?as_of={quote(window.end)}"
        probes["balance_as_of"] = Request("GET", as_of, party.auth)
    samples = {name: Sample(planned=scale.growth_samples) for name in probes}
    for turn in range(scale.growth_warmup + scale.growth_samples):
        for name, request in list(probes.items()):
            started = time.perf_counter()
            try:
                status, _ = await conn.send(request)
            except ServiceError as exc:
                samples[name].record("transport", time.perf_counter() - started, str(exc))
                continue
            latency = time.perf_counter() - started
            if turn == 0 and status in NOT_IMPLEMENTED:
                outcome[name] = {"unavailable": f"HTTP {status}"}
                del probes[name]
            elif turn >= scale.growth_warmup:
                samples[name].record(str(status), latency, "" if status < 400 else f"HTTP {status}")
    for name in probes:
        outcome[name] = samples[name].as_record()
    return {"kind": "growth", "size": size, "probes": dict(sorted(outcome.items()))}
