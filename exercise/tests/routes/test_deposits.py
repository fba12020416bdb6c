"""Deposits: the transaction they write and the validation of their body."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import create_account, deposit, new_key


def test_deposit_creates_a_transaction(client: TestClient, auth_headers: dict[str, str]) -> None:
    account = create_account(client, auth_headers)
    response = client.post(
        "/v1/deposits",
        json={"account_id": account["id"], "amount": 250, "description": "pay"},
        headers={**auth_headers, "Idempotency-Key": new_key()},
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "kind", "amount", "currency", "description", "created_at", "entries"}
    assert body["id"].startswith("txn_")
    assert (body["kind"], body["amount"], body["currency"]) == ("deposit", 250, "EUR")
    assert body["description"] == "pay"
    [entry] = body["entries"]
    assert entry["id"].startswith("ent_")
    assert entry["transaction_id"] == body["id"]
    assert (entry["account_id"], entry["amount"], entry["balance_after"]) == (
        account["id"],
        250,
        250,
    )
    assert entry["created_at"] == body["created_at"]
    balance = client.get(f"/v1/accounts/{account['id']}", headers=auth_headers).json()["balance"]
    assert balance == 250


def test_deposits_add_up(client: TestClient, auth_headers: dict[str, str]) -> None:
    account = create_account(client, auth_headers)
    afters = [
        deposit(client, auth_headers, account["id"], amount).json()["entries"][0]["balance_after"]
        for amount in (100, 20, 3)
    ]
    assert afters == [100, 120, 123]
    balance = client.get(f"/v1/accounts/{account['id']}", headers=auth_headers).json()["balance"]
    assert balance == 123


def test_description_defaults_to_null(client: TestClient, auth_headers: dict[str, str]) -> None:
    account = create_account(client, auth_headers)
    assert deposit(client, auth_headers, account["id"], 1).json()["description"] is None


def test_deposit_to_unknown_account_is_404(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    response = deposit(client, auth_headers, "acc_missing", 10)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "amount", [0, -5, 1_000_000_000_001, 2**64, 10**30, 1.0, 1.5, "10", True, None]
)
def test_amount_must_be_a_bounded_integer(
    client: TestClient, auth_headers: dict[str, str], amount: object
) -> None:
    account = create_account(client, auth_headers)
    response = client.post(
        "/v1/deposits",
        json={"account_id": account["id"], "amount": amount},
        headers={**auth_headers, "Idempotency-Key": new_key()},
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"][0]["field"] == "amount"


def test_largest_amount_is_accepted(client: TestClient, auth_headers: dict[str, str]) -> None:
    account = create_account(client, auth_headers)
    assert deposit(client, auth_headers, account["id"], 1_000_000_000_000).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 5},
        {"account_id": "", "amount": 5},
        {"account_id": "a" * 65, "amount": 5},
        {"account_id": "acc", "amount": 5, "description": "x" * 141},
        {"account_id": "acc", "amount": 5, "currency": "USD"},
        {"account_id": 7, "amount": 5},
    ],
)
def test_deposit_body_is_validated(
    client: TestClient, auth_headers: dict[str, str], body: dict[str, object]
) -> None:
    response = client.post(
        "/v1/deposits", json=body, headers={**auth_headers, "Idempotency-Key": new_key()}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_deposit_requires_a_bearer_key(client: TestClient) -> None:
    response = client.post(
        "/v1/deposits",
        json={"account_id": "acc_x", "amount": 1},
        headers={"Idempotency-Key": new_key()},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
