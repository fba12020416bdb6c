"""RFC 9457 problem details on every kind of error; unknown routes; wrong methods.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from support.client import Api, new_key
from support.ledger import ACCOUNTS, Tenant, create_account, fake_id_like
from support.problems import expect_problem_shape

Trigger = Callable[[Tenant, Api], httpx.Response]


def _missing_account(t: Tenant, _: Api) -> httpx.Response:
    real = create_account(t.api)
    return t.api.get(f"{ACCOUNTS}/{fake_id_like(real['id'], seed=9)}")


def _validation(t: Tenant, _: Api) -> httpx.Response:
    return t.api.post(ACCOUNTS, json={"name": "", "currency": "usd"})


def _malformed(t: Tenant, _: Api) -> httpx.Response:
    return t.api.post(ACCOUNTS, content=b"{", headers={"Content-Type": "application/json"})


def _unauthorized(_: Tenant, anon: Api) -> httpx.Response:
    return anon.get(ACCOUNTS)


def _unknown_route(t: Tenant, _: Api) -> httpx.Response:
    return t.api.get("/v1/definitely-not-a-route")


def _bad_cursor(t: Tenant, _: Api) -> httpx.Response:
    return t.api.get(ACCOUNTS, params={"cursor": "not-a-cursor"})


CASES = [
    pytest.param(_missing_account, 404, "not_found", id="not_found"),
    pytest.param(_validation, 422, "validation_error", id="validation_error"),
    pytest.param(_malformed, 400, "malformed_json", id="malformed_json"),
    pytest.param(_unauthorized, 401, "unauthorized", id="unauthorized"),
    pytest.param(_unknown_route, 404, "not_found", id="unknown_route"),
    pytest.param(_bad_cursor, 400, "invalid_cursor", id="invalid_cursor"),
]


@pytest.mark.check("api_design.errors.problem_shape")
@pytest.mark.parametrize(("trigger", "status", "code"), CASES)
def test_errors_are_problem_documents(
    tenant: Tenant, anon: Api, trigger: Trigger, status: int, code: str
) -> None:
    response = trigger(tenant, anon)
    body = expect_problem_shape(response, status, code, f"for a {code} error")
    if code == "validation_error":
        assert isinstance(body.get("errors"), list) and body["errors"], (
            "expected a validation_error problem to list the invalid fields in 'errors'"
        )


@pytest.mark.check("api_design.errors.problem_shape")
def test_validation_errors_name_the_fields(api: Api) -> None:
    response = api.post(ACCOUNTS, json={"name": "ok", "currency": "usd"})
    body = expect_problem_shape(response, 422, "validation_error", "for an invalid currency")
    fields = [e.get("field") for e in body.get("errors", [])]
    assert any("currency" in str(f) for f in fields), (
        f"expected the validation error to name the 'currency' field, got fields {fields}"
    )


@pytest.mark.check("api_design.errors.problem_shape")
def test_query_validation_errors_name_the_parameter(api: Api) -> None:
    response = api.get(ACCOUNTS, params={"limit": "0"})
    body = expect_problem_shape(response, 422, "validation_error", "for limit=0")
    fields = [e.get("field") for e in body.get("errors", [])]
    assert "limit" in fields, (
        f"expected the validation error to name the 'limit' parameter, got {fields}"
    )


@pytest.mark.check("api_design.errors.unknown_route")
@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/v1/nope", id="v1-nope"),
        pytest.param("/nope", id="nope"),
        pytest.param("/v1/accounts/x/y/z", id="too-deep"),
        pytest.param("/v2/accounts", id="v2"),
        pytest.param("/admin/tenants/x", id="admin-subpath"),
    ],
)
def test_unknown_route_is_404_problem(api: Api, path: str) -> None:
    response = api.get(path)
    expect_problem_shape(response, 404, "not_found", f"for the unknown route GET {path}")


@pytest.mark.check("api_design.errors.method_not_allowed")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("DELETE", "/v1/accounts/{account_id}", id="DELETE-account"),
        pytest.param("PUT", "/v1/accounts/{account_id}", id="PUT-account"),
        pytest.param("GET", "/v1/deposits", id="GET-deposits"),
        pytest.param("DELETE", "/v1/accounts", id="DELETE-accounts"),
        pytest.param("GET", "/admin/tenants", id="GET-admin-tenants"),
        pytest.param("POST", "/healthz", id="POST-healthz"),
    ],
)
def test_wrong_method_is_405_problem_with_allow(api: Api, method: str, path: str) -> None:
    account = create_account(api)
    concrete = path.replace("{account_id}", account["id"])
    response = api.request(method, concrete, headers={"Idempotency-Key": new_key()})
    expect_problem_shape(response, 405, "method_not_allowed", f"for {method} {path}")
    assert response.headers.get("allow"), f"expected an Allow header on 405 for {method} {path}"


@pytest.mark.check("api_design.errors.method_not_allowed")
def test_wrong_method_changes_nothing(api: Api) -> None:
    account = create_account(api)
    api.request("DELETE", f"{ACCOUNTS}/{account['id']}")
    response = api.get(f"{ACCOUNTS}/{account['id']}")
    assert response.status_code == 200, "expected DELETE on an account to leave it in place"
