"""The performance dataset: written once per service through the public API, reused by every round.

Layout, in the order the rows reach the database (N = `Scale.probe_entries`):

1. a quarter of the bulk dataset (`Scale.bulk_entries` over many accounts of a bulk tenant);
2. a probe tenant with accounts A and B; N entries on A (transfers A -> B, in chunks);
3. growth measured at N (see growth.py);
4. 9N more entries on A, then the rest of the bulk dataset; bulk writes stop early when the
   seeding budget runs out;
5. growth measured at 10N.

The table is past any small cache at both points, so an indexed keyset implementation answers
A's queries in about the same time. OFFSET pagination costs ten times more on the deep page; a
table scan grows with the table (about four times larger at the second point) and with the rows
written after A's newest entry (none at the first point). The bulk tenant's accounts are the
load phase's dataset.

Writes go through `POST /v1/transfers/batch` (1000 transfers a request). When that endpoint does
not work, they fall back to concurrent single transfers, then to deposits, at `Scale.fallback()`;
the mode is recorded so a missing batch endpoint is never charged to performance.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from performance.loadgen import Connection, Request, call, call_all, endpoint_of

BATCH_LIMIT = 1000
FUNDING = 1_000_000_000
CURRENCY = "USD"


@dataclass(frozen=True, slots=True)
class Scale:
    """Sizes of one grading's dataset and load; `full` is the grade's, `small` is for tests."""

    name: str
    probe_entries: int
    bulk_entries: int
    bulk_accounts: int
    chunk: int
    seed_budget_s: float
    load_requests: int
    load_warmup: int
    concurrency: int = 16
    growth_samples: int = 40
    growth_warmup: int = 3
    settle_s: float = 2.0
    load_budget_s: float = 20.0
    walk_budget_s: float = 30.0

    def fallback(self) -> Scale:
        """The smaller scale used when only single movements work (one request per entry)."""
        return replace(
            self,
            name=f"{self.name}-single",
            probe_entries=max(self.probe_entries // 8, 50),
            bulk_entries=max(self.bulk_entries // 40, 12 * max(self.probe_entries // 8, 50)),
            bulk_accounts=min(self.bulk_accounts, 16),
            chunk=100,
        )


SCALES = {
    # 160,000 bulk entries + 2 x 10N probe entries (A and B) = 200,000 entries.
    "full": Scale("full", 2000, 160_000, 100, BATCH_LIMIT, 75.0, 600, 60),
    "small": Scale("small", 2000, 24_000, 20, BATCH_LIMIT, 60.0, 300, 50),
}


class SeedError(Exception):
    """The service stopped accepting the dataset's writes (after its endpoints had worked)."""


@dataclass
class Party:
    """A tenant's API key and accounts."""

    key: str
    accounts: list[str]

    @property
    def auth(self) -> tuple[tuple[str, str], ...]:
        return (("Authorization", f"Bearer {self.key}"),)


@dataclass
class Window:
    """The created_at range of the probe account's latest chunk of entries."""

    start: str
    end: str


@dataclass
class Seeded:
    """What was written, how fast, and how the load phase can find it again."""

    mode: str = "none"
    reason: str = ""
    scale: str = ""
    bulk: Party | None = None
    probe_entries: int = 0
    bulk_entries: int = 0
    write_seconds: float = 0.0
    budget_exceeded: bool = False
    growth: list[dict[str, Any]] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        entries = self.probe_entries * (1 if self.mode == "deposits" else 2) + self.bulk_entries
        return {
            "kind": "dataset",
            "mode": self.mode,
            "reason": self.reason,
            "scale": self.scale,
            "probe_entries": self.probe_entries,
            "bulk_entries": self.bulk_entries,
            "entries": entries,
            "write_seconds": round(self.write_seconds, 3),
            "entries_per_s": round(entries / self.write_seconds, 1) if self.write_seconds else 0,
            "budget_exceeded": self.budget_exceeded,
        }


def idem() -> tuple[str, str]:
    return ("Idempotency-Key", f"perf-{uuid.uuid4().hex}")


