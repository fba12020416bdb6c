"""Shared fixtures: the app on a temporary data directory, a test client and a tenant's headers."""

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

ADMIN_TOKEN = "test-admin-token"
_keys = itertools.count()


def new_key() -> str:
    """A fresh Idempotency-Key."""
    return f"test-key-{next(_keys)}"


def create_tenant(client: TestClient, name: str = "acme") -> dict[str, Any]:
    """Create a tenant through the admin API; the body holds its API key."""
    response = client.post(
        "/admin/tenants", json={"name": name}, headers={"X-Admin-Token": ADMIN_TOKEN}
    )
    assert response.status_code == 201, response.text
    return response.json()


def create_account(
    client: TestClient, headers: dict[str, str], name: str = "Main", currency: str = "EUR"
) -> dict[str, Any]:
    """Open an account for the tenant of ``headers``."""
    response = client.post(
        "/v1/accounts", json={"name": name, "currency": currency}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def deposit(
    client: TestClient, headers: dict[str, str], account_id: str, amount: int
) -> httpx.Response:
    """Deposit ``amount`` into the account, with a fresh Idempotency-Key."""
    return client.post(
        "/v1/deposits",
        json={"account_id": account_id, "amount": amount},
        headers={**headers, "Idempotency-Key": new_key()},
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(admin_token=ADMIN_TOKEN, data_dir=tmp_path / "data")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def auth_headers(client: TestClient) -> dict[str, str]:
    """The ``Authorization`` header of a fresh tenant."""
    tenant = create_tenant(client)
    return {"Authorization": f"Bearer {tenant['api_key']}"}
