"""Authentication: every /v1 route refuses missing or invalid keys; the admin route its token.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import pytest
from support import env
from support.client import Api, new_key
from support.ledger import Tenant, balance_of, create_account, fund, unique_name
from support.problems import expect_error, expect_status

FROM, TO = "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"


@dataclass
class Route:
    method: str
    template: str
    writes: bool = False


ROUTES = [
    Route("POST", "/v1/accounts", writes=True),
    Route("GET", "/v1/accounts"),
    Route("GET", "/v1/accounts/{account_id}"),
    Route("GET", "/v1/accounts/{account_id}/entries"),
    Route("GET", "/v1/accounts/{account_id}/balance"),
    Route("GET", "/v1/accounts/{account_id}/summary"),
    Route("POST", "/v1/deposits", writes=True),
    Route("POST", "/v1/withdrawals", writes=True),
    Route("POST", "/v1/transfers", writes=True),
    Route("POST", "/v1/transfers/batch", writes=True),
    Route("GET", "/v1/transactions/{transaction_id}"),
]


@dataclass
class World:
    tenant: Tenant
    account: str
    other: str
    txn: str


def _world(tenant: Tenant) -> World:
    account = create_account(tenant.api)["id"]
    other = create_account(tenant.api)["id"]
    txn = fund(tenant.api, account, 100)["id"]
    return World(tenant, account, other, txn)


def _send(client: Api, route: Route, w: World, headers: dict[str, str]) -> object:
    path = route.template.replace("{account_id}", w.account).replace("{transaction_id}", w.txn)
    params = {"from": FROM, "to": TO} if path.endswith("/summary") else None
    body: object = None
    item = {"from_account_id": w.account, "to_account_id": w.other, "amount": 1}
    if route.template == "/v1/accounts" and route.method == "POST":
        body = {"name": "intruder", "currency": "USD"}
    elif route.template in ("/v1/deposits", "/v1/withdrawals"):
        body = {"account_id": w.account, "amount": 1}
    elif route.template == "/v1/transfers":
        body = item
    elif route.template == "/v1/transfers/batch":
        body = {"transfers": [item]}
    kwargs: dict = {"params": params, "auth": False, "headers": {**headers}}
    if body is not None:
        kwargs["json"] = body
        kwargs["headers"]["Idempotency-Key"] = new_key()
    return client.request(route.method, path, **kwargs)


def _assert_unchanged(w: World) -> None:
    assert balance_of(w.tenant.api, w.account) == 100, (
        "expected a request refused with 401 to change nothing"
    )
    listing = expect_status(w.tenant.api.get("/v1/accounts"), 200, "listing accounts")
    assert len(listing["data"]) == 2, "expected a request refused with 401 to create nothing"


def _ids(routes: list[Route]) -> list:
    return [
        pytest.param(r, id=re.sub(r"[^A-Za-z0-9_]+", "-", f"{r.method}{r.template}").strip("-"))
        for r in routes
    ]


@pytest.mark.check("security.auth.required")
@pytest.mark.parametrize("route", _ids(ROUTES))
def test_missing_key_is_401(tenant: Tenant, anon: Api, route: Route) -> None:
    w = _world(tenant)
    response = _send(anon, route, w, {})
    expect_error(
        response, 401, "unauthorized", f"for {route.method} {route.template} without a key"
    )
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.split(" ")[0] == "Bearer", (
        f"expected WWW-Authenticate: Bearer on 401 from {route.method} {route.template}, "
        f"got {challenge!r}"
    )
    if route.writes:
        _assert_unchanged(w)


def _bad_credentials(valid_key: str) -> list[tuple[str, dict[str, str]]]:
    return [
        ("an unknown key", {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}),
        ("the valid key with an extra character", {"Authorization": f"Bearer {valid_key}x"}),
        ("the valid key without its last character", {"Authorization": f"Bearer {valid_key[:-1]}"}),
        ("the key without the Bearer scheme", {"Authorization": valid_key}),
        ("Basic credentials", {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}),
        ("the Bearer scheme without a token", {"Authorization": "Bearer"}),
        ("the admin token as a bearer key", {"Authorization": f"Bearer {env.admin_token()}"}),
        ("the key in X-API-Key instead of Authorization", {"X-API-Key": valid_key}),
    ]


@pytest.mark.check("security.auth.invalid_key")
@pytest.mark.parametrize("route", _ids(ROUTES))
def test_invalid_key_is_401(tenant: Tenant, anon: Api, route: Route) -> None:
    w = _world(tenant)
    for what, headers in _bad_credentials(tenant.api_key):
        response = _send(anon, route, w, headers)
        expect_error(
            response, 401, "unauthorized", f"for {route.method} {route.template} with {what}"
        )
    if route.writes:
        _assert_unchanged(w)


@pytest.mark.check("security.admin.token")
@pytest.mark.parametrize(
    "variant",
    ["missing", "wrong", "prefix", "suffix", "case", "bearer-header", "tenant-key", "empty"],
)
def test_admin_route_refuses_bad_token(anon: Api, tenant: Tenant, variant: str) -> None:
    token = env.admin_token()
    headers = {
        "missing": {},
        "wrong": {"X-Admin-Token": secrets.token_urlsafe(24)},
        "prefix": {"X-Admin-Token": token[:-1]} if len(token) > 1 else {"X-Admin-Token": "?"},
        "suffix": {"X-Admin-Token": token + "x"},
        "case": {"X-Admin-Token": token.swapcase() if token.swapcase() != token else token + "Z"},
        "bearer-header": {"Authorization": f"Bearer {token}"},
        "tenant-key": {"X-Admin-Token": tenant.api_key},
        "empty": {"X-Admin-Token": ""},
    }[variant]
    name = unique_name("should-not-exist")
    response = anon.post("/admin/tenants", json={"name": name}, headers=headers, auth=False)
    expect_error(response, 401, "unauthorized", f"for POST /admin/tenants with a {variant} token")
    body = response.text
    assert "api_key" not in body, "expected a refused tenant creation not to return an api_key"


@pytest.mark.check("security.admin.token")
def test_tenant_keys_do_not_open_admin_route(tenant: Tenant, anon: Api) -> None:
    response = anon.post(
        "/admin/tenants",
        json={"name": unique_name()},
        headers={"Authorization": f"Bearer {tenant.api_key}"},
        auth=False,
    )
    expect_error(response, 401, "unauthorized", "for POST /admin/tenants with a tenant's API key")
