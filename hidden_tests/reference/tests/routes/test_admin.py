"""Tenant creation through the admin API."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_TOKEN


def test_create_tenant_returns_its_key_once(client: TestClient) -> None:
    response = client.post(
        "/admin/tenants", json={"name": "acme"}, headers={"X-Admin-Token": ADMIN_TOKEN}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "api_key", "created_at"}
    assert body["name"] == "acme"
    assert body["id"].startswith("ten_")
    assert re.fullmatch(r"lk_[A-Za-z0-9_-]{43}", body["api_key"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", body["created_at"])
    accounts = client.get("/v1/accounts", headers={"Authorization": f"Bearer {body['api_key']}"})
    assert accounts.status_code == 200


@pytest.mark.parametrize("headers", [{}, {"X-Admin-Token": "wrong"}, {"X-Admin-Token": ""}])
def test_admin_token_is_required(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/admin/tenants", json={"name": "acme"}, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "x" * 101}, {"name": 5}, {"name": "a", "extra": 1}, []]
)
def test_tenant_body_is_validated(client: TestClient, body: object) -> None:
    response = client.post("/admin/tenants", json=body, headers={"X-Admin-Token": ADMIN_TOKEN})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_admin_token_is_checked_before_the_body(client: TestClient) -> None:
    response = client.post("/admin/tenants", json={}, headers={"X-Admin-Token": "wrong"})
    assert response.status_code == 401
