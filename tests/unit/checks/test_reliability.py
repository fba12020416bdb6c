"""The reliability stage's verdicts, from synthetic driver records (no Docker, no service)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from grader.checks import reliability
from grader.checks.base import CheckContext
from grader.checks.hidden_suite import ServiceFate
from grader.checks.reliability import (
    Killer,
    Observations,
    Stopper,
    check_ledger,
    damage_since,
    outcome,
    parse_accounts,
    parse_writes,
)
from grader.harness_reliability import driver
from grader.model import Status
from grader.paths import RUBRIC_PATH
from grader.rubric import load_rubric
from grader.sandbox.base import Limits, MemoryReport, StopOutcome
from grader.sandbox.local import LocalSandbox
from grader.submission import load_submission

A, B = "acc_a", "acc_b"
SEED = driver.SEED_AMOUNT
RUBRIC = load_rubric(RUBRIC_PATH)
CHECKS = RUBRIC.by_source(reliability.SOURCE)


def write(
    txn: str | None,
    *,
    kind: str = "deposit",
    accounts: tuple[str, ...] = (A,),
    amount: int = 1,
    status: int | None = 201,
    phase: str = driver.PHASE_LOAD,
) -> dict[str, Any]:
    return {
        "type": driver.WRITE,
        "phase": phase,
        "kind": kind,
        "key": f"k-{txn}",
        "accounts": list(accounts),
        "amount": amount,
        "status": status,
        "txn": txn,
        "error": None if status else "ConnectionResetError",
    }


def account(
    account_id: str,
    entries: list[list[Any]],
    *,
    balance: Any = None,
    label: str = "after_crash",
    status: int = 200,
    complete: bool = True,
) -> dict[str, Any]:
    """An account record; `entries` oldest first as [txn, amount], balance_after filled in."""
    listed, running = [], 0
    for txn, amount in entries:
        running += amount
        listed.append([txn, amount, running])
    return {
        "type": driver.ACCOUNT,
        "label": label,
        "id": account_id,
        "status": status,
        "balance": running if balance is None else balance,
        "entries": list(reversed(listed)),
        "complete": complete,
        "detail": "",
    }


def seeded(label: str = "after_crash") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two funded accounts, one transfer and one deposit, all acknowledged and present."""
    writes = [
        write("t_seed_a", amount=SEED, phase=driver.PHASE_SEED),
        write("t_seed_b", accounts=(B,), amount=SEED, phase=driver.PHASE_SEED),
        write("t_move", kind="transfer", accounts=(A, B), amount=4),
        write("t_dep", amount=3),
    ]
    accounts = [
        account(A, [["t_seed_a", SEED], ["t_move", -4], ["t_dep", 3]], label=label),
        account(B, [["t_seed_b", SEED], ["t_move", 4]], label=label),
    ]
    return writes, accounts


def ledger(writes: list[dict[str, Any]], accounts: list[dict[str, Any]]) -> Any:
    return check_ledger(parse_writes(writes), parse_accounts(accounts, label="after_crash"))


def test_a_whole_ledger_has_nothing_missing_and_no_problem() -> None:
    result = ledger(*seeded())
    assert (result.acked, result.missing, result.problems) == (4, (), ())
    assert result.total_balance == result.deposits_found == 2 * SEED + 3


def test_an_acknowledged_write_without_entries_is_missing() -> None:
    writes, accounts = seeded()
    writes.append(write("t_lost", amount=5))
    result = ledger(writes, accounts)
    assert [w.txn for w in result.missing] == ["t_lost"]
    assert result.problems == ()


def test_half_a_transfer_is_a_problem_even_when_it_was_never_acknowledged() -> None:
    writes, _ = seeded()
    writes.append(write(None, kind="transfer", accounts=(A, B), amount=6, status=None))
    accounts = [
        account(A, [["t_seed_a", SEED], ["t_move", -4], ["t_dep", 3], ["t_half", -6]]),
        account(B, [["t_seed_b", SEED], ["t_move", 4]]),
    ]
    result = ledger(writes, accounts)
    assert any("t_half" in p and "half a transfer" in p for p in result.problems)
    assert any("money not conserved" in p for p in result.problems)


