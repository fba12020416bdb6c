"""Error hygiene and hostile bodies: no internals in responses, body limits, secrets not echoed.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from support import env
from support.client import Api, new_key
from support.ledger import (
    ACCOUNTS,
    DEPOSITS,
    Tenant,
    balance_of,
    create_account,
    fake_id_like,
    fund,
    funded_account,
)
from support.logs import read_log, wait_for
from support.problems import (
    assert_no_leak,
    assert_not_server_error,
    expect_error,
    expect_success,
)

MIB = 1024 * 1024
JSON = {"Content-Type": "application/json"}


def _hostile_requests(api: Api, account_id: str) -> Iterator[tuple[str, httpx.Response]]:
    yield "a truncated JSON body", api.post(ACCOUNTS, content=b'{"name": "a', headers=JSON)
    yield "invalid UTF-8", api.post(ACCOUNTS, content=b'{"name": "\xc3\x28"}', headers=JSON)
    yield "a NUL byte body", api.post(ACCOUNTS, content=b"\x00\x00\x00", headers=JSON)
    yield (
        "a form-encoded body",
        api.post(
            ACCOUNTS,
            content=b"name=a&currency=USD",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
    )
    yield (
        "a text/plain body",
        api.post(
            ACCOUNTS,
            content=b'{"name": "a", "currency": "USD"}',
            headers={"Content-Type": "text/plain"},
        ),
    )
    yield (
        "a 5000-digit amount",
        api.post(
            DEPOSITS,
            content=b'{"account_id": "%s", "amount": %s}' % (account_id.encode(), b"9" * 5000),
            headers=JSON,
            idem=new_key(),
        ),
    )
    yield (
        "an amount of 1e309",
        api.post(
            DEPOSITS,
            content=b'{"account_id": "%s", "amount": 1e309}' % account_id.encode(),
            headers=JSON,
            idem=new_key(),
        ),
    )
    yield (
        "NaN as amount",
        api.post(
            DEPOSITS,
            content=b'{"account_id": "%s", "amount": NaN}' % account_id.encode(),
            headers=JSON,
            idem=new_key(),
        ),
    )
    yield (
        "Infinity as amount",
        api.post(
            DEPOSITS,
            content=b'{"account_id": "%s", "amount": -Infinity}' % account_id.encode(),
            headers=JSON,
            idem=new_key(),
        ),
    )
    yield (
        "duplicate keys",
        api.post(ACCOUNTS, content=b'{"name": "a", "name": 5, "currency": "USD"}', headers=JSON),
    )
    yield "a huge limit", api.get(ACCOUNTS, params={"limit": "9" * 400})
    yield "a float limit overflow", api.get(ACCOUNTS, params={"limit": "1e309"})
    yield "a 1000-character id", api.get(f"{ACCOUNTS}/{'a' * 1000}")
    yield "a 1000-character cursor", api.get(ACCOUNTS, params={"cursor": "Zm9v" * 250})
    yield (
        "a year-0 timestamp",
        api.get(f"{ACCOUNTS}/{account_id}/entries", params={"since": "0000-01-01T00:00:00Z"}),
    )
    yield (
        "a far-future offset timestamp",
        api.get(f"{ACCOUNTS}/{account_id}/entries", params={"until": "9999-12-31T23:59:59-23:59"}),
    )
    yield (
        "a summary with extreme bounds",
        api.get(
            f"{ACCOUNTS}/{account_id}/summary",
            params={"from": "0001-01-01T00:00:00Z", "to": "9999-12-31T23:59:59.999999Z"},
        ),
    )
    yield "an unknown route", api.get("/v1/accounts/../../etc/passwd")
    yield "an unknown method", api.request("PATCH", f"{ACCOUNTS}/{account_id}")
    yield "a body on GET", api.request("GET", ACCOUNTS, content=b"{{{", headers=JSON)


@pytest.mark.check("security.errors.no_leaks")
def test_no_internals_in_error_responses(api: Api) -> None:
    account = funded_account(api, 10)
    for what, response in _hostile_requests(api, account["id"]):
        assert_no_leak(response, f"for {what}")
        assert_not_server_error(response, f"for {what}")
    assert balance_of(api, account["id"]) == 10, "expected hostile requests to change nothing"


@pytest.mark.check("security.input.body_limits")
def test_chunked_body_over_1_mib_is_413(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"currency": "USD", "name": "'
        for _ in range(17):
            yield b"a" * 65536
        yield b'"}'

    response = api.post(ACCOUNTS, content=chunks(), headers=JSON)
    expect_error(response, 413, "payload_too_large", "for a chunked body over 1 MiB")


@pytest.mark.check("security.input.body_limits")
def test_oversize_body_without_auth_is_refused(anon: Api) -> None:
    response = anon.post(ACCOUNTS, content=b"[" + b"0," * (MIB // 2) + b"0]", headers=JSON)
    assert response.status_code in (401, 413), (
        f"expected 401 or 413 for an unauthenticated 1 MiB body, got {response.status_code}"
    )


@pytest.mark.check("security.input.body_limits")
@pytest.mark.parametrize(
    ("what", "raw"),
    [
        pytest.param("100000 nested arrays", b"[" * 100_000 + b"]" * 100_000, id="nested-arrays"),
        pytest.param(
            "50000 nested objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, id="nested-objects"
        ),
        pytest.param(
            "a name nested 20000 levels deep",
            b'{"currency": "USD", "name": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
            id="nested-field",
        ),
    ],
)
def test_deeply_nested_body_is_refused_without_5xx(api: Api, what: str, raw: bytes) -> None:
    response = api.post(ACCOUNTS, content=raw, headers=JSON)
    assert_not_server_error(response, f"for a body of {what}")
    assert response.status_code in (400, 413, 422), (
        f"expected 400, 413 or 422 for a body of {what}, got {response.status_code}"
    )
    assert_no_leak(response, f"for a body of {what}")


@pytest.mark.check("security.input.body_limits")
def test_many_unknown_fields_are_refused(api: Api) -> None:
    fields = ",".join(f'"f{i}": {i}' for i in range(40_000))
    raw = ('{"name": "a", "currency": "USD", ' + fields + "}").encode()
    response = api.post(ACCOUNTS, content=raw, headers=JSON)
    expect_error(response, 422, "validation_error", "for a body with 40000 unknown fields")


@pytest.mark.check("security.input.body_limits")
def test_service_still_works_after_hostile_bodies(api: Api) -> None:
    api.post(ACCOUNTS, content=b"[" * 100_000, headers=JSON)
    api.post(ACCOUNTS, content=b"x" * (MIB + 5), headers=JSON)
    account = create_account(api)
    fund(api, account["id"], 9)
    assert balance_of(api, account["id"]) == 9, "expected the service to work after hostile bodies"


@pytest.mark.check("security.secrets.key_not_echoed")
def test_api_key_never_echoed_after_creation(tenant: Tenant, anon: Api) -> None:
    api = tenant.api
    key = tenant.api_key
    account = create_account(api)
    responses = [
        api.get(ACCOUNTS),
        api.get(f"{ACCOUNTS}/{account['id']}"),
        api.post(DEPOSITS, json={"account_id": account["id"], "amount": 3}, idem=new_key()),
        api.get(f"{ACCOUNTS}/{account['id']}/entries"),
        api.get(f"{ACCOUNTS}/{fake_id_like(account['id'], seed=32)}"),
        api.post(ACCOUNTS, json={"name": "", "currency": "USD"}),
        api.get("/v1/unknown"),
        anon.get(ACCOUNTS, headers={"Authorization": f"Bearer {key}x"}, auth=False),
        anon.get(ACCOUNTS, headers={"Authorization": key}, auth=False),
    ]
    for response in responses:
        blob = response.text + " ".join(f"{k}:{v}" for k, v in response.headers.items())
        assert key not in blob, (
            f"expected the API key never to appear in a later response, found it in the "
            f"{response.request.method} {response.request.url.path} response"
        )


@pytest.mark.check("security.secrets.not_logged")
def test_keys_tokens_and_bodies_stay_out_of_the_log(tenant: Tenant, admin: Api) -> None:
    env.service_log_path()  # fails clearly when the grader did not provide the log
    api = tenant.api
    secret_name = f"canary-{uuid.uuid4().hex}"
    account = api.post(ACCOUNTS, json={"name": secret_name, "currency": "USD"})
    expect_success(account, "for creating an account")
    secret_description = f"canary-{uuid.uuid4().hex}"
    api.post(
        DEPOSITS,
        json={"account_id": account.json()["id"], "amount": 1, "description": secret_description},
        idem=new_key(),
    )
    api.get(ACCOUNTS, headers={"Authorization": f"Bearer {tenant.api_key}-wrong"})
    marker = f"logmark-{uuid.uuid4().hex}"
    admin.get("/healthz", headers={"X-Request-ID": marker}, auth=False)
    wait_for(marker)  # the grader refreshes the file; give it time to catch up
    log = read_log()
    assert tenant.api_key not in log, "expected the service log never to contain an API key"
    token = env.admin_token()
    if len(token) >= 12:
        assert token not in log, "expected the service log never to contain the admin token"
    assert secret_name not in log and secret_description not in log, (
        "expected the service log not to contain request bodies"
    )