async def new_party(conn: Connection, admin_token: str, *, accounts: int, name: str) -> Party:
    """A tenant with `accounts` accounts; SeedError if the service refuses."""
    status, body = await call(
        conn,
        Request.json("POST", "/admin/tenants", {"name": name}, (("X-Admin-Token", admin_token),)),
    )
    if status != 201 or not isinstance(body, dict) or not isinstance(body.get("api_key"), str):
        raise SeedError(f"POST /admin/tenants answered {status}")
    party = Party(key=body["api_key"], accounts=[])
    for index in range(accounts):
        request = Request.json(
            "POST", "/v1/accounts", {"name": f"{name}-{index}", "currency": CURRENCY}, party.auth
        )
        status, account = await call(conn, request)
        if status != 201 or not isinstance(account, dict) or not isinstance(account.get("id"), str):
            raise SeedError(f"POST /v1/accounts answered {status}")
        party.accounts.append(account["id"])
    return party


def deposit(party: Party, account: str, amount: int) -> Request:
    body = {"account_id": account, "amount": amount}
    return Request.json("POST", "/v1/deposits", body, (*party.auth, idem()))


def transfer(party: Party, source: str, target: str) -> Request:
    body = {"from_account_id": source, "to_account_id": target, "amount": 1}
    return Request.json("POST", "/v1/transfers", body, (*party.auth, idem()))


def batch(party: Party, pairs: list[tuple[str, str]]) -> Request:
    items = [{"from_account_id": s, "to_account_id": t, "amount": 1} for s, t in pairs]
    return Request.json("POST", "/v1/transfers/batch", {"transfers": items}, (*party.auth, idem()))


def created_at_of(body: Any) -> list[str]:
    """created_at of each transaction in a single or batch response (strings only)."""
    items = body.get("data") if isinstance(body, dict) and "data" in body else [body]
    if not isinstance(items, list):
        return []
    return [
        item["created_at"]
        for item in items
        if isinstance(item, dict) and isinstance(item.get("created_at"), str)
    ]


def window_of(stamps: list[str]) -> Window | None:
    """[first, last + 1 µs) of a chunk's timestamps in the contract's format, or None."""
    moments = []
    for stamp in stamps:
        try:
            moments.append(datetime.fromisoformat(stamp))
        except ValueError:
            continue
    if not moments or any(moment.tzinfo is None for moment in moments):
        return None
    start, end = min(moments), max(moments) + timedelta(microseconds=1)
    return Window(start=rfc3339(start), end=rfc3339(end))


def rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


