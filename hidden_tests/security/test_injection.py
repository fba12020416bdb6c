"""Hostile input in every string field, path id, query parameter and header: never a 5xx, never a
change to other data, and text that is accepted comes back exactly as sent.

``security.input.injection`` scores each case (a fraction: refused with the right status, stored
exactly); ``security.input.injection_no_errors`` fails outright on any 5xx, any hostile id that
matches a record or moves money, and any change to another tenant's data.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import httpx
import pytest
from support.client import Api, new_key
from support.ledger import (
    ACCOUNTS,
    DEPOSITS,
    TRANSACTIONS,
    Tenant,
    balance_of,
    create_account,
    fund,
    funded_account,
)
from support.problems import (
    assert_no_leak,
    assert_not_server_error,
    expect_status,
    problem_code,
)

PAYLOADS = [
    "' OR '1'='1",
    "'; DROP TABLE accounts; --",
    '" OR ""="',
    "Robert'); DROP TABLE entries;--",
    "1 UNION SELECT api_key FROM tenants --",
    "a\x00b",
    "\x00",
    "%00%27",
    "../../../../etc/passwd",
    "<script>alert(1)</script>",
    "{{7*7}}${7*7}#{7*7}",
    "😀💶 ünïcødé \u202e RTL \u200b",
    "\\",
    "\r\nX-Injected: 1",
    "x" * 10_000,
]
IDS = [
    "or-true", "drop-accounts", "double-quote", "bobby-tables", "union", "nul-inside", "nul",
    "percent-nul", "path-traversal", "xss", "template", "unicode", "backslash", "crlf", "10k",
]  # fmt: skip
CASES = [pytest.param(p, id=i) for p, i in zip(PAYLOADS, IDS, strict=True)]
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,128}")
LONE_SURROGATE_JSON = '"\\ud800 lone surrogate"'


def _body(raw_value: str, template: dict) -> bytes:
    """``template`` with its "$" value replaced by ``raw_value`` (raw JSON text)."""
    text = json.dumps(template).replace('"$"', raw_value)
    return text.encode("utf-8")


def _post_raw(api: Api, path: str, raw: bytes, idem: bool = False) -> httpx.Response:
    return api.post(
        path,
        content=raw,
        headers={"Content-Type": "application/json"},
        idem=new_key() if idem else None,
    )


@pytest.fixture
def canary(other_tenant: Tenant) -> tuple[Tenant, dict]:
    account = funded_account(other_tenant.api, 4242)
    return other_tenant, account


def _canary_intact(canary: tuple[Tenant, dict]) -> None:
    owner, account = canary
    listing = expect_status(owner.api.get(ACCOUNTS), 200, "listing the canary tenant's accounts")
    assert [a["id"] for a in listing["data"]] == [account["id"]], (
        "expected hostile input from one tenant to leave another tenant's accounts unchanged"
    )
    assert balance_of(owner.api, account["id"]) == 4242, (
        "expected hostile input from one tenant to leave another tenant's balance unchanged"
    )


@pytest.mark.check("security.input.injection")
@pytest.mark.parametrize("payload", CASES)
def test_hostile_account_name(api: Api, canary: tuple[Tenant, dict], payload: str) -> None:
    response = api.post(ACCOUNTS, json={"name": payload, "currency": "USD"})
    assert_not_server_error(response, "for an account name with hostile text")
    assert_no_leak(response, "for an account name with hostile text", sent=(payload,))
    if len(payload) > 100:
        assert response.status_code == 422, (
            f"expected 422 for a {len(payload)}-character account name, got {response.status_code}"
        )
    if 200 <= response.status_code < 300:
        created = response.json()
        fetched = expect_status(api.get(f"{ACCOUNTS}/{created['id']}"), 200, "reading it back")
        assert fetched["name"] == payload, "expected an accepted account name back exactly as sent"
    else:
        assert response.status_code == 422, (
            f"expected success or 422 for a hostile account name, got {response.status_code}"
        )
    _canary_intact(canary)


@pytest.mark.check("security.input.injection")
@pytest.mark.parametrize("payload", CASES)
def test_hostile_description(api: Api, canary: tuple[Tenant, dict], payload: str) -> None:
    account = create_account(api)
    response = api.post(
        DEPOSITS,
        json={"account_id": account["id"], "amount": 1, "description": payload},
        idem=new_key(),
    )
    assert_not_server_error(response, "for a description with hostile text")
    assert_no_leak(response, "for a description with hostile text", sent=(payload,))
    if 200 <= response.status_code < 300:
        txn = response.json()
        assert txn["description"] == payload, "expected an accepted description back as sent"
        assert balance_of(api, account["id"]) == 1, "expected the deposit to be applied once"
    else:
        assert response.status_code == 422, (
            f"expected 201 or 422 for a hostile description, got {response.status_code}"
        )
        assert balance_of(api, account["id"]) == 0, "expected a rejected deposit to change nothing"
    _canary_intact(canary)


@pytest.mark.check("security.input.injection")
@pytest.mark.parametrize("payload", CASES)
def test_hostile_path_ids(api: Api, canary: tuple[Tenant, dict], payload: str) -> None:
    create_account(api)
    quoted = quote(payload, safe="")
    for path in (
        f"{ACCOUNTS}/{quoted}",
        f"{ACCOUNTS}/{quoted}/entries",
        f"{TRANSACTIONS}/{quoted}",
    ):
        response = api.get(path)
        if response.status_code == 501 and problem_code(response) == "not_implemented":
            continue  # a missing feature, charged to its own checks
        assert_not_server_error(response, "for a hostile id in the path")
        assert_no_leak(response, "for a hostile id in the path", sent=(payload, quoted))
        assert response.status_code in (400, 404, 414, 422), (
            f"expected 404 for an id that names nothing, got {response.status_code}"
        )
    _canary_intact(canary)


@pytest.mark.check("security.input.injection")
@pytest.mark.parametrize("payload", CASES)
def test_hostile_ids_in_bodies(api: Api, canary: tuple[Tenant, dict], payload: str) -> None:
    mine = funded_account(api, 10)
    for path, body in (
        (DEPOSITS, {"account_id": payload, "amount": 1}),
        ("/v1/transfers", {"from_account_id": mine["id"], "to_account_id": payload, "amount": 1}),
        ("/v1/transfers", {"from_account_id": payload, "to_account_id": mine["id"], "amount": 1}),
    ):
        response = api.post(path, json=body, idem=new_key())
        if response.status_code == 501 and problem_code(response) == "not_implemented":
            continue  # a missing feature, charged to its own checks
        assert_not_server_error(response, "for a hostile account id in a body")
        assert_no_leak(response, "for a hostile account id in a body", sent=(payload,))
        assert response.status_code in (404, 422), (
            f"expected 404 (or 422 for an id over 64 characters) for a hostile account id, "
            f"got {response.status_code}"
        )
    assert balance_of(api, mine["id"]) == 10, "expected hostile ids to move no money"
    _canary_intact(canary)


@pytest.mark.check("security.input.injection")
@pytest.mark.parametrize("payload", CASES)
def test_hostile_query_parameters(api: Api, canary: tuple[Tenant, dict], payload: str) -> None:
    account = create_account(api)
    fund(api, account["id"], 5)
    entries = f"{ACCOUNTS}/{account['id']}/entries"
    checks = [
        (ACCOUNTS, {"cursor": payload}, {400}),
        (ACCOUNTS, {"limit": payload}, {422}),
        (entries, {"cursor": payload}, {400}),
        (entries, {"since": payload}, {422}),
        (entries, {"until": payload}, {422}),
    ]
    for path, params, expected in checks:
        response = api.get(path, params=params)
        assert_not_server_error(response, "for a hostile query parameter")
        assert_no_leak(response, "for a hostile query parameter", sent=(payload,))
        assert response.status_code in expected, (
            f"expected {sorted(expected)} for a hostile {next(iter(params))} parameter, "
            f"got {response.status_code}"
        )
    _canary_intact(canary)


@pytest.mark.check("security.input.injection")
def test_lone_surrogate_is_refused_or_stored_safely(api: Api, canary: tuple[Tenant, dict]) -> None:
    response = _post_raw(
        api, ACCOUNTS, _body(LONE_SURROGATE_JSON, {"name": "$", "currency": "USD"})
    )
    assert_not_server_error(response, "for a name with an unpaired UTF-16 surrogate escape")
    assert response.status_code in (201, 400, 422), (
        f"expected 201, 400 or 422 for an unpaired surrogate escape, got {response.status_code}"
    )
    account = create_account(api)
    response = _post_raw(
        api,
        DEPOSITS,
        _body(LONE_SURROGATE_JSON, {"account_id": account["id"], "amount": 1, "description": "$"}),
        idem=True,
    )
    assert_not_server_error(response, "for a description with an unpaired surrogate escape")
    _canary_intact(canary)


@pytest.mark.check("security.input.injection")
def test_hostile_headers(api: Api, canary: tuple[Tenant, dict]) -> None:
    account = create_account(api)
    header_payloads = [
        "' OR '1'='1",
        "'; DROP TABLE idempotency_keys; --",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "x" * 255,
    ]
    for value in header_payloads:
        response = api.post(
            DEPOSITS,
            json={"account_id": account["id"], "amount": 1},
            headers={"Idempotency-Key": value, "X-Request-ID": value},
        )
        assert_not_server_error(response, "for hostile Idempotency-Key and X-Request-ID headers")
        assert response.status_code == 201, (
            f"expected 201 for a deposit with a valid printable-ASCII Idempotency-Key, "
            f"got {response.status_code}"
        )
        echoed = response.headers.get("x-request-id", "")
        assert echoed != value or REQUEST_ID_RE.fullmatch(value), (
            "expected an X-Request-ID with forbidden characters not to be echoed back"
        )
    assert balance_of(api, account["id"]) == len(header_payloads), (
        "expected each distinct printable key to deposit exactly once"
    )
    _canary_intact(canary)


@pytest.mark.check("security.input.injection")
def test_hostile_tenant_names(admin: Api) -> None:
    for payload in PAYLOADS:
        response = admin.post("/admin/tenants", json={"name": payload})
        assert_not_server_error(response, "for a tenant name with hostile text")
        assert_no_leak(response, "for a tenant name with hostile text", sent=(payload,))
        if 200 <= response.status_code < 300:
            assert response.json()["name"] == payload, "expected the tenant name back as sent"
        else:
            assert response.status_code == 422, (
                f"expected 201 or 422 for a hostile tenant name, got {response.status_code}"
            )


# --- security.input.injection_no_errors: all or nothing ------------------------------------------
# A hostile string that crashes a handler (5xx), matches a record it does not name, moves money or
# changes another tenant's data is an injection flaw, not a validation detail: one such answer
# fails the whole check. Each test stops at the first flaw, so the evidence ends with it.


def _no_crash(response: httpx.Response, context: str) -> bool:
    """False for a 501 ``not_implemented`` stub (a missing feature); asserts no 5xx otherwise."""
    if response.status_code == 501 and problem_code(response) == "not_implemented":
        return False
    assert_not_server_error(response, context)
    return True


@pytest.mark.check("security.input.injection_no_errors")
def test_hostile_path_ids_never_crash_or_match(api: Api, canary: tuple[Tenant, dict]) -> None:
    create_account(api)
    for payload in PAYLOADS:
        quoted = quote(payload, safe="")
        for path in (
            f"{ACCOUNTS}/{quoted}",
            f"{ACCOUNTS}/{quoted}/entries",
            f"{TRANSACTIONS}/{quoted}",
        ):
            response = api.get(path)
            if _no_crash(response, "for a hostile id in the path"):
                assert not 200 <= response.status_code < 300, (
                    f"expected a hostile id in the path to name no record, got "
                    f"{response.status_code} with data"
                )
    _canary_intact(canary)


@pytest.mark.check("security.input.injection_no_errors")
def test_hostile_body_ids_never_crash_or_move_money(api: Api, canary: tuple[Tenant, dict]) -> None:
    mine = funded_account(api, 10)
    for payload in PAYLOADS:
        for path, body in (
            (DEPOSITS, {"account_id": payload, "amount": 1}),
            (
                "/v1/transfers",
                {"from_account_id": mine["id"], "to_account_id": payload, "amount": 1},
            ),
            (
                "/v1/transfers",
                {"from_account_id": payload, "to_account_id": mine["id"], "amount": 1},
            ),
        ):
            response = api.post(path, json=body, idem=new_key())
            if _no_crash(response, "for a hostile account id in a body"):
                assert not 200 <= response.status_code < 300, (
                    f"expected a hostile account id to name no account, got {response.status_code}"
                )
    assert balance_of(api, mine["id"]) == 10, "expected hostile ids to move no money"
    _canary_intact(canary)


@pytest.mark.check("security.input.injection_no_errors")
def test_hostile_text_fields_never_crash(api: Api, canary: tuple[Tenant, dict]) -> None:
    account = create_account(api)
    for payload in PAYLOADS:
        response = api.post(ACCOUNTS, json={"name": payload, "currency": "USD"})
        _no_crash(response, "for an account name with hostile text")
        response = api.post(
            DEPOSITS,
            json={"account_id": account["id"], "amount": 1, "description": payload},
            idem=new_key(),
        )
        _no_crash(response, "for a description with hostile text")
    _canary_intact(canary)


@pytest.mark.check("security.input.injection_no_errors")
def test_hostile_query_parameters_never_crash(api: Api, canary: tuple[Tenant, dict]) -> None:
    account = create_account(api)
    entries = f"{ACCOUNTS}/{account['id']}/entries"
    for payload in PAYLOADS:
        for path, name in (
            (ACCOUNTS, "cursor"),
            (ACCOUNTS, "limit"),
            (entries, "cursor"),
            (entries, "since"),
            (entries, "until"),
        ):
            _no_crash(api.get(path, params={name: payload}), f"for a hostile {name} parameter")
    _canary_intact(canary)


@pytest.mark.check("security.input.injection_no_errors")
def test_hostile_headers_and_tenant_names_never_crash(
    admin: Api, api: Api, canary: tuple[Tenant, dict]
) -> None:
    account = create_account(api)
    for value in ("' OR '1'='1", "'; DROP TABLE idempotency_keys; --", "../../etc/passwd"):
        response = api.post(
            DEPOSITS,
            json={"account_id": account["id"], "amount": 1},
            headers={"Idempotency-Key": value, "X-Request-ID": value},
        )
        _no_crash(response, "for hostile Idempotency-Key and X-Request-ID headers")
    for payload in PAYLOADS:
        response = admin.post("/admin/tenants", json={"name": payload})
        _no_crash(response, "for a tenant name with hostile text")
    _canary_intact(canary)
