"""Deposits, and the request rules shared by every money-movement route."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api, new_key

MONEY_ROUTES = ["/v1/deposits", "/v1/withdrawals", "/v1/transfers", "/v1/transfers/batch"]


def test_deposit_creates_a_transaction(tenant: Api) -> None:
    account = tenant.create_account()
    response = tenant.post(
        "/v1/deposits", {"account_id": account, "amount": 250, "description": "pay"}, new_key()
    )
    assert response.status_code == 201
    assert response.headers["idempotent-replayed"] == "false"
    body = response.json()
    assert set(body) == {"id", "kind", "amount", "currency", "description", "created_at", "entries"}
    assert body["id"].startswith("txn_")
    assert (body["kind"], body["amount"], body["currency"]) == ("deposit", 250, "USD")
    assert body["description"] == "pay"
    [entry] = body["entries"]
    assert entry["id"].startswith("ent_")
    assert entry["transaction_id"] == body["id"]
    assert (entry["account_id"], entry["amount"], entry["balance_after"]) == (account, 250, 250)
    assert entry["created_at"] == body["created_at"]
    assert tenant.balance(account) == 250


def test_description_defaults_to_null(tenant: Api) -> None:
    account = tenant.create_account()
    assert tenant.deposit(account, 1).json()["description"] is None


def test_deposit_to_unknown_or_foreign_account_is_404(tenant: Api, other_tenant: Api) -> None:
    foreign = other_tenant.create_account()
    missing = tenant.deposit("acc_missing", 10)
    hidden = tenant.deposit(foreign, 10)
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()
    assert other_tenant.balance(foreign) == 0


@pytest.mark.parametrize(
    "amount", [0, -5, 1_000_000_000_001, 2**64, 10**30, 1.0, 1.5, "10", True, None]
)
def test_amount_must_be_a_bounded_integer(tenant: Api, amount: object) -> None:
    account = tenant.create_account()
    response = tenant.post("/v1/deposits", {"account_id": account, "amount": amount}, new_key())
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"][0]["field"] == "amount"
    assert tenant.balance(account) == 0


def test_largest_amount_is_accepted(tenant: Api) -> None:
    account = tenant.create_account()
    assert tenant.deposit(account, 1_000_000_000_000).status_code == 201


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
def test_deposit_body_is_validated(tenant: Api, body: dict[str, object]) -> None:
    response = tenant.post("/v1/deposits", body, new_key())
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("path", MONEY_ROUTES)
def test_idempotency_key_is_required(tenant: Api, path: str) -> None:
    response = tenant.post(path, {})
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"


@pytest.mark.parametrize("key", [b"", b"x" * 256, b"tab\there", "ключ".encode()])
def test_malformed_idempotency_key_is_422(tenant: Api, client: TestClient, key: bytes) -> None:
    account = tenant.create_account()
    headers = {**tenant.headers, "Idempotency-Key": key, "Content-Type": "application/json"}
    content = f'{{"account_id": "{account}", "amount": 1}}'.encode()
    response = client.post("/v1/deposits", content=content, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_longest_printable_key_is_accepted(tenant: Api) -> None:
    account = tenant.create_account()
    assert tenant.deposit(account, 1, key="~ !" * 85).status_code == 201


@pytest.mark.parametrize("path", MONEY_ROUTES)
def test_money_routes_require_a_bearer_key(client: TestClient, path: str) -> None:
    response = client.post(path, json={}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("content", [b"{", b'{"account_id": }', b"\xff\xfe", b"nan"])
def test_malformed_json_is_400(tenant: Api, client: TestClient, content: bytes) -> None:
    headers = {**tenant.headers, "Idempotency-Key": new_key(), "Content-Type": "application/json"}
    response = client.post("/v1/deposits", content=content, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize("body", [[], "text", 5, None])
def test_top_level_must_be_an_object(tenant: Api, body: object) -> None:
    response = tenant.post("/v1/deposits", body, new_key())
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"][0]["field"] == "body"