def test_an_unacknowledged_whole_deposit_is_fine() -> None:
    writes, _ = seeded()
    writes.append(write(None, amount=7, status=None))
    accounts = [
        account(A, [["t_seed_a", SEED], ["t_move", -4], ["t_dep", 3], ["t_maybe", 7]]),
        account(B, [["t_seed_b", SEED], ["t_move", 4]]),
    ]
    result = ledger(writes, accounts)
    assert result.problems == ()
    assert result.unacked_present == 1


def test_more_unacknowledged_transactions_than_unanswered_requests_is_a_problem() -> None:
    writes, _ = seeded()
    accounts = [
        account(A, [["t_seed_a", SEED], ["t_move", -4], ["t_dep", 3], ["t_ghost", 7]]),
        account(B, [["t_seed_b", SEED], ["t_move", 4]]),
    ]
    assert any("never acknowledged" in p for p in ledger(writes, accounts).problems)


def test_a_lost_update_breaks_the_balance_after_chain_and_the_balance() -> None:
    writes, _ = seeded()
    accounts = [
        {
            **account(A, [["t_seed_a", SEED], ["t_move", -4], ["t_dep", 3]]),
            # Two deposits read the same balance: the second entry repeats balance_after.
            "entries": [["t_dep", 3, SEED + 3], ["t_move", -4, SEED - 4], ["t_seed_a", SEED, SEED]],
            "balance": SEED + 3,
        },
        account(B, [["t_seed_b", SEED], ["t_move", 4]]),
    ]
    problems = ledger(writes, accounts).problems
    assert any("entry 3 (oldest first) has balance_after" in p for p in problems)


def test_a_balance_that_disagrees_with_its_entries_is_a_problem() -> None:
    writes, accounts = seeded()
    accounts[1]["balance"] = SEED
    problems = ledger(writes, accounts).problems
    assert any(f"balance {SEED}, entries sum to {SEED + 4}" in p for p in problems)


@pytest.mark.parametrize(
    "broken",
    [
        {"status": 500},
        {"complete": False},
        {"balance": "lots"},
        {"entries": [["t_seed_b", "1000001", 5]]},
        {"entries": [[None, 1, 1], [7, True, None]]},
    ],
)
def test_unreadable_or_malformed_accounts_are_problems_not_crashes(broken: dict[str, Any]) -> None:
    writes, accounts = seeded()
    accounts[1].update(broken)
    result = ledger(writes, accounts)
    assert any(f"account {B}" in p for p in result.problems)


def test_an_acknowledged_transfer_with_other_legs_is_a_problem() -> None:
    writes, _ = seeded()
    accounts = [
        account(A, [["t_seed_a", SEED], ["t_move", -4], ["t_dep", 3]]),
        account(B, [["t_seed_b", SEED], ["t_move", 40]]),
    ]
    assert any("has other entries" in p for p in ledger(writes, accounts).problems)


def test_damage_since_leaves_out_what_the_earlier_snapshot_already_showed() -> None:
    writes, accounts = seeded()
    accounts[0]["balance"] -= 3  # a lost update before the first snapshot
    before = ledger(writes, accounts)
    same = damage_since(ledger(writes, accounts), before)
    assert same == []
    accounts[0]["balance"] -= 1  # and another one later
    worse = damage_since(ledger(writes, accounts), before)
    assert worse == [f"account {A}: entries minus balance went from 3 to 4"]


def test_damage_since_does_not_charge_a_write_missing_from_both_snapshots_again() -> None:
    writes, accounts = seeded()
    writes.append(write("t_lost_in_crash", amount=5))
    before = ledger(writes, accounts)
    writes.append(write("t_lost_later", amount=7))
    damage = damage_since(ledger(writes, accounts), before)
    assert len(damage) == 1
    assert "t_lost_later" in damage[0]


def test_damage_since_ignores_missing_writes_of_phases_judged_elsewhere() -> None:
    writes, accounts = seeded()
    before = ledger(writes, accounts)
    writes.append(write("t_held", phase=driver.PHASE_HELD))
    after = ledger(writes, accounts)
    assert damage_since(after, before, ignore_phases=(driver.PHASE_HELD,)) == []
    assert len(damage_since(after, before)) == 1


# --------------------------------------------------------------------------- verdicts


