"""Load benchmark of the ledger service (stdlib only).

Starts ``python -m app`` on a free loopback port with a temporary data directory, seeds
200,000 entries through ``POST /v1/transfers/batch`` (many accounts), then drives three
endpoints with 16 concurrent keep-alive connections for a fixed number of requests after a
warm-up, and prints p50/p95/p99 latency, throughput and error rate per endpoint, plus the
seeding time.

The load generator is a small asyncio HTTP/1.1 client over raw sockets: on a 2-core machine a
heavier client (httpx with threads) takes CPU away from the server and measures itself.

    python bench/benchmark.py [--entries 200000] [--requests 3000] [--concurrency 16]
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ADMIN_TOKEN = "bench-admin-token"  # noqa: S105 - throwaway token of a private instance
BATCH = 1000
Request = tuple[str, str, dict[str, str], bytes]


def say(text: str = "") -> None:
    """Write a line of the report."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class Connection:
    """One keep-alive HTTP/1.1 connection: just enough protocol for this service."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> "Connection":
        """Connect to the service on the loopback interface."""
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def request(self, request: Request) -> tuple[int, bytes]:
        """Send one request and read the whole (Content-Length framed) response."""
        method, path, headers, body = request
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return int(head[9:12]), await self.reader.readexactly(length)

    async def call(self, method: str, path: str, headers: dict[str, str], body: object) -> Any:
        """A JSON request that must succeed; its decoded response."""
        status, payload = await self.request((method, path, headers, json.dumps(body).encode()))
        if status >= 300:
            raise SystemExit(f"{method} {path} -> {status}: {payload[:300]!r}")
        return json.loads(payload)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


@dataclass(frozen=True)
class Load:
    """How to drive one endpoint."""

    requests: int
    warmup: int
    concurrency: int


@dataclass(frozen=True)
class Result:
    """Latencies and errors of one endpoint's measured requests."""

    name: str
    latencies: list[float]
    errors: int
    elapsed: float

    def row(self) -> str:
        q = statistics.quantiles(self.latencies, n=100, method="inclusive")
        total = len(self.latencies)
        return (
            f"{self.name:<18} {total:>8} {total / self.elapsed:>9.1f} {q[49] * 1000:>8.2f} "
            f"{q[94] * 1000:>8.2f} {q[98] * 1000:>8.2f} {100 * self.errors / total:>7.2f}%"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_service(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """``python -m app`` as the grader runs it; its JSON request log goes to /dev/null."""
    env = {
        **os.environ,
        "LEDGER_ADMIN_TOKEN": ADMIN_TOKEN,
        "LEDGER_DATA_DIR": str(data_dir),
        "PORT": str(port),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [sys.executable, "-m", "app"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)  # noqa: S603


async def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited with status {process.returncode}")
        try:
            conn = await Connection.open(port)
            status, _ = await conn.request(("GET", "/readyz", {}, b""))
            await conn.close()
            if status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the service did not become ready within 30 s")


async def seed(port: int, entries: int, accounts: int) -> tuple[dict[str, str], list[str], float]:
    """A tenant with funded accounts, then ``entries`` entries in batches of 1000 transfers."""
    conn = await Connection.open(port)
    admin = {"X-Admin-Token": ADMIN_TOKEN}
    tenant = await conn.call("POST", "/admin/tenants", admin, {"name": "bench"})
    auth = {"Authorization": f"Bearer {tenant['api_key']}"}
    ids = []
    for index in range(accounts):
        body = {"name": f"account {index}", "currency": "EUR"}
        ids.append((await conn.call("POST", "/v1/accounts", auth, body))["id"])
        deposit = {"account_id": ids[-1], "amount": 1_000_000_000}
        await conn.call(
            "POST", "/v1/deposits", {**auth, "Idempotency-Key": f"fund-{index}"}, deposit
        )
    rng = random.Random(7)  # noqa: S311 - a reproducible workload, not a secret
    started = time.perf_counter()
    for batch in range(entries // (2 * BATCH)):
        transfers = [
            {"from_account_id": source, "to_account_id": target, "amount": 1}
            for source, target in (rng.sample(ids, 2) for _ in range(BATCH))
        ]
        headers = {**auth, "Idempotency-Key": f"seed-{batch}"}
        await conn.call("POST", "/v1/transfers/batch", headers, {"transfers": transfers})
    seconds = time.perf_counter() - started
    await conn.close()
    return auth, ids, seconds


async def drive(conns: list[Connection], requests: Iterator[Request]) -> tuple[list[float], int]:
    """Send ``requests`` over all connections at once; latencies and error count."""
    latencies: list[float] = []
    errors = 0

    async def worker(conn: Connection) -> None:
        nonlocal errors
        for request in requests:  # shared: each request is taken by exactly one worker
            started = time.perf_counter()
            status, _ = await conn.request(request)
            latencies.append(time.perf_counter() - started)
            errors += status >= 400

    await asyncio.gather(*(worker(conn) for conn in conns))
    return latencies, errors


async def measure(port: int, name: str, requests: Iterator[Request], load: Load) -> Result:
    """Warm up, then time ``load.requests`` requests, both at full concurrency."""
    conns = [await Connection.open(port) for _ in range(load.concurrency)]
    await drive(conns, itertools.islice(requests, load.warmup))
    started = time.perf_counter()
    latencies, errors = await drive(conns, itertools.islice(requests, load.requests))
    elapsed = time.perf_counter() - started
    for conn in conns:
        await conn.close()
    return Result(name, latencies, errors, elapsed)


def workloads(auth: dict[str, str], ids: list[str]) -> dict[str, Callable[[], Iterator[Request]]]:
    """Endless request streams per endpoint, over random accounts."""
    rng = random.Random(11)  # noqa: S311 - a reproducible workload, not a secret
    window = "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z"

    def entries() -> Iterator[Request]:
        while True:
            yield "GET", f"/v1/accounts/{rng.choice(ids)}/entries?limit=50", auth, b""

    def summary() -> Iterator[Request]:
        while True:
            yield "GET", f"/v1/accounts/{rng.choice(ids)}/summary?{window}", auth, b""

    def transfers() -> Iterator[Request]:
        for number in itertools.count():
            source, target = rng.sample(ids, 2)
            body = {"from_account_id": source, "to_account_id": target, "amount": 1}
            headers = {**auth, "Idempotency-Key": f"bench-{number}"}
            yield "POST", "/v1/transfers", headers, json.dumps(body).encode()

    return {"GET entries page": entries, "GET summary": summary, "POST transfer": transfers}


async def run(args: argparse.Namespace) -> None:
    port = free_port()
    load = Load(args.requests, args.warmup, args.concurrency)
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        process = start_service(Path(tmp) / "data", port)
        try:
            await wait_ready(port, process)
            auth, ids, seconds = await seed(port, args.entries, args.accounts)
            say(
                f"seeded {args.entries:,} entries over {len(ids)} accounts in {seconds:.1f} s "
                f"({args.entries / seconds:,.0f} entries/s, batches of {BATCH} transfers)"
            )
            say(
                f"\n{load.requests} requests per endpoint after {load.warmup} warm-up requests, "
                f"{load.concurrency} concurrent connections\n"
            )
            say(
                f"{'endpoint':<18} {'requests':>8} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
                f"{'p99 ms':>8} {'errors':>8}"
            )
            for name, stream in workloads(auth, ids).items():
                say((await measure(port, name, stream(), load)).row())
        finally:
            process.send_signal(signal.SIGTERM)
            say(f"\nservice stopped by SIGTERM with exit status {process.wait(timeout=20)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000, help="entries to seed")
    parser.add_argument("--accounts", type=int, default=100, help="accounts to spread them on")
    parser.add_argument("--requests", type=int, default=3000, help="measured requests each")
    parser.add_argument("--warmup", type=int, default=300, help="warm-up requests each")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent connections")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
