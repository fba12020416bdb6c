"""Every error code of the contract, answered as a complete RFC 9457 problem document."""

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.errors import MAX_BODY_BYTES, PROBLEM_TYPE_BASE
from tests.conftest import Api

Trigger = Callable[[Api, Api, TestClient], httpx.Response]


def _transfer(api: Api, source: str, target: str) -> httpx.Response:
    return api.transfer(source, target, 5)


TRIGGERS: dict[str, tuple[int, Trigger]] = {
    "malformed_json": (
        400,
        lambda api, _, client: client.post(
            "/v1/accounts",
            content=b"{nope",
            headers={**api.headers, "Content-Type": "application/json"},
        ),
    ),
    "invalid_cursor": (400, lambda api, _, __: api.get("/v1/accounts", cursor="forged")),
    "idempotency_key_required": (400, lambda api, _, __: api.post("/v1/deposits", {})),
    "unauthorized": (401, lambda _, __, client: client.get("/v1/accounts")),
    "not_found": (404, lambda api, _, __: api.get("/v1/transactions/txn_nope")),
    "method_not_allowed": (405, lambda _, __, client: client.put("/healthz")),
    "idempotency_key_reused": (
        409,
        lambda api, _, __: [api.deposit("acc_x", 1, key="k"), api.deposit("acc_x", 2, key="k")][1],
    ),
    "payload_too_large": (
        413,
        lambda api, _, client: client.post(
            "/v1/accounts", content=b" " * (MAX_BODY_BYTES + 1), headers=api.headers
        ),
    ),
    "validation_error": (422, lambda api, _, __: api.post("/v1/accounts", {"name": "x"})),
    "insufficient_funds": (
        422,
        lambda api, _, __: api.withdraw(api.create_account(), 1),
    ),
    "currency_mismatch": (
        422,
        lambda api, _, __: _transfer(
            api, api.funded_account(9), api.create_account(currency="JPY")
        ),
    ),
    "same_account": (
        422,
        lambda api, _, __: _transfer(api, account := api.funded_account(9), account),
    ),
}


@pytest.mark.parametrize("code", TRIGGERS)
def test_error_is_a_problem_document(
    code: str, tenant: Api, other_tenant: Api, client: TestClient
) -> None:
    status, trigger = TRIGGERS[code]
    response = trigger(tenant, other_tenant, client)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"]
    problem = response.json()
    assert problem["type"] == PROBLEM_TYPE_BASE + code
    assert problem["code"] == code
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    assert ("errors" in problem) == (code == "validation_error")


def test_titles_are_stable_per_code(tenant: Api) -> None:
    first = tenant.get("/v1/accounts/acc_a").json()
    second = tenant.get("/v1/transactions/txn_b").json()
    assert first["title"] == second["title"] == "Not found"


def test_crash_in_a_route_is_internal_error(app: FastAPI, client: TestClient) -> None:
    app.state.database.ping = None  # a bug, not a database error: 500, not 503
    response = client.get("/readyz")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert response.json()["detail"] == "An unexpected error occurred."
