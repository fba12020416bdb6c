"""Accounts: creation, lookup, listing, authentication and tenant isolation."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api


def test_create_account(tenant: Api) -> None:
    response = tenant.post("/v1/accounts", {"name": "Main", "currency": "EUR"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "currency", "balance", "created_at"}
    assert body["id"].startswith("acc_")
    assert (body["name"], body["currency"], body["balance"]) == ("Main", "EUR", 0)
    assert response.headers["location"] == f"/v1/accounts/{body['id']}"
    assert tenant.get(f"/v1/accounts/{body['id']}").json() == body


@pytest.mark.parametrize(
    "body",
    [
        {"name": "a", "currency": "usd"},
        {"name": "a", "currency": "ABC"},
        {"name": "a", "currency": "XXX"},
        {"name": "a", "currency": "XTS"},
        {"name": "a", "currency": "US"},
        {"name": "a", "currency": 840},
        {"name": "", "currency": "USD"},
        {"name": "a" * 101, "currency": "USD"},
        {"name": "a"},
        {"name": "a", "currency": "USD", "balance": 100},
    ],
)
def test_account_body_is_validated(tenant: Api, body: dict[str, object]) -> None:
    response = tenant.post("/v1/accounts", body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"] and all(set(e) == {"field", "message"} for e in problem["errors"])


def test_validation_errors_name_the_field(tenant: Api) -> None:
    problem = tenant.post("/v1/accounts", {"name": "a", "currency": "usd"}).json()
    assert [e["field"] for e in problem["errors"]] == ["currency"]


def test_unknown_account_is_404(tenant: Api) -> None:
    response = tenant.get("/v1/accounts/acc_missing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_another_tenants_account_looks_missing(tenant: Api, other_tenant: Api) -> None:
    foreign = other_tenant.create_account()
    missing = tenant.get("/v1/accounts/acc_000000000000000000000000")
    hidden = tenant.get(f"/v1/accounts/{foreign}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_list_accounts_newest_first_with_cursor(tenant: Api, other_tenant: Api) -> None:
    created = [tenant.create_account(name=f"a{i}") for i in range(5)]
    other_tenant.create_account()
    first = tenant.get("/v1/accounts", limit=2).json()
    assert [a["id"] for a in first["data"]] == created[::-1][:2]
    second = tenant.get("/v1/accounts", limit=2, cursor=first["next_cursor"]).json()
    third = tenant.get("/v1/accounts", limit=2, cursor=second["next_cursor"]).json()
    assert [a["id"] for a in second["data"] + third["data"]] == created[::-1][2:]
    assert third["next_cursor"] is None
    assert tenant.get("/v1/accounts").json()["next_cursor"] is None


def test_cursor_of_another_tenant_is_rejected(tenant: Api, other_tenant: Api) -> None:
    for _ in range(2):
        other_tenant.create_account()
    cursor = other_tenant.get("/v1/accounts", limit=1).json()["next_cursor"]
    response = tenant.get("/v1/accounts", cursor=cursor)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("cursor", ["garbage", "", "a" * 200, "djE6MQ", "é"])
def test_bad_cursor_is_400(tenant: Api, cursor: str) -> None:
    response = tenant.get("/v1/accounts", cursor=cursor)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("limit", [0, 201, -1, "x", 1.5])
def test_bad_limit_is_422(tenant: Api, limit: object) -> None:
    response = tenant.get("/v1/accounts", limit=limit)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer wrong", "Basic abc", "lk_nope"]
)
def test_bearer_key_is_required(client: TestClient, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/v1/accounts", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthorized"


def test_bearer_scheme_is_case_insensitive(tenant: Api, client: TestClient) -> None:
    response = client.get("/v1/accounts", headers={"Authorization": f"bearer {tenant.api_key}"})
    assert response.status_code == 200
