"""Shared fixtures: an app on a temporary data dir, tenant-scoped API helpers, a live server."""

import itertools
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis.configuration import set_hypothesis_home_dir

from app.config import Settings
from app.db import to_us
from app.main import create_app

ADMIN_TOKEN = "test-admin-token"
# Keep Hypothesis' files out of the project directory, which may be mounted read-only.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "ledger-hypothesis")
_keys = itertools.count()


def new_key() -> str:
    """A fresh idempotency key."""
    return f"key-{next(_keys)}-{time.monotonic_ns()}"


class Api:
    """A tenant's view of the API, over any httpx-compatible client (TestClient or httpx)."""

    def __init__(self, client: httpx.Client, api_key: str, tenant_id: str) -> None:
        self.client = client
        self.api_key = api_key
        self.tenant_id = tenant_id
        self.headers = {"Authorization": f"Bearer {api_key}"}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.headers)

    def post(self, path: str, body: Any, key: str | None = None) -> httpx.Response:
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(path, json=body, headers=headers)

    def create_account(self, name: str = "main", currency: str = "USD") -> str:
        response = self.post("/v1/accounts", {"name": name, "currency": currency})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def deposit(self, account_id: str, amount: int, key: str | None = None) -> httpx.Response:
        body = {"account_id": account_id, "amount": amount}
        return self.post("/v1/deposits", body, key or new_key())

    def withdraw(self, account_id: str, amount: int, key: str | None = None) -> httpx.Response:
        body = {"account_id": account_id, "amount": amount}
        return self.post("/v1/withdrawals", body, key or new_key())

    def transfer(
        self, source: str, target: str, amount: int, key: str | None = None
    ) -> httpx.Response:
        body = {"from_account_id": source, "to_account_id": target, "amount": amount}
        return self.post("/v1/transfers", body, key or new_key())

    def balance(self, account_id: str) -> int:
        response = self.get(f"/v1/accounts/{account_id}")
        assert response.status_code == 200, response.text
        return response.json()["balance"]

    def funded_account(self, amount: int, currency: str = "USD") -> str:
        account_id = self.create_account(currency=currency)
        assert self.deposit(account_id, amount).status_code == 201
        return account_id


def create_tenant(client: httpx.Client, name: str = "acme") -> Api:
    """Create a tenant through the admin API and return its API helper."""
    response = client.post(
        "/admin/tenants", json={"name": name}, headers={"X-Admin-Token": ADMIN_TOKEN}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Api(client, body["api_key"], body["id"])


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
def tenant(client: TestClient) -> Api:
    return create_tenant(client, "acme")


@pytest.fixture
def other_tenant(client: TestClient) -> Api:
    return create_tenant(client, "globex")


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with a real uvicorn server on a free loopback port, in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    """The test's app behind a real HTTP server."""
    with serve(app) as url:
        yield url


@pytest.fixture
def live_client(live_url: str) -> Iterator[httpx.Client]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    with httpx.Client(base_url=live_url, limits=limits, timeout=30) as http:
        yield http


class Clock:
    """A settable stand-in for the wall clock used when recording transactions."""

    def __init__(self, start: datetime) -> None:
        self.now_us = to_us(start)

    def __call__(self) -> int:
        return self.now_us

    def set(self, moment: datetime) -> None:
        self.now_us = to_us(moment)


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(T0)
    monkeypatch.setattr("app.repositories.transactions.now_us", fake)
    return fake


def iso(moment: datetime) -> str:
    """The service's rendering of a timestamp."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
