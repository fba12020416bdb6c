"""Problem details for every kind of failure."""

import asyncio
import json
import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException
from starlette.requests import Request

from app.errors import (
    PROBLEM_TYPE_BASE,
    ProblemError,
    field_name,
    problem_from_http_exception,
    unhandled_exception_handler,
)
from tests.conftest import Api


def test_problem_document_shape() -> None:
    problem = ProblemError(409, "some_code", "Some title", "Some detail.", index=3)
    assert json.loads(problem.render()) == {
        "type": PROBLEM_TYPE_BASE + "some_code",
        "title": "Some title",
        "status": 409,
        "detail": "Some detail.",
        "code": "some_code",
        "index": 3,
    }
    assert problem.to_response().media_type == "application/problem+json"


@pytest.mark.parametrize(
    ("location", "name"),
    [
        (("body", "amount"), "amount"),
        (("body", "transfers", 3, "amount"), "transfers[3].amount"),
        (("body",), "body"),
        (("query", "limit"), "limit"),
        (("header", "Idempotency-Key"), "Idempotency-Key"),
        (("amount",), "amount"),
    ],
)
def test_field_names(location: tuple[str | int, ...], name: str) -> None:
    assert field_name(location) == name


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/v2/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_trailing_slash_is_not_redirected(tenant: Api) -> None:
    assert tenant.get("/v1/accounts/").status_code == 404


def test_wrong_method_is_405_with_allow(client: TestClient) -> None:
    response = client.delete("/v1/accounts")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_other_http_errors_keep_their_status() -> None:
    problem = problem_from_http_exception(HTTPException(418))
    assert (problem.status, problem.code) == (418, "i_m_a_teapot")


@pytest.fixture
def app_logs_propagate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let caplog (on the root logger) see the service's records."""
    monkeypatch.setattr(logging.getLogger("app"), "propagate", True)


def test_crash_is_a_generic_500_and_is_logged(
    app: FastAPI, caplog: pytest.LogCaptureFixture, app_logs_propagate: None
) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    with TestClient(app) as client, caplog.at_level(logging.ERROR, logger="app"):
        response = client.get("/boom", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "crash-1"
    problem = response.json()
    assert problem["code"] == "internal_error"
    assert "secret" not in response.text
    assert "passwd" not in response.text
    crash = next(r for r in caplog.records if r.getMessage() == "unhandled exception")
    assert crash.exc_info is not None
    assert crash.request_id == "crash-1"  # type: ignore[attr-defined]


def test_last_resort_handler(caplog: pytest.LogCaptureFixture, app_logs_propagate: None) -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    response = asyncio.run(unhandled_exception_handler(request, ValueError("boom")))
    assert response.status_code == 500
    assert b"internal_error" in response.body
    assert any(r.exc_info for r in caplog.records)
