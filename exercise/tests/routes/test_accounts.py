"""Accounts: creation, lookup, listing and authentication."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import create_account, create_tenant


def test_create_account(client: TestClient, auth_headers: dict[str, str]) -> None:
    response = client.post(
        "/v1/accounts", json={"name": "Main", "currency": "EUR"}, headers=auth_headers
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "currency", "balance", "created_at"}
    assert body["id"].startswith("acc_")
    assert (body["name"], body["currency"], body["balance"]) == ("Main", "EUR", 0)
    assert response.headers["location"] == f"/v1/accounts/{body['id']}"
    assert client.get(f"/v1/accounts/{body['id']}", headers=auth_headers).json() == body


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
def test_account_body_is_validated(
    client: TestClient, auth_headers: dict[str, str], body: dict[str, object]
) -> None:
    response = client.post("/v1/accounts", json=body, headers=auth_headers)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"] and all(set(e) == {"field", "message"} for e in problem["errors"])


def test_validation_errors_name_the_field(client: TestClient, auth_headers: dict[str, str]) -> None:
    response = client.post(
        "/v1/accounts", json={"name": "a", "currency": "usd"}, headers=auth_headers
    )
    assert [e["field"] for e in response.json()["errors"]] == ["currency"]


def test_unknown_account_is_404(client: TestClient, auth_headers: dict[str, str]) -> None:
    response = client.get("/v1/accounts/acc_missing", headers=auth_headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_list_accounts_newest_first_with_cursor(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    created = [create_account(client, auth_headers, name=f"a{i}")["id"] for i in range(5)]
    seen = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/accounts", params=params, headers=auth_headers).json()
        assert len(page["data"]) <= 2
        seen += [account["id"] for account in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created[::-1]
    assert client.get("/v1/accounts", headers=auth_headers).json()["next_cursor"] is None


def test_list_shows_only_the_tenants_accounts(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    other = create_tenant(client, "globex")
    other_headers = {"Authorization": f"Bearer {other['api_key']}"}
    mine = create_account(client, auth_headers)
    create_account(client, other_headers)
    page = client.get("/v1/accounts", headers=auth_headers).json()
    assert [account["id"] for account in page["data"]] == [mine["id"]]


def test_cursor_of_another_tenant_is_rejected(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    other = create_tenant(client, "globex")
    other_headers = {"Authorization": f"Bearer {other['api_key']}"}
    for _ in range(2):
        create_account(client, other_headers)
    cursor = client.get("/v1/accounts", params={"limit": 1}, headers=other_headers).json()[
        "next_cursor"
    ]
    response = client.get("/v1/accounts", params={"cursor": cursor}, headers=auth_headers)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("cursor", ["garbage", "", "a" * 200, "djE6MQ", "é"])
def test_bad_cursor_is_400(client: TestClient, auth_headers: dict[str, str], cursor: str) -> None:
    response = client.get("/v1/accounts", params={"cursor": cursor}, headers=auth_headers)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("limit", [0, 201, -1, "x", 1.5])
def test_bad_limit_is_422(client: TestClient, auth_headers: dict[str, str], limit: object) -> None:
    response = client.get("/v1/accounts", params={"limit": limit}, headers=auth_headers)
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


def test_bearer_scheme_is_case_insensitive(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    key = auth_headers["Authorization"].removeprefix("Bearer ")
    response = client.get("/v1/accounts", headers={"Authorization": f"bearer {key}"})
    assert response.status_code == 200
