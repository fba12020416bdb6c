"""Input validation: amounts and money bodies, malformed JSON, query parameters, body size, cursors.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import json

import pytest
from support.client import Api, new_key
from support.ledger import (
    ACCOUNTS,
    DEPOSITS,
    balance_of,
    create_account,
    entries_page,
    fund,
)
from support.problems import expect_error, expect_status

MIB = 1024 * 1024

BAD_AMOUNTS = [
    pytest.param("0", id="zero"),
    pytest.param("-1", id="negative"),
    pytest.param("1000000000001", id="above-maximum"),
    pytest.param("9223372036854775807", id="int64-max"),
    pytest.param("9223372036854775808", id="int64-max-plus-1"),
    pytest.param("18446744073709551616", id="2-pow-64"),
    pytest.param("1" + "0" * 40, id="huge-integer"),
    pytest.param("-9223372036854775809", id="below-int64-min"),
    pytest.param("1.0", id="float-1.0"),
    pytest.param("1.5", id="float-1.5"),
    pytest.param("1e3", id="exponent"),
    pytest.param("1E0", id="exponent-upper"),
    pytest.param('"100"', id="string"),
    pytest.param("true", id="true"),
    pytest.param("false", id="false"),
    pytest.param("null", id="null"),
    pytest.param("[100]", id="list"),
    pytest.param('{"value": 100}', id="object"),
]


def _raw_deposit(api: Api, raw: str) -> object:
    return api.post(
        DEPOSITS,
        content=raw.encode("utf-8"),
        headers={"Content-Type": "application/json"},
        idem=new_key(),
    )


@pytest.mark.check("api_design.validation.amounts")
@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_bad_amount_is_422_and_changes_nothing(api: Api, amount: str) -> None:
    account = create_account(api)
    fund(api, account["id"], 10)
    raw = '{"account_id": %s, "amount": %s}' % (json.dumps(account["id"]), amount)  # noqa: UP031
    response = _raw_deposit(api, raw)
    expect_error(response, 422, "validation_error", "for a deposit with an invalid amount")
    assert balance_of(api, account["id"]) == 10, "expected a rejected deposit to change nothing"


@pytest.mark.check("api_design.validation.amounts")
@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"amount": 5}, id="missing-account-id"),
        pytest.param({"account_id": None, "amount": 5}, id="null-account-id"),
        pytest.param({"account_id": 12345, "amount": 5}, id="numeric-account-id"),
        pytest.param({"account_id": "", "amount": 5}, id="empty-account-id"),
        pytest.param({"account_id": "a" * 65, "amount": 5}, id="account-id-65-chars"),
        pytest.param({"account_id": "ACCOUNT", "amount": 5, "memo": "x"}, id="unknown-field"),
        pytest.param({"account_id": "ACCOUNT"}, id="missing-amount"),
        pytest.param({"account_id": "ACCOUNT", "amount": 5, "description": "d" * 141},
                     id="description-141-chars"),
        pytest.param({"account_id": "ACCOUNT", "amount": 5, "description": 7},
                     id="description-number"),
        pytest.param({"account_id": "ACCOUNT", "amount": 5, "description": ["x"]},
                     id="description-list"),
    ],
)  # fmt: skip
def test_bad_deposit_body_is_422(api: Api, body: dict) -> None:
    account = create_account(api)
    payload = {k: (account["id"] if v == "ACCOUNT" else v) for k, v in body.items()}
    response = api.post(DEPOSITS, json=payload, idem=new_key())
    expect_error(response, 422, "validation_error", "for an invalid deposit body")
    assert balance_of(api, account["id"]) == 0, "expected a rejected deposit to change nothing"


@pytest.mark.check("api_design.validation.amounts")
def test_description_bounds(api: Api) -> None:
    account = create_account(api)
    for description in ("d" * 140, "", None):
        body = {"account_id": account["id"], "amount": 1, "description": description}
        created = expect_status(
            api.post(DEPOSITS, json=body, idem=new_key()),
            201,
            "for a deposit with a valid description (140 characters, empty or null)",
        )
        assert created.get("description") == description, (
            "expected the deposit's description to be returned as sent"
        )


@pytest.mark.check("api_design.validation.malformed_json")
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"name": "a", "currency": ', id="truncated"),
        pytest.param(b"{'name': 'a', 'currency': 'USD'}", id="single-quotes"),
        pytest.param(b'{"name": "a", "currency": "USD",}', id="trailing-comma"),
        pytest.param(b"not json at all", id="text"),
        pytest.param(b'{"name": "a" "currency": "USD"}', id="missing-comma"),
        pytest.param(b"\xff\xfe{\x00}", id="invalid-utf8"),
    ],
)
def test_malformed_json_is_400(api: Api, raw: bytes) -> None:
    response = api.post(ACCOUNTS, content=raw, headers={"Content-Type": "application/json"})
    expect_error(response, 400, "malformed_json", "for a body that is not valid JSON")


@pytest.mark.check("api_design.validation.malformed_json")
def test_malformed_json_on_money_route_is_400(api: Api) -> None:
    account = create_account(api)
    response = api.post(
        DEPOSITS,
        content=b'{"account_id": "' + account["id"].encode() + b'", "amount": 5',
        headers={"Content-Type": "application/json"},
        idem=new_key(),
    )
    expect_error(response, 400, "malformed_json", "for a deposit body that is not valid JSON")
    assert balance_of(api, account["id"]) == 0, "expected a malformed deposit to change nothing"


@pytest.mark.check("api_design.validation.malformed_json")
def test_malformed_json_on_admin_route_is_400(admin: Api) -> None:
    response = admin.post(
        "/admin/tenants", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    expect_error(response, 400, "malformed_json", "for a tenant body that is not valid JSON")


@pytest.mark.check("api_design.validation.query_params")
@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5", "1e2"])
@pytest.mark.parametrize("listing", ["accounts", "entries"])
def test_limit_out_of_range_is_422(api: Api, listing: str, limit: str) -> None:
    account = create_account(api)
    path = ACCOUNTS if listing == "accounts" else f"{ACCOUNTS}/{account['id']}/entries"
    response = api.get(path, params={"limit": limit})
    expect_error(response, 422, "validation_error", f"for limit={limit!r} on the {listing} list")


# The contract's maximum page size (200) is what keeps one request's cost bounded: it gets a case
# per magnitude, so an uncapped limit weighs in this fraction as much as the lower bound and types.
@pytest.mark.check("api_design.validation.query_params")
@pytest.mark.parametrize("limit", ["201", "1000", "1000000", "9223372036854775808"])
@pytest.mark.parametrize("listing", ["accounts", "entries"])
def test_limit_above_the_maximum_page_size_is_422(api: Api, listing: str, limit: str) -> None:
    account = create_account(api)
    path = ACCOUNTS if listing == "accounts" else f"{ACCOUNTS}/{account['id']}/entries"
    response = api.get(path, params={"limit": limit})
    expect_error(
        response,
        422,
        "validation_error",
        f"for limit={limit} on the {listing} list (the documented maximum page size is 200)",
    )


@pytest.mark.check("api_design.validation.query_params")
@pytest.mark.parametrize("listing", ["accounts", "entries"])
def test_limit_bounds_are_inclusive(api: Api, listing: str) -> None:
    account = create_account(api)
    fund(api, account["id"], 1)
    path = ACCOUNTS if listing == "accounts" else f"{ACCOUNTS}/{account['id']}/entries"
    for limit in ("1", "200"):
        body = expect_status(
            api.get(path, params={"limit": limit}), 200, f"for limit={limit} on the {listing} list"
        )
        assert len(body["data"]) == 1, f"expected one item on the {listing} list"


@pytest.mark.check("api_design.validation.query_params")
@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("since", "2026-01-01T00:00:00", id="naive-since"),
        pytest.param("until", "2026-01-01T00:00:00.000001", id="naive-until"),
        pytest.param("since", "2026-01-01", id="date-only"),
        pytest.param("since", "yesterday", id="words"),
        pytest.param("until", "2026-13-01T00:00:00Z", id="month-13"),
        pytest.param("since", "2026-02-30T00:00:00Z", id="february-30"),
        pytest.param("since", "0001-01-01T00:00:00+01:00", id="before-year-1-in-utc"),
        pytest.param("until", "9999-12-31T23:00:00-02:00", id="after-year-9999-in-utc"),
    ],
)
def test_bad_time_filter_is_422(api: Api, name: str, value: str) -> None:
    account = create_account(api)
    response, _ = entries_page(api, account["id"], **{name: value})
    expect_error(response, 422, "validation_error", f"for {name}={value!r} on the entries list")


@pytest.mark.check("api_design.validation.query_params")
def test_since_after_until_is_422(api: Api) -> None:
    account = create_account(api)
    response, _ = entries_page(
        api, account["id"], since="2026-02-01T00:00:00Z", until="2026-01-01T00:00:00Z"
    )
    expect_error(response, 422, "validation_error", "for since later than until")


@pytest.mark.check("api_design.validation.query_params")
def test_unknown_query_parameters_are_ignored(api: Api) -> None:
    create_account(api)
    body = expect_status(
        api.get(ACCOUNTS, params={"colour": "blue", "offset": "3"}),
        200,
        "for GET /v1/accounts with an unknown query parameter",
    )
    assert len(body["data"]) == 1, "expected unknown query parameters to be ignored"


@pytest.mark.check("api_design.pagination.invalid_cursor")
@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("garbage", id="word"),
        pytest.param("!!!***", id="symbols"),
        pytest.param(base64.urlsafe_b64encode(b"hello world").decode(), id="base64-text"),
        pytest.param(base64.urlsafe_b64encode(b'{"id": 1}').decode(), id="base64-json"),
        pytest.param("x" * 2000, id="very-long"),
        pytest.param("%00", id="nul"),
    ],
)
@pytest.mark.parametrize("listing", ["accounts", "entries"])
def test_bad_cursor_is_400(api: Api, listing: str, cursor: str) -> None:
    account = create_account(api)
    path = ACCOUNTS if listing == "accounts" else f"{ACCOUNTS}/{account['id']}/entries"
    response = api.get(path, params={"cursor": cursor})
    expect_error(
        response, 400, "invalid_cursor", f"for a cursor the service never issued ({listing})"
    )


@pytest.mark.check("api_design.pagination.invalid_cursor")
@pytest.mark.parametrize("tamper", ["append", "truncate", "reverse"])
def test_tampered_cursor_is_refused(api: Api, tamper: str) -> None:
    account = create_account(api)
    for amount in (1, 2, 3):
        fund(api, account["id"], amount)
    _, page = entries_page(api, account["id"], limit=1)
    assert page is not None and page["next_cursor"], "expected a next_cursor with more entries left"
    cursor = page["next_cursor"]
    altered = {
        "append": cursor + "x!",
        "truncate": cursor[: max(1, len(cursor) // 2)],
        "reverse": cursor[::-1] if cursor[::-1] != cursor else cursor + "~",
    }[tamper]
    response, _ = entries_page(api, account["id"], cursor=altered, limit=1)
    if response.status_code == 200:
        return  # the altered text still names a position this service issued: not our concern
    expect_error(response, 400, "invalid_cursor", "for an altered cursor")


@pytest.mark.check("api_design.validation.payload_too_large")
def test_body_over_1_mib_is_413(api: Api) -> None:
    prefix, suffix = b'{"currency": "USD", "name": "', b'"}'
    filler = b"a" * (MIB + 1 - len(prefix) - len(suffix))
    body = prefix + filler + suffix
    assert len(body) == MIB + 1
    response = api.post(ACCOUNTS, content=body, headers={"Content-Type": "application/json"})
    expect_error(response, 413, "payload_too_large", "for a 1 MiB + 1 byte body")


@pytest.mark.check("api_design.validation.payload_too_large")
def test_body_of_exactly_1_mib_is_not_413(api: Api) -> None:
    prefix, suffix = b'{"currency": "USD", "name": "', b'"}'
    filler = b"a" * (MIB - len(prefix) - len(suffix))
    body = prefix + filler + suffix
    assert len(body) == MIB
    response = api.post(ACCOUNTS, content=body, headers={"Content-Type": "application/json"})
    expect_error(
        response, 422, "validation_error",
        "for a body of exactly 1 MiB (allowed size) whose name is too long",
    )  # fmt: skip


@pytest.mark.check("api_design.validation.payload_too_large")
def test_oversize_money_body_is_413_and_changes_nothing(api: Api) -> None:
    account = create_account(api)
    description = "d" * (MIB + 10)
    response = api.post(
        DEPOSITS,
        json={"account_id": account["id"], "amount": 5, "description": description},
        idem=new_key(),
    )
    expect_error(response, 413, "payload_too_large", "for a deposit body over 1 MiB")
    assert balance_of(api, account["id"]) == 0, "expected an oversize deposit to change nothing"
