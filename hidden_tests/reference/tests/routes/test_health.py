"""Liveness, readiness and the metrics endpoint."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_queries_the_database(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_is_503_when_the_database_is_unusable(
    app: FastAPI, client: TestClient, tmp_path: Path
) -> None:
    app.state.database.path = tmp_path / "missing-dir" / "ledger.db"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_ready"


def test_metrics_is_prometheus_text(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "ledger_idempotent_replays_total" in response.text
