"""Drive the service through the reliability scenarios and record what it answered, as JSON lines.

Runs inside the harness container, which shares the service's loopback, with the standard library
only. The grader injects the faults from the host (SIGKILL, SIGTERM, a held database lock) while a
command runs, and judges the records afterwards (grader/checks/reliability.py). Commands:

- `load`: create a tenant and accounts, seed them, then send concurrent deposits and transfers
  with Idempotency-Keys until the service stops answering or the time is up;
- `verify`: read every account's balance and entries (a snapshot), then hold a few requests in
  flight (body half sent) under a light load until the grader has sent SIGTERM, and finish them;
- `overload`: far more concurrent connections than normal for a few seconds, then wait for
  /readyz and take a snapshot;
- `probe`: call /readyz repeatedly during a window; `ready`: wait until /readyz answers 200.

Every request uses a fresh connection (`Connection: close`): a refused connection was never
started, while a reset or a close without an answer is a request the service dropped.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

READY = "ready"
SETUP = "setup"
WRITE = "write"
LOAD_STARTED = "load_started"
LOAD_DONE = "load_done"
ACCOUNT = "account"
ARMED = "armed"
SIGNALLED = "signalled"
OVERLOAD = "overload"
PROBE = "probe"
DONE = "done"

PHASE_SEED = "seed"
PHASE_LOAD = "load"
PHASE_SHUTDOWN = "shutdown"
PHASE_HELD = "held"
PHASE_OVERLOAD = "overload"

AVAILABLE = "ok"
UNIMPLEMENTED = "unimplemented"

CURRENCY = "EUR"
ACCOUNTS = 4
# Deposits move odd amounts and transfers even ones, so a lone entry of an unacknowledged
# transaction tells a whole deposit (odd) from half a transfer (even).
SEED_AMOUNT = 1_000_001
PAGE_LIMIT = 200
MAX_PAGES = 250
MAX_BODY_BYTES = 1024 * 1024
READY_POLL_S = 0.2
# Consecutive unanswered requests after which a load worker concludes the service is gone.
GONE_AFTER = 3
# Time for the service to read the held requests' headers before the grader is told to signal.
ARM_SETTLE_S = 0.3
SIGNAL_POLL_S = 0.02


@dataclass(frozen=True, slots=True)
class Target:
    """Where the service listens."""

    host: str
    port: int

    @classmethod
    def parse(cls, base_url: str) -> Target:
        parts = urllib.parse.urlsplit(base_url)
        return cls(host=parts.hostname or "127.0.0.1", port=parts.port or 80)


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer, or why there was none (`status` None)."""

    status: int | None
    body: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def field(self, name: str) -> Any:
        """A top-level field of a JSON object body, or None."""
        return self.body.get(name) if isinstance(self.body, dict) else None


