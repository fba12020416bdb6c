"""A small closed-loop HTTP/1.1 load generator over raw asyncio streams (standard library only).

A heavier client (httpx) spends more CPU per request than the service under test on a 2-core
machine and ends up measuring itself. This one frames requests by hand, reuses keep-alive
connections, reads `Content-Length` and chunked bodies, and reconnects when the service closes
a connection. It measures the wall time of each request and its own CPU time, so a report can
show that it was not the bottleneck.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

REQUEST_TIMEOUT_S = 15.0
MAX_BODY_BYTES = 64 * 1024 * 1024
NOT_IMPLEMENTED = frozenset({404, 405, 501})


@dataclass(frozen=True, slots=True)
class Request:
    """One request: method, target (path and query), extra headers and a JSON body."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def json(
        cls, method: str, target: str, body: Any, headers: tuple[tuple[str, str], ...] = ()
    ) -> Request:
        return cls(method, target, headers, json.dumps(body, separators=(",", ":")).encode())


class ServiceError(Exception):
    """The service answered in a way the load generator could not read (or not at all)."""


class Connection:
    """One keep-alive HTTP/1.1 connection to the service."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _ensure_open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, limit=1024 * 1024
            )
        return self.reader, self.writer

    async def send(self, request: Request) -> tuple[int, bytes]:
        """Send one request; (status, body). Raises ServiceError on any transport problem."""
        try:
            return await asyncio.wait_for(self._exchange(request), REQUEST_TIMEOUT_S)
        except (OSError, EOFError, ValueError, asyncio.IncompleteReadError) as exc:
            await self.close()
            raise ServiceError(f"{type(exc).__name__}: {exc}") from exc
        except (TimeoutError, asyncio.LimitOverrunError) as exc:
            await self.close()
            raise ServiceError(f"no complete answer within {REQUEST_TIMEOUT_S:g} s") from exc

    async def _exchange(self, request: Request) -> tuple[int, bytes]:
        reader, writer = await self._ensure_open()
        head = [f"{request.method} {request.target} HTTP/1.1", f"Host: {self.host}"]
        head += [f"{name}: {value}" for name, value in request.headers]
        if request.body or request.method in ("POST", "PUT", "PATCH"):
            head += ["Content-Type: application/json", f"Content-Length: {len(request.body)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + request.body)
        status, headers = parse_head(await reader.readuntil(b"\r\n\r\n"))
        body = await read_body(reader, headers)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                await writer.wait_closed()


def parse_head(raw: bytes) -> tuple[int, dict[str, str]]:
    """Status code and lower-cased headers of a response head."""
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    """The body framed by Content-Length or chunked transfer encoding."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        size = 0
        while True:
            line = await reader.readuntil(b"\r\n")
            length = int(line.split(b";")[0].strip() or b"0", 16)
            if length == 0:
                await reader.readuntil(b"\r\n")  # the end of the (empty) trailer section
                return b"".join(chunks)
            size += length
            if size > MAX_BODY_BYTES:
                raise ValueError("response body too large")
            chunks.append(await reader.readexactly(length))
            await reader.readexactly(2)
    length = int(headers.get("content-length", "0") or "0")
    if length > MAX_BODY_BYTES:
        raise ValueError("response body too large")
    return await reader.readexactly(length) if length else b""


def endpoint_of(base_url: str) -> tuple[str, int]:
    """Host and port of the service's base URL."""
    parts = urlsplit(base_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


@dataclass
class Sample:
    """The measured requests of one endpoint: exact latencies, statuses and the cost to measure."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0
    client_cpu_s: float = 0.0
    planned: int = 0
    budget_exceeded: bool = False
    first_failure: str = ""

    def record(self, status: str, latency_s: float, detail: str = "") -> None:
        self.latencies_ms.append(round(latency_s * 1000, 3))
        self.statuses[status] += 1
        if detail and not self.first_failure:
            self.first_failure = detail[:300]

    def as_record(self) -> dict[str, Any]:
        return {
            "latencies_ms": self.latencies_ms,
            "statuses": dict(sorted(self.statuses.items())),
            "elapsed_s": round(self.elapsed_s, 4),
            "client_cpu_s": round(self.client_cpu_s, 4),
            "planned": self.planned,
            "budget_exceeded": self.budget_exceeded,
            "first_failure": self.first_failure,
        }


async def _worker(
    conn: Connection, requests: Iterator[Request], sample: Sample, deadline: float
) -> None:
    # `requests` is shared: each request is taken by exactly one worker.
    for request in requests:
        if time.monotonic() > deadline:
            sample.budget_exceeded = True
            return
        started = time.perf_counter()
        try:
            status, body = await conn.send(request)
        except ServiceError as exc:
            sample.record("transport", time.perf_counter() - started, str(exc))
            continue
        detail = "" if status < 400 else f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}"
        sample.record(str(status), time.perf_counter() - started, detail)


async def drive(
    base_url: str,
    requests: Iterator[Request],
    *,
    count: int,
    warmup: int,
    concurrency: int,
    budget_s: float,
) -> Sample:
    """Warm up, then time `count` requests at `concurrency` keep-alive connections."""
    host, port = endpoint_of(base_url)
    conns = [Connection(host, port) for _ in range(concurrency)]
    try:
        warm = Sample()
        deadline = time.monotonic() + budget_s
        shared = itertools.islice(requests, warmup)
        await asyncio.gather(*(_worker(c, shared, warm, deadline) for c in conns))
        sample = Sample(planned=count)
        shared = itertools.islice(requests, count)
        cpu, wall = time.process_time(), time.perf_counter()
        deadline = time.monotonic() + budget_s
        await asyncio.gather(*(_worker(c, shared, sample, deadline) for c in conns))
        sample.elapsed_s = time.perf_counter() - wall
        sample.client_cpu_s = time.process_time() - cpu
        return sample
    finally:
        for conn in conns:
            await conn.close()


async def call(conn: Connection, request: Request) -> tuple[int, Any]:
    """One request on a connection; (status, decoded JSON body or None)."""
    status, body = await conn.send(request)
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, None


async def call_all(
    base_url: str, requests: list[Request], *, concurrency: int
) -> list[tuple[int, Any]]:
    """Send `requests` over `concurrency` connections; (status, JSON body) in input order.

    A transport failure answers status 0 for that request rather than aborting the others.
    """
    host, port = endpoint_of(base_url)
    results: list[tuple[int, Any]] = [(0, None)] * len(requests)
    indexes = iter(range(len(requests)))

    async def worker(conn: Connection) -> None:
        for index in indexes:
            try:
                results[index] = await call(conn, requests[index])
            except ServiceError:
                results[index] = (0, None)

    conns = [Connection(host, port) for _ in range(max(1, min(concurrency, len(requests))))]
    try:
        await asyncio.gather(*(worker(conn) for conn in conns))
    finally:
        for conn in conns:
            await conn.close()
    return results