def observations(**changes: Any) -> Observations:
    """A run where everything went right; `changes` spoil one part."""
    writes, crash_accounts = seeded()
    setup = {
        "type": driver.SETUP,
        "ok": True,
        "api_key": "k",
        "accounts": [A, B],
        "deposits": driver.AVAILABLE,
        "transfers": driver.AVAILABLE,
    }
    ready = {"type": driver.READY, "ok": True, "seconds": 0.5, "detail": "HTTP 200"}
    held = write("t_held", phase=driver.PHASE_HELD, amount=1)
    _, after = seeded(label="after_overload")
    after[0] = account(
        A,
        [["t_seed_a", SEED], ["t_move", -4], ["t_dep", 3], ["t_held", 1]],
        label="after_overload",
    )
    probe_503 = {"type": driver.PROBE, "status": 503, "error": None}
    refused = {"type": driver.PROBE, "status": None, "error": "ConnectionRefusedError"}
    base: dict[str, Any] = {
        "stop_grace_s": 10.0,
        "load": (ready, *writes[:2], setup, {"type": driver.LOAD_STARTED}, *writes[2:]),
        "kill": StopOutcome(exit_code=137, seconds=0.1, killed=False),
        "verify": (ready, *crash_accounts, {"type": driver.ARMED, "held": 1, "failed": []}, held),
        "stop": StopOutcome(exit_code=0, seconds=0.8, killed=False),
        "overload": (
            ready,
            {"type": driver.OVERLOAD, "outcomes": {"200": 10, "503": 5}, "slowest_s": 1.0},
            {**ready, "label": "recovered"},
            *after,
        ),
        "overload_fate": ServiceFate(running=True),
        "lock_probes": (probe_503,),
        "lock_recovery": (ready,),
        "unwritable": (refused,),
        "unwritable_fate": ServiceFate(running=False, exit_code=3, log_tail="cannot open"),
        "memory": MemoryReport(limit_bytes=512, peak_bytes=100, working_set_bytes=90, samples=3),
    }
    return Observations(**{**base, **changes})


def verdicts(seen: Observations) -> dict[str, Any]:
    return {c.id.split(".", 1)[1]: c for c in outcome(CHECKS, seen).checks}


def statuses(seen: Observations) -> dict[str, str]:
    return {name: c.status.value for name, c in verdicts(seen).items()}


def test_a_run_where_everything_went_right_passes_every_check() -> None:
    assert set(statuses(observations()).values()) == {"passed"}
    assert {c.id for c in outcome(CHECKS, observations()).checks} == set(reliability.CHECK_IDS)


def test_a_service_that_never_became_ready_skips_everything() -> None:
    seen = observations(load=({"type": driver.READY, "ok": False, "detail": "no answer"},))
    results = verdicts(seen).values()
    assert {c.status for c in results} == {Status.SKIPPED}
    assert all("reliability.service.ready" in c.message for c in results)


def test_unimplemented_deposits_skip_the_crash_checks_only() -> None:
    base = observations()
    load = tuple(
        {**r, "deposits": driver.UNIMPLEMENTED} if r.get("type") == driver.SETUP else r
        for r in base.load
    )
    seen = statuses(observations(load=load))
    assert seen["crash.durable_writes"] == seen["crash.consistent_after_restart"] == "skipped"
    assert seen["shutdown.graceful"] == "passed"


def test_a_lost_acknowledged_write_fails_durability_but_not_consistency() -> None:
    base = observations()
    load = (*base.load, write("t_lost", amount=9))
    seen = statuses(observations(load=load))
    assert seen["crash.durable_writes"] == "failed"
    assert seen["crash.consistent_after_restart"] == "passed"


def test_no_readiness_after_the_crash_fails_both_crash_checks() -> None:
    base = observations()
    verify = ({"type": driver.READY, "ok": False, "detail": "HTTP 503"}, *base.verify[1:])
    seen = statuses(observations(verify=verify))
    assert seen["crash.durable_writes"] == seen["crash.consistent_after_restart"] == "failed"


@pytest.mark.parametrize(
    ("stop", "fault"),
    [
        (StopOutcome(exit_code=None, seconds=10.0, killed=True), "did not exit within 10 s"),
        (StopOutcome(exit_code=1, seconds=0.5, killed=False), "exited with code 1"),
    ],
)
def test_shutdown_must_exit_zero_within_the_grace_period(stop: StopOutcome, fault: str) -> None:
    check = verdicts(observations(stop=stop))["shutdown.graceful"]
    assert check.status is Status.FAILED
    assert fault in check.message


