"""Tenant isolation: another tenant's ids answer 404 exactly like ids that do not exist.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import httpx
import pytest
from support.client import body_of, new_key
from support.ledger import (
    ACCOUNTS,
    DEPOSITS,
    TRANSACTIONS,
    Tenant,
    all_entries,
    balance_of,
    batch,
    create_account,
    deposit,
    fake_id_like,
    fund,
    funded_account,
    transfer,
    withdraw,
)
from support.problems import expect_error, expect_status, normalized_not_found

FROM, TO = "0001-01-02T00:00:00Z", "9999-12-31T00:00:00Z"


def _same_as_missing(
    foreign: httpx.Response, missing: httpx.Response, foreign_id: str, missing_id: str, what: str
) -> None:
    expect_error(foreign, 404, "not_found", f"for another tenant's {what}")
    expect_error(missing, 404, "not_found", f"for a {what} that does not exist")
    a = normalized_not_found(body_of(foreign), foreign_id)
    b = normalized_not_found(body_of(missing), missing_id)
    assert a == b, (
        f"expected another tenant's {what} to get exactly the same 404 body as a {what} that "
        "does not exist"
    )
    assert foreign.headers.get("content-type") == missing.headers.get("content-type"), (
        f"expected the same Content-Type for another tenant's {what} as for a missing one"
    )


@pytest.mark.check("security.isolation.accounts")
def test_foreign_account_is_indistinguishable_from_missing(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    victim = funded_account(other_tenant.api, 500)
    ghost = fake_id_like(victim["id"], seed=21)
    foreign = tenant.api.get(f"{ACCOUNTS}/{victim['id']}")
    missing = tenant.api.get(f"{ACCOUNTS}/{ghost}")
    _same_as_missing(foreign, missing, victim["id"], ghost, "account")
    assert victim["name"] not in foreign.text, (
        "expected the 404 for another tenant's account to reveal nothing about it"
    )


@pytest.mark.check("security.isolation.accounts")
def test_account_list_shows_only_own_accounts(tenant: Tenant, other_tenant: Tenant) -> None:
    mine = create_account(tenant.api)["id"]
    theirs = {create_account(other_tenant.api)["id"] for _ in range(3)}
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        params: dict = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        page = expect_status(tenant.api.get(ACCOUNTS, params=params), 200, "listing accounts")
        seen.extend(a["id"] for a in page["data"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [mine], "expected a tenant's account list to contain only its own accounts"
    assert not theirs & set(seen), "expected no other tenant's account in the list"


@pytest.mark.check("security.isolation.accounts")
def test_foreign_entries_are_indistinguishable_from_missing(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    victim = funded_account(other_tenant.api, 300)
    ghost = fake_id_like(victim["id"], seed=22)
    foreign = tenant.api.get(f"{ACCOUNTS}/{victim['id']}/entries")
    missing = tenant.api.get(f"{ACCOUNTS}/{ghost}/entries")
    _same_as_missing(foreign, missing, victim["id"], ghost, "account's entries")


@pytest.mark.check("security.isolation.accounts")
def test_cursor_of_foreign_listing_reveals_nothing(tenant: Tenant, other_tenant: Tenant) -> None:
    victim = create_account(other_tenant.api)
    for amount in (1, 2, 3):
        fund(other_tenant.api, victim["id"], amount)
    page = expect_status(
        other_tenant.api.get(f"{ACCOUNTS}/{victim['id']}/entries", params={"limit": 1}),
        200,
        "listing entries",
    )
    cursor = page["next_cursor"]
    own = create_account(tenant.api)
    response = tenant.api.get(f"{ACCOUNTS}/{own['id']}/entries", params={"cursor": cursor})
    body = body_of(response)
    assert response.status_code in (200, 400), (
        "expected 200 or 400 invalid_cursor for a cursor of another listing, "
        f"got {response.status_code}"
    )
    if response.status_code == 200:
        assert body["data"] == [], "expected another tenant's cursor to reveal no entries"


@pytest.mark.check("security.isolation.transactions")
def test_foreign_transaction_is_indistinguishable_from_missing(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    victim = create_account(other_tenant.api)
    txn = fund(other_tenant.api, victim["id"], 250)
    ghost = fake_id_like(txn["id"], seed=23)
    foreign = tenant.api.get(f"{TRANSACTIONS}/{txn['id']}")
    missing = tenant.api.get(f"{TRANSACTIONS}/{ghost}")
    _same_as_missing(foreign, missing, txn["id"], ghost, "transaction")
    assert victim["id"] not in foreign.text, (
        "expected the 404 for another tenant's transaction to reveal nothing about it"
    )


def _victim(other: Tenant) -> dict:
    return funded_account(other.api, 1_000)


@pytest.mark.check("security.isolation.money_movement")
@pytest.mark.parametrize(
    "operation",
    ["deposit-into", "withdraw-from", "transfer-from", "transfer-to", "batch-item"],
)
def test_cannot_move_money_of_another_tenant(
    tenant: Tenant, other_tenant: Tenant, operation: str
) -> None:
    victim = _victim(other_tenant)
    victim_entries = all_entries(other_tenant.api, victim["id"])
    mine = funded_account(tenant.api, 1_000)
    api = tenant.api
    if operation == "deposit-into":
        response = deposit(api, victim["id"], 10)
    elif operation == "withdraw-from":
        response = withdraw(api, victim["id"], 10)
    elif operation == "transfer-from":
        response = transfer(api, victim["id"], mine["id"], 10)
    elif operation == "transfer-to":
        response = transfer(api, mine["id"], victim["id"], 10)
    else:
        other_mine = create_account(api)
        response = batch(
            api,
            [(mine["id"], other_mine["id"], 1), (mine["id"], victim["id"], 1)],
        )
    body = expect_error(
        response, 404, "not_found", f"for an attempt to {operation} another tenant's account"
    )
    if operation == "batch-item":
        assert body.get("index") == 1, (
            f"expected index 1 (the item naming another tenant's account), "
            f"got {body.get('index')!r}"
        )
    assert balance_of(other_tenant.api, victim["id"]) == 1_000, (
        "expected another tenant's balance to be untouched"
    )
    assert all_entries(other_tenant.api, victim["id"]) == victim_entries, (
        "expected another tenant's entries to be untouched"
    )
    assert balance_of(api, mine["id"]) == 1_000, "expected the refused movement to change nothing"


@pytest.mark.check("security.isolation.money_movement")
def test_foreign_account_in_money_route_looks_missing(tenant: Tenant, other_tenant: Tenant) -> None:
    victim = _victim(other_tenant)
    ghost = fake_id_like(victim["id"], seed=24)
    foreign = deposit(tenant.api, victim["id"], 5)
    missing = deposit(tenant.api, ghost, 5)
    _same_as_missing(foreign, missing, victim["id"], ghost, "account (in a deposit)")


@pytest.mark.check("security.isolation.idempotency")
def test_idempotency_keys_are_scoped_per_tenant(tenant: Tenant, other_tenant: Tenant) -> None:
    key = new_key()
    theirs = create_account(other_tenant.api)
    mine = create_account(tenant.api)
    first = other_tenant.api.post(
        DEPOSITS, json={"account_id": theirs["id"], "amount": 70}, idem=key
    )
    first_body = expect_status(first, 201, "for a deposit by the first tenant")
    second = tenant.api.post(DEPOSITS, json={"account_id": mine["id"], "amount": 30}, idem=key)
    second_body = expect_status(
        second, 201, "for a deposit by a second tenant that happens to use the same key"
    )
    assert second.headers.get("idempotent-replayed") != "true", (
        "expected another tenant's use of a key not to be replayed"
    )
    assert second_body["id"] != first_body["id"], (
        "expected another tenant's use of a key to create its own transaction"
    )
    assert balance_of(tenant.api, mine["id"]) == 30, "expected the second tenant's deposit applied"
    assert balance_of(other_tenant.api, theirs["id"]) == 70, "expected the first deposit untouched"


@pytest.mark.check("security.isolation.idempotency")
def test_same_key_and_body_from_another_tenant_is_not_a_replay(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    key = new_key()
    theirs = create_account(other_tenant.api)
    body = {"account_id": theirs["id"], "amount": 70}
    owners = expect_status(
        other_tenant.api.post(DEPOSITS, json=body, idem=key), 201, "for the owner's deposit"
    )
    response = tenant.api.post(DEPOSITS, json=body, idem=key)
    assert response.status_code != 201 and response.headers.get("idempotent-replayed") != "true", (
        "expected another tenant sending the owner's exact request with the owner's key not to "
        f"get the owner's stored result, got {response.status_code} "
        f"(Idempotent-Replayed: {response.headers.get('idempotent-replayed')})"
    )
    assert response.status_code < 500, (
        f"expected a 4xx for another tenant's account in a deposit, got {response.status_code}"
    )
    assert owners["id"] not in response.text, (
        "expected no stored transaction of another tenant in the response"
    )
    assert balance_of(other_tenant.api, theirs["id"]) == 70, (
        "expected the owner's account untouched"
    )


@pytest.mark.check("security.isolation.reports")
@pytest.mark.parametrize("report", ["balance", "summary"])
def test_foreign_reports_are_indistinguishable_from_missing(
    tenant: Tenant, other_tenant: Tenant, report: str
) -> None:
    victim = funded_account(other_tenant.api, 900)
    ghost = fake_id_like(victim["id"], seed=25)
    params = {"from": FROM, "to": TO} if report == "summary" else None
    foreign = tenant.api.get(f"{ACCOUNTS}/{victim['id']}/{report}", params=params)
    missing = tenant.api.get(f"{ACCOUNTS}/{ghost}/{report}", params=params)
    _same_as_missing(foreign, missing, victim["id"], ghost, f"account's {report}")


@pytest.mark.check("security.isolation.accounts")
def test_foreign_tenant_cannot_list_by_guessing(tenant: Tenant, other_tenant: Tenant) -> None:
    """A tenant with no accounts sees an empty list even when others have many."""
    for _ in range(3):
        create_account(other_tenant.api)
    page = expect_status(tenant.api.get(ACCOUNTS), 200, "listing accounts")
    assert page["data"] == [], "expected a tenant without accounts to see an empty list"
