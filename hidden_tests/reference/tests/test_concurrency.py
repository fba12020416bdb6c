"""Concurrent money movements against a real server: atomic balance checks, conserved money."""

import itertools
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import create_tenant


def test_parallel_ring_transfers_conserve_money(live_client: httpx.Client) -> None:
    tenant = create_tenant(live_client)
    accounts = [tenant.funded_account(100) for _ in range(6)]
    pairs = list(itertools.pairwise([*accounts, accounts[0]])) * 20

    def move(pair: tuple[str, str]) -> int:
        return tenant.transfer(pair[0], pair[1], 7).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(move, pairs))
    assert set(statuses) <= {201, 422}
    balances = [tenant.balance(account) for account in accounts]
    assert sum(balances) == 600
    assert min(balances) >= 0
    for account, balance in zip(accounts, balances, strict=True):
        entries = tenant.get(f"/v1/accounts/{account}/entries", limit=200).json()["data"]
        assert sum(e["amount"] for e in entries) == balance
        assert entries[0]["balance_after"] == balance


def test_racing_withdrawals_for_the_last_unit_have_one_winner(live_client: httpx.Client) -> None:
    tenant = create_tenant(live_client)
    account = tenant.funded_account(1)
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(lambda _: tenant.withdraw(account, 1), range(16)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [422] * 15
    assert all(r.json()["code"] == "insufficient_funds" for r in responses if r.status_code == 422)
    assert tenant.balance(account) == 0