def test_a_dropped_in_flight_request_fails_the_graceful_shutdown() -> None:
    base = observations()
    dropped = write(None, phase=driver.PHASE_HELD, status=None)
    verify = (*base.verify[:-1], dropped)
    check = verdicts(observations(verify=verify))["shutdown.graceful"]
    assert check.status is Status.FAILED
    assert "1 of 1 in-flight requests were not answered" in check.message


def test_a_write_acknowledged_during_shutdown_must_survive_it() -> None:
    base = observations()
    overload = tuple(
        account(A, [["t_seed_a", SEED], ["t_move", -4], ["t_dep", 3]], label="after_overload")
        if r.get("type") == driver.ACCOUNT and r.get("id") == A
        else r
        for r in base.overload
    )
    seen = verdicts(observations(overload=overload))
    assert seen["shutdown.graceful"].status is Status.FAILED
    assert "lost" in seen["shutdown.graceful"].message
    assert seen["overload.degrades"].status is Status.PASSED


def test_overload_fails_when_the_service_died_or_did_not_recover() -> None:
    died = ServiceFate(running=False, oom_killed=True)
    assert statuses(observations(overload_fate=died))["overload.degrades"] == "failed"
    base = observations()
    overload = tuple(
        {**r, "ok": False} if r.get("label") == "recovered" else r for r in base.overload
    )
    assert statuses(observations(overload=overload))["overload.degrades"] == "failed"


def test_memory_fails_on_an_oom_kill_or_a_working_set_at_the_limit() -> None:
    oom = MemoryReport(
        limit_bytes=512, peak_bytes=512, working_set_bytes=300, samples=2, oom_killed=True
    )
    full = MemoryReport(limit_bytes=1000, peak_bytes=990, working_set_bytes=980, samples=2)
    assert statuses(observations(memory=oom))["memory.within_limit"] == "failed"
    assert statuses(observations(memory=full))["memory.within_limit"] == "failed"
    assert statuses(observations(memory=MemoryReport(limit_bytes=1)))["memory.within_limit"] == (
        "skipped"
    )


def test_readiness_must_not_be_200_while_the_database_is_locked() -> None:
    ok = {"type": driver.PROBE, "status": 200, "error": None}
    check = verdicts(observations(lock_probes=(ok,)))["readiness.db_unusable"]
    assert check.status is Status.FAILED
    assert "locked" in check.message


def test_readiness_must_come_back_after_the_lock() -> None:
    recovery = ({"type": driver.READY, "ok": False, "detail": "HTTP 503"},)
    assert statuses(observations(lock_recovery=recovery))["readiness.db_unusable"] == "failed"


def test_readiness_must_not_be_200_with_a_read_only_data_directory() -> None:
    ok = {"type": driver.PROBE, "status": 200, "error": None}
    seen = observations(unwritable=(ok,), unwritable_fate=ServiceFate(running=True))
    check = verdicts(seen)["readiness.db_unusable"]
    assert check.status is Status.FAILED
    assert "read-only" in check.message


def test_answering_503_on_a_read_only_data_directory_is_as_good_as_refusing_to_start() -> None:
    answer = {"type": driver.PROBE, "status": 503, "error": None}
    seen = observations(unwritable=(answer,), unwritable_fate=ServiceFate(running=True))
    assert statuses(seen)["readiness.db_unusable"] == "passed"


def test_a_lock_that_could_not_be_taken_leaves_only_the_start_up_case() -> None:
    ok = {"type": driver.PROBE, "status": 200, "error": None}
    seen = observations(lock_problem="no such file", lock_probes=(ok,), lock_recovery=())
    check = verdicts(seen)["readiness.db_unusable"]
    assert check.status is Status.PASSED
    assert "no such file" in check.evidence[0]["text"]


def test_the_local_runner_skips_the_stage_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "sub" / "app").mkdir(parents=True)
    (tmp_path / "sub" / "app" / "__init__.py").write_text("")
    submission = load_submission(str(tmp_path / "sub"), workdir=tmp_path / "work")
    context = CheckContext(rubric=RUBRIC, submission=submission, exercise=tmp_path)
    result = reliability.run(context, sandbox=LocalSandbox(), progress=lambda message: None)
    assert {c.status for c in result.checks} == {Status.SKIPPED}
    assert all("local runner" in c.message for c in result.checks)
    assert reliability.needs_run(context)


