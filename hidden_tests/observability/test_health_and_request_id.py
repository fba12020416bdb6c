"""/healthz, /readyz and the X-Request-ID header.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
import uuid

import pytest
from support.client import Api
from support.ledger import ACCOUNTS, create_account, fake_id_like
from support.problems import content_type, expect_status

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


@pytest.mark.check("observability.health.endpoints")
def test_healthz_answers_ok_without_auth(anon: Api) -> None:
    response = anon.get("/healthz", auth=False)
    body = expect_status(response, 200, "from GET /healthz")
    assert content_type(response) == "application/json", "expected JSON from GET /healthz"
    assert body == {"status": "ok"}, f'expected {{"status": "ok"}} from GET /healthz, got {body!r}'


@pytest.mark.check("observability.health.endpoints")
def test_readyz_answers_ready_without_auth(anon: Api) -> None:
    response = anon.get("/readyz", auth=False)
    body = expect_status(response, 200, "from GET /readyz on a healthy service")
    assert content_type(response) == "application/json", "expected JSON from GET /readyz"
    assert body == {"status": "ready"}, (
        f'expected {{"status": "ready"}} from GET /readyz, got {body!r}'
    )


@pytest.mark.check("observability.health.endpoints")
def test_health_endpoints_ignore_bad_credentials(anon: Api) -> None:
    headers = {"Authorization": "Bearer not-a-key", "X-Admin-Token": "nope"}
    for path in ("/healthz", "/readyz"):
        expect_status(
            anon.get(path, headers=headers, auth=False), 200, f"from GET {path} with a bad key"
        )


@pytest.mark.check("observability.request_id.header")
def test_valid_request_id_is_echoed_on_every_response(api: Api, anon: Api) -> None:
    account = create_account(api)
    calls = [
        ("GET /healthz", lambda h: anon.get("/healthz", headers=h, auth=False)),
        ("GET an account", lambda h: api.get(f"{ACCOUNTS}/{account['id']}", headers=h)),
        (
            "GET a missing account",
            lambda h: api.get(f"{ACCOUNTS}/{fake_id_like(account['id'], seed=41)}", headers=h),
        ),
        ("GET without a key", lambda h: anon.get(ACCOUNTS, headers=h, auth=False)),
        ("an invalid body", lambda h: api.post(ACCOUNTS, json={}, headers=h)),
        ("an unknown route", lambda h: api.get("/v1/nowhere", headers=h)),
    ]
    for what, call in calls:
        rid = f"req-{uuid.uuid4().hex[:16]}.A_b"
        response = call({"X-Request-ID": rid})
        got = response.headers.get("x-request-id")
        assert got == rid, f"expected the X-Request-ID sent to be echoed for {what}, got {got!r}"


@pytest.mark.check("observability.request_id.header")
def test_request_id_is_generated_when_absent(anon: Api) -> None:
    first = anon.get("/healthz", auth=False).headers.get("x-request-id")
    second = anon.get("/healthz", auth=False).headers.get("x-request-id")
    assert first and REQUEST_ID_RE.match(first), (
        f"expected a generated X-Request-ID of 1..128 [A-Za-z0-9._-] characters, got {first!r}"
    )
    assert second and first != second, "expected a new X-Request-ID for every request"


@pytest.mark.check("observability.request_id.header")
@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("r" * 129, id="129-chars"),
        pytest.param("has space", id="space"),
        pytest.param("slash/inside", id="slash"),
        pytest.param("quote'inside", id="quote"),
        pytest.param("<script>", id="angle-brackets"),
        pytest.param("", id="empty"),
    ],
)
def test_invalid_request_id_is_replaced(anon: Api, bad: str) -> None:
    response = anon.get("/healthz", headers={"X-Request-ID": bad}, auth=False)
    expect_status(response, 200, "from GET /healthz with an invalid X-Request-ID")
    got = response.headers.get("x-request-id")
    assert got != bad, "expected an invalid X-Request-ID not to be echoed"
    assert got and REQUEST_ID_RE.match(got), (
        f"expected a generated X-Request-ID in place of an invalid one, got {got!r}"
    )


@pytest.mark.check("observability.request_id.header")
def test_request_id_of_128_chars_is_kept(anon: Api) -> None:
    rid = ("a1._-" * 26)[:128]
    response = anon.get("/healthz", headers={"X-Request-ID": rid}, auth=False)
    assert response.headers.get("x-request-id") == rid, (
        "expected a 128-character X-Request-ID to be echoed"
    )
