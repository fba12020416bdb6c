"""Reliability under faults: crash durability, graceful shutdown, overload, memory, readiness.

One sandbox session with one data volume; the driver (grader/harness_reliability) sends the
requests from beside the service and the grader injects the faults from the host:

1. crash: a fresh tenant with funded accounts, then concurrent deposits and transfers with
   Idempotency-Keys; once enough are acknowledged the service gets SIGKILL mid-load.
2. restart on the same volume: every write acknowledged with 2xx must be there with all its
   entries (`durable_writes`); the ledger must be consistent (`consistent_after_restart`): every
   account readable, its balance the sum of its entries, each entry's `balance_after` the running
   sum, every transaction whole (a transfer both legs or none), no more unacknowledged
   transactions than unanswered requests, money conserved.
3. SIGTERM while requests are in flight (headers and half a body sent) under a light load: the
   in-flight requests must be answered (not 5xx, no reset), and the process must exit with code 0
   within Limits.stop_grace_s (`graceful`).
4. restart, then OVERLOAD_CONNECTIONS concurrent clients for OVERLOAD_S: the container must still
   run, /readyz must answer 200 again, and the ledger must be consistent with every acknowledged
   write present (`degrades`). Errors (429/503) and latency are fine; the counts are evidence.
5. memory: no OOM kill of any service container, and the sampled working set (usage minus
   inactive page cache) below MEMORY_CEILING of the limit (`within_limit`).
6. readiness when the database is not usable (`db_unusable`): (a) another container holds
   SQLite's write lock on ledger.db: /readyz must not answer 200 while it is held (503
   `not_ready` or no answer within the probe timeout), and must answer 200 again once it is
   released; (b) a new service whose data directory is an empty read-only volume must never
   answer 200 on /readyz: answering 503 or refusing to start are both accepted, as the contract
   allows either.

Money movements the submission leaves unimplemented (501) are charged to api_design: the checks
that need them are skipped, not failed. What a process kill cannot show is in the rubric's
reviewer notes: writes the OS had already received survive a SIGKILL even without fsync, so
`PRAGMA synchronous = OFF` passes; only a power cut would tell.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from grader.checks.base import CheckContext, StageOutcome, check_result, text_evidence, wanted
from grader.checks.hidden_suite import ServiceFate, parse_lines
from grader.errors import InfrastructureError
from grader.harness_reliability.driver import (
    ACCOUNT,
    ARMED,
    AVAILABLE,
    LOAD_STARTED,
    OVERLOAD,
    PHASE_HELD,
    PHASE_LOAD,
    PHASE_SEED,
    PHASE_SHUTDOWN,
    PROBE,
    READY,
    SETUP,
    WRITE,
)
from grader.model import CheckResult, Status
from grader.rubric import Check
from grader.sandbox.base import (
    FaultSandbox,
    FaultSession,
    MemoryReport,
    Progress,
    Sandbox,
    StopOutcome,
    SuiteRequest,
)

DURABLE = "reliability.crash.durable_writes"
CONSISTENT = "reliability.crash.consistent_after_restart"
GRACEFUL = "reliability.shutdown.graceful"
OVERLOAD_CHECK = "reliability.overload.degrades"
MEMORY = "reliability.memory.within_limit"
DB_UNUSABLE = "reliability.readiness.db_unusable"
CHECK_IDS = (DURABLE, CONSISTENT, GRACEFUL, OVERLOAD_CHECK, MEMORY, DB_UNUSABLE)
SOURCE = "reliability"

# The crash comes once this many load writes are acknowledged, or this long into the load.
KILL_AFTER_ACKS = 150
KILL_AFTER_S = 2.5
LOAD_MAX_S = 15.0
OVERLOAD_CONNECTIONS = 200
OVERLOAD_S = 3.0
RECOVER_S = 20.0
# /readyz probes while the database is locked: each may take PROBE_TIMEOUT_S (a busy timeout of
# 5 s is common) and must end inside PROBE_WINDOW_S, well before the lock is released.
PROBE_WINDOW_S = 8.0
PROBE_TIMEOUT_S = 6.0
LOCK_HOLD_S = 30.0
UNWRITABLE_WINDOW_S = 6.0
UNWRITABLE_PROBE_TIMEOUT_S = 2.0
# Time for the driver container itself on top of what its command waits for.
DRIVER_SLACK_S = 30.0
MEMORY_CEILING = 0.95
MAX_LISTED = 10
MIB = 1024 * 1024
MONEY_KINDS = ("deposit", "transfer")
LOCAL_REASON = "Not run: the {name} runner cannot crash, stop or restart the service in isolation."
NEVER_READY = "Not run: the service never became ready (see reliability.service.ready)."
DEPOSITS_MISSING = "Not run: deposits are not implemented ({detail}); the API checks count that."
SETUP_FAILED = "Not run: the tenant and accounts for the scenario could not be created ({detail})."


# --------------------------------------------------------------------------- driver records


@dataclass(frozen=True, slots=True)
class Write:
    """One money movement (or held request) the driver sent, and what the service answered."""

    phase: str
    kind: str
    key: str
    accounts: tuple[str, ...]
    amount: int
    status: int | None
    txn: str | None
    error: str | None = None

    @property
    def acked(self) -> bool:
        """Acknowledged: a 2xx answer naming the transaction."""
        return self.txn is not None and self.status is not None and 200 <= self.status < 300

    @property
    def money(self) -> bool:
        return self.kind in MONEY_KINDS

    def legs(self) -> Counter[tuple[str, int]]:
        """The entries this movement must have produced: (account, signed amount)."""
        if self.kind == "transfer" and len(self.accounts) == 2:
            return Counter(
                {(self.accounts[0], -self.amount): 1, (self.accounts[1], self.amount): 1}
            )
        return Counter({(self.accounts[0], self.amount): 1}) if self.accounts else Counter()

    def describe(self) -> str:
        answer = f"HTTP {self.status}" if self.status is not None else f"no answer ({self.error})"
        return f"{self.kind} {self.amount} key={self.key} txn={self.txn} -> {answer}"


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account as a snapshot read it back; entries newest first, values untrusted."""

    id: str
    status: int | None
    balance: Any
    entries: tuple[tuple[Any, Any, Any], ...]
    complete: bool
    detail: str = ""