# --------------------------------------------------------------------------- fault timing


class FakeSession:
    """Records the fault calls the watchers make."""

    limits = Limits(stop_grace_s=3.0)

    def __init__(self) -> None:
        self.calls: list[str] = []

    def kill(self) -> StopOutcome:
        self.calls.append("kill")
        return StopOutcome(exit_code=137, seconds=0.0, killed=False)

    def send_signal(self, name: str) -> bool:
        self.calls.append(name)
        return True

    def signal_driver(self) -> None:
        self.calls.append("signal_driver")

    def wait_exit(self, budget_s: float) -> StopOutcome:
        self.calls.append(f"wait_exit {budget_s:g}")
        return StopOutcome(exit_code=0, seconds=0.5, killed=False)


def lines(*found: dict[str, Any]) -> tuple[str, ...]:
    return tuple(json.dumps(r) for r in found)


def test_the_killer_waits_for_the_load_then_for_enough_acknowledgements() -> None:
    session = FakeSession()
    killer = Killer(session)  # type: ignore[arg-type]
    acks = [write(f"t{i}") for i in range(reliability.KILL_AFTER_ACKS)]
    killer(lines(*acks))
    assert session.calls == []
    killer(lines({"type": driver.LOAD_STARTED}, *acks[:-1]))
    assert session.calls == []
    killer(lines({"type": driver.LOAD_STARTED}, *acks))
    killer(lines({"type": driver.LOAD_STARTED}, *acks))
    assert session.calls == ["kill"]


def test_the_stopper_signals_the_service_then_the_driver_then_waits_for_the_exit() -> None:
    session = FakeSession()
    stopper = Stopper(session)  # type: ignore[arg-type]
    stopper(lines({"type": driver.READY, "ok": True}))
    assert session.calls == []
    stopper(lines({"type": driver.ARMED, "held": 4}))
    stopper(lines({"type": driver.ARMED, "held": 4}))
    assert session.calls == ["SIGTERM", "signal_driver", "wait_exit 3"]
    assert stopper.outcome == StopOutcome(exit_code=0, seconds=0.5, killed=False)


# --------------------------------------------------------------------------- the driver


def test_deposits_move_odd_amounts_and_transfers_even_ones() -> None:
    tenant = driver.Tenant(api_key="k", accounts=(A, B, "c"), deposits="ok", transfers="ok")
    moves = [driver.movement(tenant, worker, n) for worker in range(8) for n in range(30)]
    assert {kind for kind, _, _ in moves} == {"deposit", "transfer"}
    assert all((amount % 2 == 1) == (kind == "deposit") for kind, _, amount in moves)
    assert all(len(set(accounts)) == len(accounts) for _, accounts, _ in moves)
    assert driver.SEED_AMOUNT % 2 == 1
    no_transfers = driver.Tenant(api_key="k", accounts=(A, B), deposits="ok", transfers="HTTP 501")
    assert {driver.movement(no_transfers, 0, n)[0] for n in range(6)} == {"deposit"}


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        reply = json.dumps({"id": "txn_1", "echo": json.loads(body)}).encode()
        self.send_response(201)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def echo_server() -> Iterator[driver.Target]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield driver.Target("127.0.0.1", server.server_address[1])
    server.shutdown()
    server.server_close()


def test_a_held_request_is_sent_in_two_halves_and_answered(echo_server: driver.Target) -> None:
    tenant = driver.Tenant(api_key="k", accounts=(A,), deposits="ok", transfers="ok")
    request, plan = driver.held_request(echo_server, tenant, index=0, admin_token="t")
    assert request.open(timeout=2.0) is None
    reply = request.finish(timeout=2.0)
    assert reply.status == 201
    assert reply.body["echo"] == {"account_id": A, "amount": 1}
    assert plan["kind"] == "deposit"


def test_a_request_to_nobody_is_an_answerless_reply_not_an_exception() -> None:
    target = driver.Target.parse("http://127.0.0.1:9")
    reply = driver.call(target, "GET", "/readyz", timeout=1.0)
    assert reply.status is None
    assert reply.error == "ConnectionRefusedError"