class Writer:
    """Writes probe and bulk entries in one mode: batches, single transfers or deposits."""

    def __init__(
        self,
        *,
        mode: str,
        base_url: str,
        probe: Party,
        bulk: Party,
        scale: Scale,
        rng: random.Random,
    ) -> None:
        self.mode, self.base_url, self.scale, self.rng = mode, base_url, scale, rng
        self.probe, self.bulk = probe, bulk
        self.probe_entries = 0
        self.bulk_entries = 0
        self.window: Window | None = None

    async def probe_chunk(self, count: int) -> None:
        """`count` more entries on the probe account A (transfers A -> B, or deposits to A)."""
        source, target = self.probe.accounts
        if self.mode == "batch":
            results = await self._send([batch(self.probe, [(source, target)] * count)])
        elif self.mode == "transfers":
            results = await self._send([transfer(self.probe, source, target) for _ in range(count)])
        else:
            results = await self._send([deposit(self.probe, source, 1) for _ in range(count)])
        stamps = [stamp for _, body in results for stamp in created_at_of(body)]
        self.window = window_of(stamps)
        self.probe_entries += count

    async def bulk_chunk(self, entries: int) -> None:
        """`entries` more entries spread over the bulk tenant's accounts."""
        accounts = self.bulk.accounts
        if self.mode == "deposits":
            requests = [deposit(self.bulk, self.rng.choice(accounts), 1) for _ in range(entries)]
        else:
            pairs = [tuple(self.rng.sample(accounts, 2)) for _ in range(max(entries // 2, 1))]
            if self.mode == "batch":
                requests = [
                    batch(self.bulk, pairs[i : i + BATCH_LIMIT])  # type: ignore[arg-type]
                    for i in range(0, len(pairs), BATCH_LIMIT)
                ]
            else:
                requests = [transfer(self.bulk, s, t) for s, t in pairs]
        await self._send(requests)
        self.bulk_entries += entries

    async def _send(self, requests: list[Request]) -> list[tuple[int, Any]]:
        results = await call_all(self.base_url, requests, concurrency=self.scale.concurrency)
        bad = next((status for status, _ in results if status != 201), None)
        if bad is not None:
            what = requests[0].target
            raise SeedError(f"POST {what} stopped working while the dataset was written: {bad}")
        return results


async def detect_mode(base_url: str, probe: Party, scale: Scale) -> tuple[str, str]:
    """The best write path that works, and why better ones were passed over."""
    source, target = probe.accounts
    host, port = endpoint_of(base_url)
    conn = Connection(host, port)
    try:
        status, _ = await call(conn, batch(probe, [(source, target)]))
        if status == 201:
            return "batch", ""
        reason = f"POST /v1/transfers/batch answered {status}"
        status, _ = await call(conn, transfer(probe, source, target))
        if status == 201:
            return "transfers", reason
        reason += f"; POST /v1/transfers answered {status}"
        status, _ = await call(conn, deposit(probe, source, 1))
        if status == 201:
            return "deposits", reason
        return "none", reason + f"; POST /v1/deposits answered {status}"
    finally:
        await conn.close()


Measure = Callable[[Party, Window | None, int], Awaitable[dict[str, Any]]]


async def seed(
    base_url: str, admin_token: str, *, scale: Scale, rng: random.Random, measure: Measure
) -> Seeded:
    """Write the dataset (see the module docstring), measuring growth at N and 10N on the way."""
    host, port = endpoint_of(base_url)
    conn = Connection(host, port)
    seeded = Seeded(scale=scale.name)
    try:
        probe = await new_party(conn, admin_token, accounts=2, name="perf-probe")
        bulk = await new_party(conn, admin_token, accounts=scale.bulk_accounts, name="perf-bulk")
        seeded.bulk = bulk
        funding = [deposit(probe, probe.accounts[0], FUNDING)]
        funding += [deposit(bulk, account, FUNDING) for account in bulk.accounts]
        await call_all(base_url, funding, concurrency=scale.concurrency)
        seeded.mode, seeded.reason = await detect_mode(base_url, probe, scale)
    except SeedError as exc:
        seeded.reason = str(exc)
        return seeded
    finally:
        await conn.close()
    if seeded.mode == "none":
        return seeded
    if seeded.mode != "batch":
        scale = scale.fallback()
        seeded.scale = scale.name
    writer = Writer(
        mode=seeded.mode, base_url=base_url, probe=probe, bulk=bulk, scale=scale, rng=rng
    )
    try:
        await write_layout(writer, seeded, scale=scale, measure=measure)
    except SeedError as exc:
        seeded.reason = str(exc)
    seeded.probe_entries, seeded.bulk_entries = writer.probe_entries, writer.bulk_entries
    return seeded


async def write_layout(writer: Writer, seeded: Seeded, *, scale: Scale, measure: Measure) -> None:
    """Steps 1-5 of the module docstring; the write time excludes the growth measurements."""
    n = scale.probe_entries
    step = 2 * BATCH_LIMIT if writer.mode == "batch" else scale.chunk
    started = time.perf_counter()
    measuring = 0.0

    async def probe(entries: int) -> None:
        for offset in range(0, entries, scale.chunk):
            await writer.probe_chunk(min(scale.chunk, entries - offset))

    async def bulk(entries: int) -> None:
        for _ in range(entries // step):
            if time.perf_counter() - started - measuring > scale.seed_budget_s:
                seeded.budget_exceeded = True
                return
            await writer.bulk_chunk(step)

    async def point(size: int) -> None:
        nonlocal measuring
        begun = time.perf_counter()
        seeded.growth.append(await measure(writer.probe, writer.window, size))
        measuring += time.perf_counter() - begun

    await bulk(scale.bulk_entries // 4)
    await probe(n)
    await point(n)
    await probe(9 * n)
    await bulk(scale.bulk_entries - scale.bulk_entries // 4)
    seeded.write_seconds = time.perf_counter() - started - measuring
    await point(10 * n)