def records(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The driver's JSON lines (a line cut by a kill is dropped)."""
    return parse_lines(lines)[0]


def first(found: Iterable[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    """The first record of a type."""
    return next((r for r in found if r.get("type") == kind), None)


def parse_writes(found: Iterable[dict[str, Any]]) -> list[Write]:
    """The `write` records as Writes (malformed ones are skipped: the driver wrote them)."""
    writes: list[Write] = []
    for record in found:
        if record.get("type") != WRITE:
            continue
        status, txn, amount = record.get("status"), record.get("txn"), record.get("amount")
        writes.append(
            Write(
                phase=str(record.get("phase", "")),
                kind=str(record.get("kind", "")),
                key=str(record.get("key", "")),
                accounts=tuple(str(a) for a in record.get("accounts") or ()),
                amount=amount if isinstance(amount, int) else 0,
                status=status if isinstance(status, int) else None,
                txn=txn if isinstance(txn, str) else None,
                error=str(record["error"]) if record.get("error") else None,
            )
        )
    return writes


def parse_accounts(found: Iterable[dict[str, Any]], *, label: str) -> list[AccountState]:
    """The `account` records of one snapshot."""
    states: list[AccountState] = []
    for record in found:
        if record.get("type") != ACCOUNT or record.get("label") != label:
            continue
        raw = record.get("entries")
        entries = tuple(
            (e[0], e[1], e[2]) for e in raw or () if isinstance(e, list) and len(e) == 3
        )
        status = record.get("status")
        states.append(
            AccountState(
                id=str(record.get("id", "")),
                status=status if isinstance(status, int) else None,
                balance=record.get("balance"),
                entries=entries,
                complete=bool(record.get("complete")),
                detail=str(record.get("detail", "")),
            )
        )
    return states


# --------------------------------------------------------------------------- ledger verification


@dataclass(frozen=True, slots=True)
class LedgerCheck:
    """A snapshot judged against the writes that were sent before it."""

    acked: int
    missing: tuple[Write, ...]
    problems: tuple[str, ...]
    unacked_present: int
    unanswered: int
    total_balance: int
    deposits_found: int
    # Per readable account: its entries' sum minus its balance (0 when consistent).
    drift: tuple[tuple[str, int], ...] = ()
    transaction_problems: tuple[str, ...] = ()

    def summary(self) -> str:
        return (
            f"acknowledged writes: {self.acked}, missing: {len(self.missing)}\n"
            f"transactions present that were not acknowledged: {self.unacked_present} "
            f"(requests without a 2xx answer: {self.unanswered})\n"
            f"total balance: {self.total_balance}; deposits found: {self.deposits_found}\n"
            f"inconsistencies: {len(self.problems)}"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_ledger(writes: Sequence[Write], accounts: Sequence[AccountState]) -> LedgerCheck:
    """Compare a snapshot with the acknowledged writes; see the module docstring for the rules."""
    problems: list[str] = []
    legs: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    drift: list[tuple[str, int]] = []
    total = 0
    for account in accounts:
        problems += _account_problems(account)
        amounts = [amount for _, amount, _ in account.entries if _is_int(amount)]
        for txn, amount, _ in account.entries:
            if isinstance(txn, str) and _is_int(amount):
                legs[txn].append((account.id, amount))
        if _is_int(account.balance):
            total += account.balance
            drift.append((account.id, sum(amounts) - account.balance))
    deposits = 0
    whole_problems: list[str] = []
    for txn, found in sorted(legs.items()):
        problem = _transaction_problem(found)
        if problem:
            whole_problems.append(f"transaction {txn}: {problem}")
        elif len(found) == 1:
            deposits += found[0][1]
    money = [w for w in writes if w.money]
    acked = [w for w in money if w.acked]
    missing = [w for w in acked if w.txn not in legs]
    for write in acked:
        present = legs.get(write.txn or "")
        if present and Counter(present) != write.legs():
            whole_problems.append(f"acknowledged {write.describe()} has other entries: {present}")
    known = {w.txn for w in acked}
    unacked_present = sum(txn not in known for txn in legs)
    unanswered = sum(not w.acked for w in money)
    if unacked_present > unanswered:
        whole_problems.append(
            f"{unacked_present} transactions were never acknowledged, but only {unanswered} "
            "requests went without a 2xx answer"
        )
    problems += whole_problems
    if total != deposits:
        problems.append(f"money not conserved: balances total {total}, deposits found {deposits}")
    return LedgerCheck(
        acked=len(acked),
        missing=tuple(missing),
        problems=tuple(problems),
        unacked_present=unacked_present,
        unanswered=unanswered,
        total_balance=total,
        deposits_found=deposits,
        drift=tuple(drift),
        transaction_problems=tuple(whole_problems),
    )


def damage_since(
    after: LedgerCheck, before: LedgerCheck, *, ignore_phases: tuple[str, ...] = ()
) -> list[str]:
    """What went wrong between two snapshots, leaving out what the first one already showed.

    Acknowledged writes missing from the second snapshot only (but those of `ignore_phases`,
    judged elsewhere), transaction problems it adds, and accounts whose entries-minus-balance
    changed (new lost updates) or that could not be read.
    """
    missing_before = {w.txn for w in before.missing}
    damage = [
        f"acknowledged but missing: {w.describe()}"
        for w in after.missing
        if w.phase not in ignore_phases and w.txn not in missing_before
    ]
    damage += [p for p in after.transaction_problems if p not in before.transaction_problems]
    earlier = dict(before.drift)
    readable = {account for account, _ in after.drift}
    for account, drift in after.drift:
        if drift != earlier.get(account, 0):
            damage.append(
                f"account {account}: entries minus balance went from "
                f"{earlier.get(account, 0)} to {drift}"
            )
    damage += [f"account {a} could not be read back" for a in earlier if a not in readable]
    return damage


def _account_problems(account: AccountState) -> list[str]:
    """Unreadable account, malformed entries, balance or balance_after chain off."""
    if account.status != 200 or not account.complete or not _is_int(account.balance):
        why = account.detail or f"account answered {account.status}"
        return [f"account {account.id} could not be read back: {why}"]
    running = 0
    for position, (txn, amount, after) in enumerate(reversed(account.entries), start=1):
        if not (isinstance(txn, str) and _is_int(amount) and _is_int(after)):
            return [f"account {account.id}: entry {position} (oldest first) is malformed"]
        running += amount
        if after != running:
            return [
                f"account {account.id}: entry {position} (oldest first) has balance_after "
                f"{after}, but the entries up to it sum to {running}"
            ]
    if running != account.balance:
        return [f"account {account.id}: balance {account.balance}, entries sum to {running}"]
    return []


def _transaction_problem(found: list[tuple[str, int]]) -> str:
    """Why a transaction's entries are not a whole deposit (one odd credit) or transfer.

    The driver deposits odd amounts and transfers even ones (see the driver's SEED_AMOUNT).
    """
    if len(found) == 1:
        amount = found[0][1]
        return "" if amount > 0 and amount % 2 == 1 else f"one entry of {amount}: half a transfer"
    if len(found) == 2:
        (first_account, first_amount), (second_account, second_amount) = found
        whole = (
            first_amount + second_amount == 0
            and first_account != second_account
            and first_amount % 2 == 0
        )
        return "" if whole else f"entries {found} are not the two legs of one transfer"
    return f"{len(found)} entries"


# --------------------------------------------------------------------------- observing


@dataclass(frozen=True, slots=True)
class Observations:
    """Everything the scenarios recorded, for scoring."""

    stop_grace_s: float
    load: tuple[dict[str, Any], ...] = ()
    kill: StopOutcome | None = None
    verify: tuple[dict[str, Any], ...] = ()
    stop: StopOutcome | None = None
    overload: tuple[dict[str, Any], ...] = ()
    overload_fate: ServiceFate | None = None
    lock_problem: str = ""
    lock_probes: tuple[dict[str, Any], ...] = ()
    lock_recovery: tuple[dict[str, Any], ...] = ()
    unwritable: tuple[dict[str, Any], ...] = ()
    unwritable_fate: ServiceFate | None = None
    memory: MemoryReport | None = None
    seconds: dict[str, float] = field(default_factory=dict)


class Killer:
    """Watches the load and SIGKILLs the service once enough writes are acknowledged."""

    def __init__(self, session: FaultSession) -> None:
        self.session = session
        self.started: float | None = None
        self.outcome: StopOutcome | None = None

    def __call__(self, lines: tuple[str, ...]) -> None:
        if self.outcome is not None:
            return
        found = records(lines)
        if first(found, LOAD_STARTED) is None:
            return
        now = time.monotonic()
        self.started = self.started or now
        acked = sum(w.acked for w in parse_writes(found) if w.phase == PHASE_LOAD)
        if acked >= KILL_AFTER_ACKS or now - self.started >= KILL_AFTER_S:
            self.outcome = self.session.kill()


class Stopper:
    """Sends SIGTERM once the driver holds requests in flight, then lets it finish them."""

    def __init__(self, session: FaultSession) -> None:
        self.session = session
        self.outcome: StopOutcome | None = None

    def __call__(self, lines: tuple[str, ...]) -> None:
        if self.outcome is not None or first(records(lines), ARMED) is None:
            return
        if not self.session.send_signal("SIGTERM"):
            self.outcome = StopOutcome(exit_code=None, seconds=0.0, killed=False, was_running=False)
            return
        self.session.signal_driver()
        self.outcome = self.session.wait_exit(self.session.limits.stop_grace_s)


def observe(session: FaultSession, *, admin_token: str, progress: Progress) -> Observations:
    """Run every scenario against the session's service, in order."""
    limits = session.limits
    ready_timeout = ["--ready-timeout", f"{limits.startup_s:g}"]
    seconds: dict[str, float] = {}
    started = time.monotonic()
    progress("reliability: write load, then SIGKILL")
    killer = Killer(session)
    load = session.run_driver(
        ["load", "--admin-token", admin_token, *ready_timeout, "--seconds", f"{LOAD_MAX_S:g}"],
        budget=limits.startup_s + LOAD_MAX_S + DRIVER_SLACK_S,
        watch=killer,
    )
    load_records = records(load.lines)
    seconds["crash"] = time.monotonic() - started
    ready = first(load_records, READY)
    if not (ready and ready.get("ok")):
        return Observations(stop_grace_s=limits.stop_grace_s, load=tuple(load_records))
    setup = first(load_records, SETUP)
    verify: list[dict[str, Any]] = []
    overload: list[dict[str, Any]] = []
    stopper = Stopper(session)
    overload_fate = None
    if setup and setup.get("ok"):
        setup_arg = ["--setup", json.dumps(setup)]
        session.restart()
        progress("reliability: restart, read back, then SIGTERM with requests in flight")
        mark = time.monotonic()
        verify = records(
            session.run_driver(
                ["verify", *setup_arg, "--admin-token", admin_token, *ready_timeout],
                budget=limits.startup_s + limits.stop_grace_s + DRIVER_SLACK_S * 2,
                watch=stopper,
            ).lines
        )
        seconds["shutdown"] = time.monotonic() - mark
        session.restart()
        progress(f"reliability: {OVERLOAD_CONNECTIONS} concurrent connections")
        mark = time.monotonic()
        run = session.run_driver(
            [
                "overload",
                *setup_arg,
                *ready_timeout,
                *("--connections", f"{OVERLOAD_CONNECTIONS}", "--seconds", f"{OVERLOAD_S:g}"),
                *("--recover-timeout", f"{RECOVER_S:g}"),
            ],
            budget=limits.startup_s + OVERLOAD_S + RECOVER_S + DRIVER_SLACK_S * 2,
        )
        overload, overload_fate = records(run.lines), run.fate
        seconds["overload"] = time.monotonic() - mark
    memory = session.memory_report()
    mark = time.monotonic()
    lock_problem, lock_probes, lock_recovery = _lock_scenario(session, ready_timeout, progress)
    seconds["db_locked"] = time.monotonic() - mark
    mark = time.monotonic()
    progress("reliability: start with a read-only data directory")
    session.start_unwritable()
    unwritable = session.run_driver(
        [
            "probe",
            "--window",
            f"{UNWRITABLE_WINDOW_S:g}",
            "--timeout",
            f"{UNWRITABLE_PROBE_TIMEOUT_S:g}",
        ],
        budget=UNWRITABLE_WINDOW_S + DRIVER_SLACK_S,
    )
    seconds["db_unwritable"] = time.monotonic() - mark
    seconds["total"] = time.monotonic() - started
    return Observations(
        stop_grace_s=limits.stop_grace_s,
        load=tuple(load_records),
        kill=killer.outcome,
        verify=tuple(verify),
        stop=stopper.outcome,
        overload=tuple(overload),
        overload_fate=overload_fate,
        lock_problem=lock_problem,
        lock_probes=tuple(lock_probes),
        lock_recovery=tuple(lock_recovery),
        unwritable=tuple(records(unwritable.lines)),
        unwritable_fate=unwritable.fate,
        memory=memory,
        seconds={name: round(value, 2) for name, value in seconds.items()},
    )


def _lock_scenario(
    session: FaultSession, ready_timeout: list[str], progress: Progress
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Probe /readyz while another container holds the database's write lock, then after."""
    if not session.fate().running:
        session.restart()
        ready = first(
            records(session.run_driver(["ready", *ready_timeout], budget=60).lines), READY
        )
        if not (ready and ready.get("ok")):
            return "the service did not become ready again", [], []
    progress("reliability: /readyz while the database is locked")
    with session.hold_database_lock(LOCK_HOLD_S) as problem:
        if problem:
            return problem, [], []
        probes = session.run_driver(
            ["probe", "--window", f"{PROBE_WINDOW_S:g}", "--timeout", f"{PROBE_TIMEOUT_S:g}"],
            budget=PROBE_WINDOW_S + DRIVER_SLACK_S,
        )
    recovery = session.run_driver(
        ["ready", "--ready-timeout", f"{RECOVER_S:g}"], budget=RECOVER_S + DRIVER_SLACK_S
    )
    return "", records(probes.lines), records(recovery.lines)


# --------------------------------------------------------------------------- scoring


def needs_run(context: CheckContext) -> bool:
    """Whether `--only` selects any reliability-phase check."""
    return bool(wanted(context, SOURCE))


def run(context: CheckContext, *, sandbox: Sandbox, progress: Progress) -> StageOutcome:
    """Run the scenarios in a fault-capable sandbox and score them."""
    checks = wanted(context, SOURCE)
    if not checks:
        return StageOutcome()
    if not isinstance(sandbox, FaultSandbox):
        message = LOCAL_REASON.format(name=sandbox.name)
        return StageOutcome(
            checks=tuple(check_result(c, Status.SKIPPED, message=message) for c in checks)
        )
    request = SuiteRequest()
    try:
        with sandbox.fault_session(context.submission.root, request, progress) as session:
            observations = observe(session, admin_token=request.admin_token, progress=progress)
    except InfrastructureError as exc:
        message = "Not run: the grader could not run the reliability scenarios."
        results = tuple(check_result(c, Status.ERROR, message=message) for c in checks)
        return StageOutcome(checks=results, problems=(exc.message,))
    return outcome(checks, observations)


def outcome(checks: Sequence[Check], seen: Observations) -> StageOutcome:
    """Score the observations against the selected checks."""
    scorers = {
        DURABLE: _durable,
        CONSISTENT: _consistent,
        GRACEFUL: _graceful,
        OVERLOAD_CHECK: _overload,
        MEMORY: _memory,
        DB_UNUSABLE: _db_unusable,
    }
    timing = text_evidence("Phase timings (s)", json.dumps(seen.seconds, sort_keys=True))
    results: list[CheckResult] = []
    for check in checks:
        reason = _not_run(check, seen)
        if reason:
            results.append(check_result(check, Status.SKIPPED, message=reason))
            continue
        status, message, evidence = scorers[check.id](seen)
        results.append(check_result(check, status, message=message, evidence=[*evidence, timing]))
    return StageOutcome(checks=tuple(results))


Verdict = tuple[Status, str, list[dict[str, Any]]]


def _not_run(check: Check, seen: Observations) -> str:
    """Why a check has nothing to judge ("" when it has)."""
    ready = first(seen.load, READY)
    if not (ready and ready.get("ok")):
        return NEVER_READY
    setup = first(seen.load, SETUP)
    if check.id in (MEMORY, DB_UNUSABLE):
        return ""
    if not (setup and setup.get("ok")):
        detail = str(setup.get("detail", "")) if setup else "no answer"
        return SETUP_FAILED.format(detail=detail)
    if check.id in (DURABLE, CONSISTENT) and setup.get("deposits") != AVAILABLE:
        return DEPOSITS_MISSING.format(detail=str(setup.get("deposits")))
    return ""


def _crash_writes(seen: Observations) -> list[Write]:
    return [w for w in parse_writes(seen.load) if w.phase in (PHASE_SEED, PHASE_LOAD)]


def _crash_evidence(seen: Observations, ledger: LedgerCheck) -> list[dict[str, Any]]:
    kill = seen.kill
    writes = _crash_writes(seen)
    unanswered = Counter(w.error or f"HTTP {w.status}" for w in writes if not w.acked)
    setup = first(seen.load, SETUP) or {}
    text = (
        f"SIGKILL: {'sent' if kill else 'not sent (the load ended first)'}"
        f"{'' if kill is None else f', exit code {kill.exit_code}'}\n"
        f"transfers: {setup.get('transfers')}; deposits: {setup.get('deposits')}\n"
        f"writes sent: {len(writes)}; not acknowledged: {dict(sorted(unanswered.items()))}\n"
        f"{ledger.summary()}"
    )
    evidence = [text_evidence("Crash under write load", text)]
    if ledger.missing:
        listed = "\n".join(w.describe() for w in ledger.missing[:MAX_LISTED])
        evidence.append(text_evidence("Acknowledged but missing after restart", listed))
    if ledger.problems:
        listed = "\n".join(ledger.problems[:MAX_LISTED])
        evidence.append(text_evidence("Inconsistencies after restart", listed))
    return evidence


def _after_crash(seen: Observations) -> tuple[dict[str, Any] | None, LedgerCheck]:
    ready = first(seen.verify, READY)
    return ready, check_ledger(
        _crash_writes(seen), parse_accounts(seen.verify, label="after_crash")
    )


def _durable(seen: Observations) -> Verdict:
    ready, ledger = _after_crash(seen)
    evidence = _crash_evidence(seen, ledger)
    if not (ready and ready.get("ok")):
        return Status.FAILED, "The service did not become ready again after a crash.", evidence
    if ledger.missing:
        message = (
            f"{len(ledger.missing)} of {ledger.acked} acknowledged writes were missing after a "
            "crash and restart."
        )
        return Status.FAILED, message, evidence
    message = f"All {ledger.acked} acknowledged writes survived a crash under load."
    return Status.PASSED, message, evidence


def _consistent(seen: Observations) -> Verdict:
    ready, ledger = _after_crash(seen)
    evidence = _crash_evidence(seen, ledger)
    if not (ready and ready.get("ok")):
        detail = ready.get("detail", "") if ready else "no answer"
        message = f"The service did not become ready again after a crash ({detail})."
        return Status.FAILED, message, evidence
    if ledger.problems:
        message = (
            f"The ledger was inconsistent after a crash and restart: {len(ledger.problems)} "
            "problems (balances, entry chains or partly applied transactions)."
        )
        return Status.FAILED, message, evidence
    return Status.PASSED, "Balances and entries were consistent after a crash.", evidence


def _graceful(seen: Observations) -> Verdict:
    stop = seen.stop
    held = [w for w in parse_writes(seen.verify) if w.phase == PHASE_HELD]
    armed = first(seen.verify, ARMED) or {}
    light = Counter(
        w.error or f"HTTP {w.status}"
        for w in parse_writes(seen.verify)
        if w.phase == PHASE_SHUTDOWN
    )
    lost = _lost_after_shutdown(seen)
    text = (
        f"SIGTERM: {_describe_stop(stop, seen.stop_grace_s)}\n"
        f"requests in flight at the signal: {len(held)} (failed to open: {armed.get('failed')})\n"
        + "".join(f"  {w.describe()}\n" for w in held)
        + f"light load during shutdown: {dict(sorted(light.items()))}\n"
        f"acknowledged during shutdown but missing after restart: {len(lost)}"
    )
    evidence = [text_evidence("Graceful shutdown", text)]
    if stop is None or not stop.was_running:
        ready = first(seen.verify, READY)
        if not (ready and ready.get("ok")):
            return Status.SKIPPED, "Not run: the service was not ready after a restart.", evidence
        return Status.FAILED, "The service was not running when it was asked to stop.", evidence
    faults = _shutdown_faults(stop, held, armed, seen.stop_grace_s, lost)
    if faults:
        return Status.FAILED, "On SIGTERM: " + "; ".join(faults) + ".", evidence
    message = f"Exited with code 0 in {stop.seconds:.1f} s after answering in-flight requests."
    return Status.PASSED, message, evidence


def _shutdown_faults(
    stop: StopOutcome,
    held: list[Write],
    armed: dict[str, Any],
    grace_s: float,
    lost: list[Write],
) -> list[str]:
    faults = []
    if stop.killed:
        faults.append(f"the process did not exit within {grace_s:g} s")
    elif stop.exit_code != 0:
        faults.append(f"the process exited with code {stop.exit_code}")
    dropped = [w for w in held if w.status is None or w.status >= 500]
    if dropped or armed.get("failed") or not held:
        faults.append(f"{len(dropped)} of {len(held)} in-flight requests were not answered")
    if lost:
        faults.append(f"{len(lost)} writes acknowledged during shutdown were lost")
    return faults


def _describe_stop(stop: StopOutcome | None, grace_s: float) -> str:
    if stop is None:
        return "not sent"
    if not stop.was_running:
        return "not sent: the service had already stopped"
    if stop.killed:
        return f"still running after {grace_s:g} s: killed"
    return f"exited with code {stop.exit_code} after {stop.seconds:.2f} s"


def _lost_after_shutdown(seen: Observations) -> list[Write]:
    """Writes acknowledged around the SIGTERM that the next service does not have."""
    accounts = parse_accounts(seen.overload, label="after_overload")
    if not accounts:
        return []
    writes = [w for w in parse_writes(seen.verify) if w.phase in (PHASE_HELD, PHASE_SHUTDOWN)]
    return list(check_ledger(writes, accounts).missing)


def _overload(seen: Observations) -> Verdict:
    summary = first(seen.overload, OVERLOAD)
    recovered = next(
        (r for r in seen.overload if r.get("type") == READY and r.get("label") == "recovered"), None
    )
    writes = parse_writes(seen.load) + parse_writes(seen.verify) + parse_writes(seen.overload)
    ledger = check_ledger(writes, parse_accounts(seen.overload, label="after_overload"))
    _, before = _after_crash(seen)
    damage = damage_since(ledger, before, ignore_phases=(PHASE_HELD, PHASE_SHUTDOWN))
    fate = seen.overload_fate
    text = (
        f"connections: {OVERLOAD_CONNECTIONS} for {OVERLOAD_S:g} s\n"
        f"outcomes: {summary.get('outcomes') if summary else 'none recorded'}; "
        f"slowest answer: {summary.get('slowest_s') if summary else '-'} s\n"
        f"service afterwards: {'running' if fate and fate.running else fate}\n"
        f"/readyz afterwards: {recovered}\n{ledger.summary()}"
    )
    evidence = [text_evidence("Overload", text)]
    if damage:
        listed = "\n".join(damage[:MAX_LISTED])
        evidence.append(text_evidence("Lost or inconsistent since the crash check", listed))
    if summary is None:
        ready = first(seen.overload, READY)
        if not (ready and ready.get("ok")):
            return Status.SKIPPED, "Not run: the service was not ready after a restart.", evidence
    if fate is None or not fate.running:
        detail = fate.describe() if fate else ""
        return Status.FAILED, f"The service stopped under overload. {detail}".strip(), evidence
    if not (recovered and recovered.get("ok")):
        return Status.FAILED, "/readyz did not answer 200 again after the overload.", evidence
    if damage:
        message = "Under overload, acknowledged writes were lost or balances went wrong."
        return Status.FAILED, message, evidence
    return Status.PASSED, "Overload degraded the service without a crash or lost money.", evidence


def _memory(seen: Observations) -> Verdict:
    memory = seen.memory
    if memory is None or memory.samples == 0:
        return Status.SKIPPED, "Not run: no memory reading of the service was possible.", []
    text = (
        f"limit: {memory.limit_bytes / MIB:.0f} MiB; peak (with page cache): "
        f"{_mib(memory.peak_bytes)}; working set: {_mib(memory.working_set_bytes)}; "
        f"samples: {memory.samples}; OOM-killed: {memory.oom_killed}"
    )
    evidence = [text_evidence("Memory during the reliability phase", text)]
    if memory.oom_killed:
        return Status.FAILED, "The service was killed for exceeding its memory limit.", evidence
    ceiling = memory.limit_bytes * MEMORY_CEILING
    if memory.working_set_bytes is not None and memory.working_set_bytes >= ceiling:
        used, limit = _mib(memory.working_set_bytes), _mib(memory.limit_bytes)
        message = f"Memory reached {used} of the {limit} limit."
        return Status.FAILED, message, evidence
    message = f"Memory peaked at {_mib(memory.working_set_bytes)} of {_mib(memory.limit_bytes)}."
    return Status.PASSED, message, evidence


def _mib(value: int | None) -> str:
    return "unknown" if value is None else f"{value / MIB:.0f} MiB"


def _db_unusable(seen: Observations) -> Verdict:
    locked = [p for p in seen.lock_probes if p.get("type") == PROBE]
    recovered = first(seen.lock_recovery, READY)
    startup = [p for p in seen.unwritable if p.get("type") == PROBE]
    fate = seen.unwritable_fate
    text = (
        f"database write lock held by another process: {seen.lock_problem or 'yes'}\n"
        f"/readyz while locked: {_probe_summary(locked)}\n"
        f"/readyz after the lock was released: {recovered}\n"
        f"read-only data directory: /readyz {_probe_summary(startup)}; "
        f"service {'running' if fate and fate.running else fate.describe() if fate else '?'}"
    )
    evidence = [text_evidence("Readiness with an unusable database", text)]
    if fate is not None and not fate.running and fate.log_tail:
        evidence.append(text_evidence("Service output (read-only data directory)", fate.log_tail))
    faults = []
    if any(p.get("status") == 200 for p in startup):
        faults.append("with a read-only data directory, /readyz answered 200")
    # Without a lock or a probe (no ledger.db, the service gone) only the start-up case counts.
    if locked and not seen.lock_problem:
        if any(p.get("status") == 200 for p in locked):
            faults.append("while the database was locked by another process, /readyz answered 200")
        if not (recovered and recovered.get("ok")):
            faults.append("once the database was usable again, /readyz did not return to 200")
    if faults:
        return Status.FAILED, "; ".join(faults).capitalize() + ".", evidence
    return Status.PASSED, "/readyz reported not ready whenever the database was unusable.", evidence


def _probe_summary(probes: list[dict[str, Any]]) -> str:
    if not probes:
        return "no probe answered (the service was not running)"
    outcomes = Counter(
        f"HTTP {p['status']}" if p.get("status") is not None else f"no answer ({p.get('error')})"
        for p in probes
    )
    return ", ".join(f"{name} x{count}" for name, count in sorted(outcomes.items()))
