"""Concurrency: no lost update, one winner for the last unit, money conserved, one effect per key.

Threads use a fixed seed for what they send; the service decides the interleaving, so the checks
are invariants that hold for every interleaving of a correct service.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from support.client import Api, body_of, new_key
from support.ledger import (
    ACCOUNTS,
    DEPOSITS,
    all_entries,
    balance_of,
    create_account,
    deposit,
    fund,
    funded_account,
    transfer,
    withdraw,
)
from support.problems import assert_not_server_error, expect_status, problem_code
from support.race import race, run_pool


def _check_chain(api: Api, account_id: str) -> None:
    """Entries newest first: each balance_after = previous balance_after + amount, never < 0."""
    entries = all_entries(api, account_id)
    running = 0
    for entry in reversed(entries):
        running += entry["amount"]
        assert entry["balance_after"] == running, (
            "expected every entry's balance_after to equal the previous one plus its amount "
            "after concurrent writes"
        )
        assert running >= 0, "expected no balance below 0 at any entry after concurrent writes"
    assert balance_of(api, account_id) == running, (
        "expected the account balance to equal the sum of its entries after concurrent writes"
    )


@pytest.mark.check("data.concurrency.deposits")
def test_parallel_deposits_lose_no_update(api: Api) -> None:
    account = create_account(api)
    rounds, n = 3, 20
    for r in range(1, rounds + 1):
        responses = race(api, n, lambda c, _i: deposit(c, account["id"], 1))
        statuses = Counter(resp.status_code for resp in responses)
        assert statuses == Counter({201: n}), (
            f"expected {n} parallel deposits to all answer 201, got statuses {dict(statuses)}"
        )
        balance = balance_of(api, account["id"])
        assert balance == n * r, (
            f"expected {n} parallel deposits of 1 to add {n}, the balance grew by "
            f"{balance - n * (r - 1)}"
        )
    afters = sorted(e["balance_after"] for e in all_entries(api, account["id"]))
    assert afters == list(range(1, rounds * n + 1)), (
        "expected parallel deposits of 1 to produce balance_after values 1..N with no duplicate"
    )


@pytest.mark.check("data.concurrency.last_unit")
@pytest.mark.parametrize("kind", ["withdrawal", "transfer"])
def test_one_winner_for_the_last_unit(api: Api, kind: str) -> None:
    account = create_account(api)
    sinks = [create_account(api)["id"] for _ in range(10)] if kind == "transfer" else []
    for _round in range(3):
        fund(api, account["id"], 5)

        def spend(client: Api, i: int) -> httpx.Response:
            if kind == "withdrawal":
                return withdraw(client, account["id"], 5)
            return transfer(client, account["id"], sinks[i], 5)

        responses = race(api, 10, spend)
        for resp in responses:
            assert_not_server_error(resp, f"for a {kind} racing for the last funds")
        winners = [r for r in responses if r.status_code == 201]
        losers = [r for r in responses if r.status_code != 201]
        assert len(winners) == 1, (
            f"expected exactly one of 10 parallel {kind}s of the whole balance to succeed, "
            f"{len(winners)} did"
        )
        bad = {(r.status_code, problem_code(r)) for r in losers} - {(422, "insufficient_funds")}
        assert not bad, (
            f"expected the losing {kind}s to answer 422 insufficient_funds, got {sorted(bad)}"
        )
        assert balance_of(api, account["id"]) == 0, f"expected 0 left after one {kind} won"
    _check_chain(api, account["id"])


def _transfers(
    api: Api, accounts: list[str], pairs: list[tuple[int, int, int]]
) -> list[httpx.Response]:
    def job(src: int, dst: int, amount: int) -> Callable[[Api], httpx.Response]:
        return lambda client: transfer(client, accounts[src], accounts[dst], amount)

    return run_pool(api, 8, [job(*p) for p in pairs])


def _check_conservation(
    api: Api, accounts: list[str], start: int, pairs: list[tuple[int, int, int]], responses: list
) -> None:
    expected = dict.fromkeys(accounts, start)
    for (src, dst, amount), resp in zip(pairs, responses, strict=True):
        assert_not_server_error(resp, "for a concurrent transfer")
        if resp.status_code == 201:
            expected[accounts[src]] -= amount
            expected[accounts[dst]] += amount
        else:
            assert (resp.status_code, problem_code(resp)) == (422, "insufficient_funds"), (
                "expected each concurrent transfer to answer 201 or 422 insufficient_funds, "
                f"got {resp.status_code} {problem_code(resp)}"
            )
    actual = {a: balance_of(api, a) for a in accounts}
    assert sum(actual.values()) == start * len(accounts), (
        f"expected money to be conserved across concurrent transfers (total "
        f"{start * len(accounts)}), got total {sum(actual.values())}"
    )
    assert min(actual.values()) >= 0, "expected no negative balance after concurrent transfers"
    assert actual == expected, (
        "expected each balance to equal its start plus the transfers that answered 201"
    )
    for account_id in accounts:
        _check_chain(api, account_id)


@pytest.mark.check("data.concurrency.transfers")
def test_parallel_ring_transfers_conserve_money(api: Api) -> None:
    rng = random.Random(20261127)
    accounts = [funded_account(api, 100)["id"] for _ in range(5)]
    pairs = [(i % 5, (i + 1) % 5, rng.randint(1, 120)) for i in range(50)]
    responses = _transfers(api, accounts, pairs)
    _check_conservation(api, accounts, 100, pairs, responses)


@pytest.mark.check("data.concurrency.transfers")
def test_parallel_random_transfers_conserve_money(api: Api) -> None:
    rng = random.Random(4242)
    accounts = [funded_account(api, 60)["id"] for _ in range(4)]
    pairs = []
    for _ in range(50):
        src, dst = rng.sample(range(4), 2)
        pairs.append((src, dst, rng.randint(1, 80)))
    responses = _transfers(api, accounts, pairs)
    _check_conservation(api, accounts, 60, pairs, responses)


@pytest.mark.check("data.idempotency.concurrent")
def test_concurrent_requests_with_one_key_have_one_effect(api: Api) -> None:
    account = create_account(api)
    for r in range(1, 4):
        key = new_key()
        body = {"account_id": account["id"], "amount": 3}
        responses = race(api, 10, lambda c, _i, b=body, k=key: c.post(DEPOSITS, json=b, idem=k))
        ok = [resp for resp in responses if resp.status_code == 201]
        others = {(resp.status_code, problem_code(resp)) for resp in responses} - {(201, None)}
        assert not others - {(409, "request_in_progress")}, (
            "expected concurrent requests with one key to answer 201 (original or replay) or "
            f"409 request_in_progress, got {sorted(others, key=str)}"
        )
        assert ok, "expected at least one of the concurrent requests with one key to succeed"
        ids = {body_of(resp)["id"] for resp in ok}
        assert len(ids) == 1, (
            f"expected one transaction for concurrent requests with one key, got {len(ids)}"
        )
        assert balance_of(api, account["id"]) == 3 * r, (
            "expected concurrent requests with one key to deposit exactly once"
        )


@pytest.mark.check("reliability.load.mixed")
def test_mixed_parallel_traffic_never_fails(api: Api) -> None:
    accounts = [funded_account(api, 1_000)["id"] for _ in range(3)]
    rng = random.Random(99)

    def job(i: int) -> Callable[[Api], httpx.Response]:
        choice = i % 6
        target = accounts[rng.randrange(3)]
        if choice == 0:
            return lambda c: c.post(ACCOUNTS, json={"name": f"load {i}", "currency": "USD"})
        if choice == 1:
            return lambda c: deposit(c, target, 1 + i % 7)
        if choice == 2:
            return lambda c: c.get(f"{ACCOUNTS}/{target}")
        if choice == 3:
            return lambda c: c.get(ACCOUNTS, params={"limit": 5})
        if choice == 4:
            return lambda c: c.get(f"{ACCOUNTS}/{target}/entries", params={"limit": 10})
        return lambda c: c.get("/healthz", auth=False)

    responses = run_pool(api, 8, [job(i) for i in range(180)])
    failures = Counter(r.status_code for r in responses if r.status_code >= 400)
    assert not failures, (
        f"expected every request of a mixed parallel load to succeed, got statuses {dict(failures)}"
    )
    expect_status(api.get("/readyz", auth=False), 200, "from /readyz after the load")