class Recorder:
    """Appends JSON lines to the results file, one flush per record, from any thread."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":"))
        with self.lock:
            self.out.write(line + "\n")
            self.out.flush()


def call(
    target: Target,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One request on a fresh connection; never raises."""
    conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    payload = None if body is None else json.dumps(body).encode()
    sent = {"Connection": "close", **(headers or {})}
    if payload is not None:
        sent["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        return Reply(status=response.status, body=_json(response.read(MAX_BODY_BYTES)))
    except (OSError, http.client.HTTPException) as exc:
        return Reply(status=None, error=type(exc).__name__)
    finally:
        conn.close()


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


def wait_ready(target: Target, *, timeout: float) -> dict[str, Any]:
    """Poll /readyz until it answers 200 or `timeout` passes: a `ready` record."""
    started = time.monotonic()
    last = "no attempt"
    while True:
        reply = call(target, "GET", "/readyz", timeout=2.0)
        elapsed = time.monotonic() - started
        last = f"HTTP {reply.status}" if reply.status is not None else f"no answer ({reply.error})"
        if reply.status == 200:
            return {"type": READY, "ok": True, "seconds": round(elapsed, 3), "detail": last}
        if elapsed >= timeout:
            return {"type": READY, "ok": False, "seconds": round(elapsed, 3), "detail": last}
        time.sleep(READY_POLL_S)


@dataclass(frozen=True, slots=True)
class Tenant:
    """The tenant and accounts the scenarios work on, and which money movements the service has."""

    api_key: str
    accounts: tuple[str, ...]
    deposits: str
    transfers: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def record(self) -> dict[str, Any]:
        return {
            "type": SETUP,
            "ok": True,
            "api_key": self.api_key,
            "accounts": list(self.accounts),
            "deposits": self.deposits,
            "transfers": self.transfers,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Tenant:
        return cls(
            api_key=str(record["api_key"]),
            accounts=tuple(str(a) for a in record["accounts"]),
            deposits=str(record["deposits"]),
            transfers=str(record["transfers"]),
        )


def availability(reply: Reply) -> str:
    """`ok`, `unimplemented` (501), or what else the first attempt answered."""
    if reply.ok:
        return AVAILABLE
    if reply.status == 501:
        return UNIMPLEMENTED
    return f"HTTP {reply.status}" if reply.status is not None else f"no answer ({reply.error})"


def send_write(
    target: Target,
    tenant: Tenant,
    rec: Recorder,
    *,
    phase: str,
    kind: str,
    accounts: tuple[str, ...],
    amount: int,
    key: str,
    timeout: float = 10.0,
) -> Reply:
    """One deposit or transfer with an Idempotency-Key, recorded as a `write`."""
    if kind == "transfer":
        path = "/v1/transfers"
        body: dict[str, Any] = {
            "from_account_id": accounts[0],
            "to_account_id": accounts[1],
            "amount": amount,
        }
    else:
        path, body = "/v1/deposits", {"account_id": accounts[0], "amount": amount}
    headers = {**tenant.auth, "Idempotency-Key": key}
    started = time.monotonic()
    reply = call(target, "POST", path, body=body, headers=headers, timeout=timeout)
    rec.write(write_record(phase, kind, key, accounts, amount, reply, time.monotonic() - started))
    return reply


def write_record(
    phase: str,
    kind: str,
    key: str,
    accounts: tuple[str, ...],
    amount: int,
    reply: Reply,
    seconds: float,
) -> dict[str, Any]:
    """What one money movement asked for and what came back."""
    txn = reply.field("id") if reply.ok else None
    return {
        "type": WRITE,
        "phase": phase,
        "kind": kind,
        "key": key,
        "accounts": list(accounts),
        "amount": amount,
        "status": reply.status,
        "txn": txn if isinstance(txn, str) else None,
        "error": reply.error,
        "seconds": round(seconds, 4),
    }


def setup(target: Target, rec: Recorder, *, admin_token: str) -> Tenant | None:
    """A fresh tenant with funded accounts; None (after recording why) when that fails."""
    created = call(
        target,
        "POST",
        "/admin/tenants",
        body={"name": "reliability"},
        headers={"X-Admin-Token": admin_token},
    )
    api_key = created.field("api_key")
    if created.status != 201 or not isinstance(api_key, str):
        rec.write(_setup_failed("POST /admin/tenants", created))
        return None
    auth = {"Authorization": f"Bearer {api_key}"}
    accounts: list[str] = []
    for index in range(ACCOUNTS):
        body = {"name": f"reliability-{index}", "currency": CURRENCY}
        reply = call(target, "POST", "/v1/accounts", body=body, headers=auth)
        account_id = reply.field("id")
        if reply.status != 201 or not isinstance(account_id, str):
            rec.write(_setup_failed("POST /v1/accounts", reply))
            return None
        accounts.append(account_id)
    tenant = Tenant(api_key=api_key, accounts=tuple(accounts), deposits="", transfers="")
    return _fund(target, rec, tenant)


def _fund(target: Target, rec: Recorder, tenant: Tenant) -> Tenant:
    """Seed every account, then try one transfer: which movements the service implements."""
    seeded = [
        send_write(
            target,
            tenant,
            rec,
            phase=PHASE_SEED,
            kind="deposit",
            accounts=(account,),
            amount=SEED_AMOUNT,
            key=f"seed-{index}",
        )
        for index, account in enumerate(tenant.accounts)
    ]
    transfer = send_write(
        target,
        tenant,
        rec,
        phase=PHASE_SEED,
        kind="transfer",
        accounts=tenant.accounts[:2],
        amount=2,
        key="seed-transfer",
    )
    funded = Tenant(
        api_key=tenant.api_key,
        accounts=tenant.accounts,
        deposits=availability(seeded[0]),
        transfers=availability(transfer),
    )
    rec.write(funded.record())
    return funded


def _setup_failed(what: str, reply: Reply) -> dict[str, Any]:
    answer = f"HTTP {reply.status}" if reply.status is not None else f"no answer ({reply.error})"
    return {"type": SETUP, "ok": False, "detail": f"{what} answered {answer}"}


def movement(tenant: Tenant, worker: int, n: int) -> tuple[str, tuple[str, ...], int]:
    """The n-th movement of a load worker: two transfers for one deposit when transfers exist.

    Transfers go between neighbouring accounts in a ring, so every account both pays and
    receives, and every amount is small against the seed: nothing runs out of funds.
    """
    count = len(tenant.accounts)
    first = tenant.accounts[(worker + n) % count]
    second = tenant.accounts[(worker + n + 1) % count]
    step = (worker * 7 + n) % 25
    if tenant.transfers == AVAILABLE and n % 3 != 2:
        return "transfer", (first, second), 2 * step + 2
    return "deposit", (first,), 2 * step + 1


def run_workers(count: int, work: Callable[[int], None]) -> None:
    """Run `work(index)` on `count` threads and wait for all of them."""
    threads = [threading.Thread(target=work, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def write_load(
    target: Target,
    tenant: Tenant,
    rec: Recorder,
    *,
    phase: str,
    workers: int,
    until: float,
    stop: threading.Event,
) -> None:
    """Concurrent movements until `until`, `stop`, or the service stops answering a worker."""

    def work(worker: int) -> None:
        unanswered = 0
        n = 0
        while time.monotonic() < until and not stop.is_set() and unanswered < GONE_AFTER:
            kind, accounts, amount = movement(tenant, worker, n)
            reply = send_write(
                target,
                tenant,
                rec,
                phase=phase,
                kind=kind,
                accounts=accounts,
                amount=amount,
                key=f"{phase}-{worker}-{n}",
            )
            unanswered = unanswered + 1 if reply.status is None else 0
            n += 1

    run_workers(workers, work)


def snapshot(target: Target, tenant: Tenant, rec: Recorder, *, label: str) -> None:
    """Record each account's balance and all its entries (newest first, as listed)."""
    for account in tenant.accounts:
        reply = call(target, "GET", f"/v1/accounts/{account}", headers=tenant.auth)
        entries, complete, detail = _entries(target, tenant, account)
        rec.write(
            {
                "type": ACCOUNT,
                "label": label,
                "id": account,
                "status": reply.status,
                "balance": reply.field("balance"),
                "entries": entries,
                "complete": complete,
                "detail": detail,
            }
        )


def _entries(target: Target, tenant: Tenant, account: str) -> tuple[list[list[Any]], bool, str]:
    """[transaction_id, amount, balance_after] of each entry; whether the walk ended; why not."""
    found: list[list[Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        query = {"limit": str(PAGE_LIMIT)} | ({"cursor": cursor} if cursor else {})
        path = f"/v1/accounts/{account}/entries?{urllib.parse.urlencode(query)}"
        reply = call(target, "GET", path, headers=tenant.auth)
        data = reply.field("data")
        if reply.status != 200 or not isinstance(data, list):
            return found, False, f"entries page answered {reply.status or reply.error}"
        for entry in data:
            if isinstance(entry, dict):
                found.append(
                    [entry.get("transaction_id"), entry.get("amount"), entry.get("balance_after")]
                )
        nxt = reply.field("next_cursor")
        if not isinstance(nxt, str) or not nxt:
            return found, True, ""
        cursor = nxt
    return found, False, f"more than {MAX_PAGES} pages"


class HeldRequest:
    """A request whose headers and half its body are sent: in flight until `finish`."""

    def __init__(self, target: Target, *, path: str, body: dict[str, Any], headers: dict[str, str]):
        payload = json.dumps(body).encode()
        head = [f"POST {path} HTTP/1.1", f"Host: {target.host}:{target.port}"]
        sent = {
            **headers,
            "Content-Type": "application/json",
            "Content-Length": str(len(payload)),
            "Connection": "close",
        }
        head += [f"{name}: {value}" for name, value in sent.items()]
        self.request = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        self.split = len(self.request) - len(payload) // 2
        self.target = target
        self.sock: socket.socket | None = None

    def open(self, *, timeout: float) -> str | None:
        """Connect and send all but the body's second half; the error's name on failure."""
        try:
            self.sock = socket.create_connection((self.target.host, self.target.port), timeout)
            self.sock.sendall(self.request[: self.split])
        except OSError as exc:
            return type(exc).__name__
        return None

    def finish(self, *, timeout: float) -> Reply:
        """Send the rest and read the answer."""
        if self.sock is None:
            return Reply(status=None, error="not opened")
        try:
            self.sock.settimeout(timeout)
            self.sock.sendall(self.request[self.split :])
            response = http.client.HTTPResponse(self.sock)
            response.begin()
            return Reply(status=response.status, body=_json(response.read(MAX_BODY_BYTES)))
        except (OSError, http.client.HTTPException) as exc:
            return Reply(status=None, error=type(exc).__name__)
        finally:
            self.sock.close()


def held_request(
    target: Target, tenant: Tenant, *, index: int, admin_token: str
) -> tuple[HeldRequest, dict[str, Any]]:
    """A held deposit (or, without deposits, a held tenant creation) and what it asks for."""
    if tenant.deposits == AVAILABLE:
        account = tenant.accounts[index % len(tenant.accounts)]
        headers = {**tenant.auth, "Idempotency-Key": f"held-{index}"}
        body: dict[str, Any] = {"account_id": account, "amount": 1}
        plan = {"kind": "deposit", "key": f"held-{index}", "accounts": [account], "amount": 1}
        return HeldRequest(target, path="/v1/deposits", body=body, headers=headers), plan
    headers = {"X-Admin-Token": admin_token}
    body = {"name": f"held-{index}"}
    plan = {"kind": "tenant", "key": "", "accounts": [], "amount": 0}
    return HeldRequest(target, path="/admin/tenants", body=body, headers=headers), plan


def shutdown_scenario(
    target: Target, tenant: Tenant, rec: Recorder, args: argparse.Namespace
) -> None:
    """Hold requests in flight under a light load until the grader signals; then finish them."""
    held: list[tuple[HeldRequest, dict[str, Any]]] = []
    failed: list[str] = []
    for index in range(args.held):
        request, plan = held_request(target, tenant, index=index, admin_token=args.admin_token)
        error = request.open(timeout=5.0)
        if error is None:
            held.append((request, plan))
        else:
            failed.append(error)
    stop = threading.Event()
    until = time.monotonic() + args.wait
    load = threading.Thread(
        target=write_load,
        args=(target, tenant, rec),
        kwargs={
            "phase": PHASE_SHUTDOWN,
            "workers": args.workers,
            "until": until,
            "stop": stop,
        },
        daemon=True,
    )
    loaded = tenant.deposits == AVAILABLE
    if loaded:
        load.start()
    time.sleep(ARM_SETTLE_S)
    rec.write({"type": ARMED, "held": len(held), "failed": failed})
    signal_file = args.signal_file or args.results.parent / "signal"
    rec.write({"type": SIGNALLED, "ok": _await_file(signal_file, until=until)})
    stop.set()
    _finish_held(held, rec, timeout=args.response_timeout)
    if loaded:
        load.join()


def _await_file(path: Path, *, until: float) -> bool:
    while time.monotonic() < until:
        if path.exists():
            return True
        time.sleep(SIGNAL_POLL_S)
    return False


def _finish_held(
    held: list[tuple[HeldRequest, dict[str, Any]]], rec: Recorder, *, timeout: float
) -> None:
    """Finish the held requests in parallel: a graceful service answers every one."""

    def finish(index: int) -> None:
        request, plan = held[index]
        started = time.monotonic()
        reply = request.finish(timeout=timeout)
        accounts = tuple(plan["accounts"])
        record = write_record(
            PHASE_HELD,
            plan["kind"],
            plan["key"],
            accounts,
            plan["amount"],
            reply,
            time.monotonic() - started,
        )
        rec.write(record)

    run_workers(len(held), finish)


def overload(target: Target, tenant: Tenant, rec: Recorder, args: argparse.Namespace) -> None:
    """`connections` concurrent clients for `seconds`: reads and deposits, counted by outcome."""
    until = time.monotonic() + args.seconds
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    slowest = [0.0]

    def work(worker: int) -> None:
        n = 0
        while time.monotonic() < until:
            started = time.monotonic()
            account = tenant.accounts[(worker + n) % len(tenant.accounts)]
            if n % 2 == 0 or tenant.deposits != AVAILABLE:
                path = f"/v1/accounts/{account}/entries?limit=20"
                reply = call(target, "GET", path, headers=tenant.auth, timeout=args.timeout)
            else:
                reply = send_write(
                    target,
                    tenant,
                    rec,
                    phase=PHASE_OVERLOAD,
                    kind="deposit",
                    accounts=(account,),
                    amount=1,
                    key=f"overload-{worker}-{n}",
                    timeout=args.timeout,
                )
            with lock:
                statuses[str(reply.status) if reply.status is not None else str(reply.error)] += 1
                slowest[0] = max(slowest[0], time.monotonic() - started)
            n += 1

    run_workers(args.connections, work)
    rec.write(
        {
            "type": OVERLOAD,
            "connections": args.connections,
            "seconds": args.seconds,
            "outcomes": dict(sorted(statuses.items())),
            "slowest_s": round(slowest[0], 3),
        }
    )


def probe(target: Target, rec: Recorder, *, window: float, timeout: float, every: float) -> None:
    """Call /readyz during `window`, starting a probe only if it can finish inside the window."""
    started = time.monotonic()
    while True:
        at = time.monotonic() - started
        reply = call(target, "GET", "/readyz", timeout=timeout)
        rec.write(
            {
                "type": PROBE,
                "at": round(at, 3),
                "seconds": round(time.monotonic() - started - at, 3),
                "status": reply.status,
                "error": reply.error,
                "code": reply.field("code"),
            }
        )
        time.sleep(every)
        if time.monotonic() - started + timeout > window:
            return


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m grader.harness_reliability")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--base-url", required=True)
    common.add_argument("--results", required=True, type=Path)
    common.add_argument("--ready-timeout", type=float, default=30.0)
    load = sub.add_parser("load", parents=[common])
    load.add_argument("--admin-token", required=True)
    load.add_argument("--workers", type=int, default=8)
    load.add_argument("--seconds", type=float, default=15.0)
    verify = sub.add_parser("verify", parents=[common])
    verify.add_argument("--setup", required=True, help="the `setup` record of `load`, as JSON")
    verify.add_argument("--admin-token", required=True)
    verify.add_argument(
        "--signal-file", type=Path, help="appears once SIGTERM is sent (default: beside results)"
    )
    verify.add_argument("--held", type=int, default=4)
    verify.add_argument("--workers", type=int, default=2)
    verify.add_argument("--wait", type=float, default=20.0)
    verify.add_argument("--response-timeout", type=float, default=15.0)
    over = sub.add_parser("overload", parents=[common])
    over.add_argument("--setup", required=True)
    over.add_argument("--connections", type=int, default=200)
    over.add_argument("--seconds", type=float, default=3.0)
    over.add_argument("--timeout", type=float, default=10.0)
    over.add_argument("--recover-timeout", type=float, default=20.0)
    prober = sub.add_parser("probe", parents=[common])
    prober.add_argument("--window", type=float, required=True)
    prober.add_argument("--timeout", type=float, default=2.0)
    prober.add_argument("--every", type=float, default=0.25)
    sub.add_parser("ready", parents=[common])
    return parser.parse_args(argv)


def run(args: argparse.Namespace, rec: Recorder) -> None:
    """Carry out one command."""
    target = Target.parse(args.base_url)
    if args.command == "probe":
        probe(target, rec, window=args.window, timeout=args.timeout, every=args.every)
        return
    ready = wait_ready(target, timeout=args.ready_timeout)
    rec.write(ready)
    if not ready["ok"] or args.command == "ready":
        return
    if args.command == "load":
        tenant = setup(target, rec, admin_token=args.admin_token)
        if tenant is None or tenant.deposits != AVAILABLE:
            return
        rec.write({"type": LOAD_STARTED})
        until = time.monotonic() + args.seconds
        write_load(
            target,
            tenant,
            rec,
            phase=PHASE_LOAD,
            workers=args.workers,
            until=until,
            stop=threading.Event(),
        )
        rec.write({"type": LOAD_DONE})
        return
    tenant = Tenant.from_record(json.loads(args.setup))
    if args.command == "verify":
        snapshot(target, tenant, rec, label="after_crash")
        shutdown_scenario(target, tenant, rec, args)
    else:
        overload(target, tenant, rec, args)
        rec.write({**wait_ready(target, timeout=args.recover_timeout), "label": "recovered"})
        snapshot(target, tenant, rec, label="after_overload")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    with args.results.open("a", encoding="utf-8") as out:
        rec = Recorder(out)
        run(args, rec)
        rec.write({"type": DONE})
    return 0
