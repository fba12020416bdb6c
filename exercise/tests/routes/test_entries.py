"""Entries listing: order, pages and the time window."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import create_account, deposit


def _walk(
    client: TestClient, headers: dict[str, str], account_id: str, **params: Any
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = client.get(f"/v1/accounts/{account_id}/entries", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        entries += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return entries


def test_entries_newest_first(client: TestClient, auth_headers: dict[str, str]) -> None:
    account = create_account(client, auth_headers)
    for amount in (1, 2, 3):
        deposit(client, auth_headers, account["id"], amount)
    page = client.get(f"/v1/accounts/{account['id']}/entries", headers=auth_headers).json()
    assert [e["amount"] for e in page["data"]] == [3, 2, 1]
    assert [e["balance_after"] for e in page["data"]] == [6, 3, 1]
    assert page["next_cursor"] is None
    assert set(page["data"][0]) == {
        "id",
        "transaction_id",
        "account_id",
        "amount",
        "balance_after",
        "created_at",
    }


@pytest.mark.parametrize("limit", [1, 3, 11, 50])
def test_pages_cover_every_entry_once(
    client: TestClient, auth_headers: dict[str, str], limit: int
) -> None:
    account = create_account(client, auth_headers)
    for amount in range(1, 12):
        deposit(client, auth_headers, account["id"], amount)
    entries = _walk(client, auth_headers, account["id"], limit=limit)
    assert [e["amount"] for e in entries] == list(range(11, 0, -1))


def test_since_and_until_filter_on_created_at(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    account = create_account(client, auth_headers)
    created = [
        deposit(client, auth_headers, account["id"], amount).json()["created_at"]
        for amount in (1, 2, 3)
    ]
    window = {"since": created[1], "until": created[2]}  # since inclusive, until exclusive
    assert [e["amount"] for e in _walk(client, auth_headers, account["id"], **window)] == [2]
    assert _walk(client, auth_headers, account["id"], since="2999-01-01T00:00:00+01:00") == []
    everything = _walk(client, auth_headers, account["id"], until="2999-01-01T00:00:00Z")
    assert len(everything) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-01-01T00:00:00"},
        {"until": "2026-01-01"},
        {"since": "yesterday"},
        {"since": "1700000000"},
        {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"limit": 0},
        {"limit": 201},
    ],
)
def test_bad_query_is_422(
    client: TestClient, auth_headers: dict[str, str], params: dict[str, object]
) -> None:
    account = create_account(client, auth_headers)
    response = client.get(
        f"/v1/accounts/{account['id']}/entries", params=params, headers=auth_headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("cursor", ["garbage", "", "é", "!!!"])
def test_bad_cursor_is_400(client: TestClient, auth_headers: dict[str, str], cursor: str) -> None:
    account = create_account(client, auth_headers)
    response = client.get(
        f"/v1/accounts/{account['id']}/entries", params={"cursor": cursor}, headers=auth_headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_entries_of_unknown_account_are_404(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    response = client.get("/v1/accounts/acc_missing/entries", headers=auth_headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
