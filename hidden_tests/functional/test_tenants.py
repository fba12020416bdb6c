"""POST /admin/tenants: provisioning a tenant and its API key.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re

import pytest
from support.client import Api
from support.ledger import RFC3339_MICRO_Z, unique_name
from support.problems import expect_error, expect_status, expect_success

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@pytest.mark.check("api_design.tenants.create")
def test_create_tenant_returns_201_with_id_name_key_and_timestamp(admin: Api) -> None:
    name = unique_name("Acme Payments")
    response = admin.post("/admin/tenants", json={"name": name})
    body = expect_status(response, 201, "when an operator creates a tenant")
    assert isinstance(body, dict), "expected a JSON object when creating a tenant"
    for field in ("id", "name", "api_key", "created_at"):
        assert field in body, f"expected the created tenant to have a {field!r} member"
    assert isinstance(body["id"], str) and ID_RE.match(body["id"]), (
        "expected the tenant id to be a string of at most 64 characters from [A-Za-z0-9_-]"
    )
    assert body["name"] == name, "expected the created tenant to echo the name it was given"
    assert isinstance(body["api_key"], str) and len(body["api_key"]) >= 32, (
        "expected the tenant's api_key to be a string of at least 32 characters"
    )
    assert isinstance(body["created_at"], str), "expected created_at to be a string"


@pytest.mark.check("api_design.tenants.create")
def test_each_tenant_gets_its_own_id_and_key(admin: Api) -> None:
    first = expect_status(
        admin.post("/admin/tenants", json={"name": unique_name()}), 201, "creating a tenant"
    )
    second = expect_status(
        admin.post("/admin/tenants", json={"name": unique_name()}), 201, "creating a tenant"
    )
    assert first["id"] != second["id"], "expected two tenants to get different ids"
    assert first["api_key"] != second["api_key"], "expected two tenants to get different keys"


@pytest.mark.check("api_design.tenants.create")
def test_new_tenant_key_authenticates(admin: Api) -> None:
    body = expect_status(
        admin.post("/admin/tenants", json={"name": unique_name()}), 201, "creating a tenant"
    )
    tenant_api = admin.as_key(body["api_key"])
    listing = tenant_api.get("/v1/accounts")
    page = expect_status(listing, 200, "listing accounts with a brand-new tenant's key")
    assert isinstance(page, dict) and page.get("data") == [], (
        "expected a brand-new tenant to have no accounts"
    )


@pytest.mark.check("api_design.tenants.create")
def test_tenant_name_bounds_are_inclusive(admin: Api) -> None:
    one = admin.post("/admin/tenants", json={"name": "x"})
    expect_status(one, 201, "for a 1-character tenant name")
    hundred = admin.post("/admin/tenants", json={"name": "n" * 100})
    expect_status(hundred, 201, "for a 100-character tenant name")


TENANT_BAD_BODIES = [
    pytest.param({}, id="missing-name"),
    pytest.param({"name": ""}, id="empty-name"),
    pytest.param({"name": "n" * 101}, id="name-101-chars"),
    pytest.param({"name": 42}, id="name-number"),
    pytest.param({"name": None}, id="name-null"),
    pytest.param({"name": ["a"]}, id="name-list"),
    pytest.param({"name": "ok", "plan": "gold"}, id="unknown-field"),
    pytest.param(["name"], id="top-level-array"),
    pytest.param("name", id="top-level-string"),
]


@pytest.mark.check("api_design.tenants.validation")
@pytest.mark.parametrize("payload", TENANT_BAD_BODIES)
def test_invalid_tenant_body_is_422(admin: Api, payload: object) -> None:
    response = admin.post("/admin/tenants", json=payload)
    expect_error(response, 422, "validation_error", "for an invalid tenant body")


@pytest.mark.check("api_design.format.timestamps_ids")
def test_tenant_created_at_format(admin: Api) -> None:
    body = expect_success(
        admin.post("/admin/tenants", json={"name": unique_name()}), "creating a tenant"
    )
    assert re.match(RFC3339_MICRO_Z, str(body.get("created_at"))), (
        "expected the tenant's created_at in RFC 3339 UTC with six fractional digits and Z, "
        f"got {body.get('created_at')!r}"
    )
