"""One JSON log line per request on stdout, request ids, and no secrets in the logs."""

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.logging import configure_logging
from app.main import create_app
from tests.conftest import ADMIN_TOKEN, create_tenant, new_key


def _logged(tmp_path: Path) -> TestClient:
    """A client of a new app, built inside the test: the log handler binds the current stdout."""
    return TestClient(create_app(Settings(admin_token=ADMIN_TOKEN, data_dir=tmp_path)))


def _records(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _request_records(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [r for r in _records(capsys) if r["logger"] == "app.request"]


def test_one_json_line_per_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with _logged(tmp_path) as client:
        tenant = create_tenant(client)
        account = tenant.create_account()
        capsys.readouterr()
        tenant.get(f"/v1/accounts/{account}", limit=5)
        client.get("/nowhere")
    found, missing = _request_records(capsys)
    assert found["route"] == "/v1/accounts/{account_id}"
    assert (found["method"], found["status"], found["tenant_id"]) == ("GET", 200, tenant.tenant_id)
    assert found["level"] == "INFO"
    assert found["message"] == "request"
    assert isinstance(found["duration_ms"], float)
    assert str(found["timestamp"]).startswith("20")
    assert len(str(found["request_id"])) == 32
    assert (missing["route"], missing["status"], missing["tenant_id"]) == ("unmatched", 404, None)


def test_request_id_is_honoured_or_generated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _logged(tmp_path) as client:
        capsys.readouterr()
        honoured = client.get("/healthz", headers={"X-Request-ID": "abc.DEF-123_x"})
        replaced = client.get("/healthz", headers={"X-Request-ID": "bad id!"})
        too_long = client.get("/healthz", headers={"X-Request-ID": "a" * 129})
    assert honoured.headers["x-request-id"] == "abc.DEF-123_x"
    assert replaced.headers["x-request-id"] not in {"bad id!", ""}
    assert len(too_long.headers["x-request-id"]) == 32
    ids = [r["request_id"] for r in _request_records(capsys)]
    assert ids == [
        "abc.DEF-123_x",
        replaced.headers["x-request-id"],
        too_long.headers["x-request-id"],
    ]


def test_secrets_and_bodies_are_never_logged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _logged(tmp_path) as client:
        tenant = create_tenant(client)
        account = tenant.create_account(name="very-private-name")
        tenant.deposit(account, 123456789, key=new_key())
    output = capsys.readouterr().out
    for secret in (ADMIN_TOKEN, tenant.api_key, "very-private-name", "123456789"):
        assert secret not in output


def test_failed_readiness_is_logged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with _logged(tmp_path) as client:
        client.app.state.database.path = Path("/nonexistent/dir/ledger.db")  # type: ignore[attr-defined]
        capsys.readouterr()
        assert client.get("/readyz").status_code == 503
    records = _records(capsys)
    assert {"level": "WARNING", "logger": "app.routes.health"}.items() <= records[0].items()
    assert records[-1]["status"] == 503


def test_uvicorn_loggers_are_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logging.getLogger("uvicorn.error").info(
        "Started server process [%d]", 1, extra={"color_message": "x"}
    )
    [record] = _records(capsys)
    assert record["message"] == "Started server process [1]"
    assert record["logger"] == "uvicorn.error"
    assert "color_message" not in record
