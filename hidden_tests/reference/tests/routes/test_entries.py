"""Entry listing: order, time window, keyset pagination (stable under writes) and isolation."""

from datetime import timedelta

import pytest

from tests.conftest import T0, Api, Clock, iso


def _walk(tenant: Api, account: str, limit: int, **params: str) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    cursor = None
    while True:
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        page = tenant.get(f"/v1/accounts/{account}/entries", **query).json()
        entries += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return entries


def test_entries_newest_first(tenant: Api) -> None:
    account = tenant.create_account()
    for amount in (1, 2, 3):
        tenant.deposit(account, amount)
    tenant.withdraw(account, 4)
    page = tenant.get(f"/v1/accounts/{account}/entries").json()
    assert [e["amount"] for e in page["data"]] == [-4, 3, 2, 1]
    assert [e["balance_after"] for e in page["data"]] == [2, 6, 3, 1]
    assert page["next_cursor"] is None
    assert set(page["data"][0]) == {
        "id",
        "transaction_id",
        "account_id",
        "amount",
        "balance_after",
        "created_at",
    }


def test_pagination_walks_every_entry_once(tenant: Api) -> None:
    account = tenant.create_account()
    for amount in range(1, 12):
        tenant.deposit(account, amount)
    assert [e["amount"] for e in _walk(tenant, account, 3)] == list(range(11, 0, -1))
    first = tenant.get(f"/v1/accounts/{account}/entries", limit=11).json()
    assert first["next_cursor"] is None


def test_pagination_is_stable_while_writing(tenant: Api) -> None:
    account = tenant.create_account()
    for amount in range(1, 8):
        tenant.deposit(account, amount)
    seen = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = tenant.get(f"/v1/accounts/{account}/entries", **params).json()
        seen += [e["amount"] for e in page["data"]]
        tenant.deposit(account, 1000 + len(seen))  # newer entries must not shift the walk
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(7, 0, -1))


def test_since_inclusive_until_exclusive(tenant: Api, clock: Clock) -> None:
    account = tenant.create_account()
    for minute in range(5):
        clock.set(T0 + timedelta(minutes=minute))
        tenant.deposit(account, minute + 1)
    window = {"since": iso(T0 + timedelta(minutes=1)), "until": iso(T0 + timedelta(minutes=3))}
    assert [e["amount"] for e in _walk(tenant, account, 1, **window)] == [3, 2]
    since_only = _walk(tenant, account, 2, since=iso(T0 + timedelta(minutes=4)))
    assert [e["amount"] for e in since_only] == [5]
    until_only = _walk(tenant, account, 2, until=iso(T0 + timedelta(minutes=1)))
    assert [e["amount"] for e in until_only] == [1]
    assert _walk(tenant, account, 2, since=iso(T0), until=iso(T0)) == []


def test_created_at_never_decreases(tenant: Api, clock: Clock) -> None:
    account = tenant.create_account()
    clock.set(T0)
    tenant.deposit(account, 1)
    clock.set(T0 - timedelta(hours=1))  # the wall clock steps back
    tenant.deposit(account, 2)
    newest, oldest = tenant.get(f"/v1/accounts/{account}/entries").json()["data"]
    assert newest["created_at"] == oldest["created_at"] == iso(T0)


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-01-01T00:00:00"},
        {"until": "2026-01-01"},
        {"since": "yesterday"},
        {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"limit": 0},
        {"limit": 201},
    ],
)
def test_bad_query_is_422(tenant: Api, params: dict[str, object]) -> None:
    account = tenant.create_account()
    response = tenant.get(f"/v1/accounts/{account}/entries", **params)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_cursor_is_bound_to_its_account(tenant: Api) -> None:
    first, second = tenant.create_account(), tenant.create_account()
    for _ in range(2):
        tenant.deposit(first, 1)
    cursor = tenant.get(f"/v1/accounts/{first}/entries", limit=1).json()["next_cursor"]
    assert tenant.get(f"/v1/accounts/{first}/entries", cursor=cursor).status_code == 200
    response = tenant.get(f"/v1/accounts/{second}/entries", cursor=cursor)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_tampered_cursor_is_rejected(tenant: Api) -> None:
    account = tenant.create_account()
    for _ in range(3):
        tenant.deposit(account, 1)
    cursor = tenant.get(f"/v1/accounts/{account}/entries", limit=1).json()["next_cursor"]
    flipped = cursor[:3] + ("A" if cursor[3] != "A" else "B") + cursor[4:]
    response = tenant.get(f"/v1/accounts/{account}/entries", cursor=flipped)
    assert response.status_code == 400


def test_entries_of_foreign_account_are_404(tenant: Api, other_tenant: Api) -> None:
    foreign = other_tenant.funded_account(10)
    response = tenant.get(f"/v1/accounts/{foreign}/entries")
    assert response.status_code == 404
    assert response.json() == tenant.get("/v1/accounts/acc_missing/entries").json()
