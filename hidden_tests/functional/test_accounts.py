"""Accounts: create, read, list (shape, order, limits), Location, validation, currencies.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from support.client import Api
from support.ledger import (
    ACCOUNTS,
    RFC3339_MICRO_Z,
    create_account,
    fake_id_like,
    fund,
    unique_name,
)
from support.problems import expect_error, expect_status, expect_success

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ACCOUNT_FIELDS = ("id", "name", "currency", "balance", "created_at")

# Codes of the contract's Currency enum (ISO 4217 money in circulation): a sample plus recent codes.
VALID_CURRENCIES = [
    "USD", "EUR", "JPY", "GBP", "CHF", "AED", "BHD", "CLF", "KWD", "XAF",
    "XPF", "XOF", "BOV", "ZAR", "SLE", "VED", "ZWG", "XCG", "UYW", "MRU",
]  # fmt: skip
INVALID_CURRENCIES = [
    pytest.param("usd", id="lower-case"),
    pytest.param("Usd", id="mixed-case"),
    pytest.param("ABC", id="not-a-code"),
    pytest.param("XXX", id="no-currency-code"),
    pytest.param("XTS", id="testing-code"),
    pytest.param("XAU", id="precious-metal"),
    pytest.param("XDR", id="special-drawing-right"),
    pytest.param("DEM", id="withdrawn-code"),
    pytest.param("HRK", id="replaced-code"),
    pytest.param("US", id="two-letters"),
    pytest.param("USDD", id="four-letters"),
    pytest.param("", id="empty"),
    pytest.param(" USD", id="leading-space"),
    pytest.param(840, id="numeric-code"),
    pytest.param(None, id="null"),
]


def _check_account_shape(body: object, context: str) -> dict:
    assert isinstance(body, dict), f"expected a JSON object {context}"
    for field in ACCOUNT_FIELDS:
        assert field in body, f"expected the account {context} to have a {field!r} member"
    assert isinstance(body["id"], str) and ID_RE.match(body["id"]), (
        f"expected the account id {context} to be at most 64 characters of [A-Za-z0-9_-]"
    )
    assert type(body["balance"]) is int, f"expected an integer balance {context}"
    return body


@pytest.mark.check("api_design.accounts.create")
def test_create_account_returns_201_with_zero_balance(api: Api) -> None:
    name = unique_name("Operating account")
    response = api.post(ACCOUNTS, json={"name": name, "currency": "EUR"})
    body = expect_status(response, 201, "when creating an account")
    _check_account_shape(body, "returned by POST /v1/accounts")
    assert body["name"] == name, "expected the created account to echo its name"
    assert body["currency"] == "EUR", "expected the created account to echo its currency"
    assert body["balance"] == 0, f"expected a new account to have balance 0, got {body['balance']}"


@pytest.mark.check("api_design.accounts.create")
def test_accounts_get_distinct_ids(api: Api) -> None:
    ids = {create_account(api)["id"] for _ in range(5)}
    assert len(ids) == 5, "expected every created account to get a new id"


@pytest.mark.check("api_design.accounts.create")
def test_account_name_bounds_are_inclusive(api: Api) -> None:
    for name in ("a", "n" * 100, "Épargne 💶 ünïcødé"):
        response = api.post(ACCOUNTS, json={"name": name, "currency": "USD"})
        body = expect_status(response, 201, f"for a valid {len(name)}-character account name")
        assert body["name"] == name, "expected the account name to be stored exactly as sent"


@pytest.mark.check("api_design.accounts.location")
def test_create_account_sets_location(api: Api) -> None:
    response = api.post(ACCOUNTS, json={"name": unique_name(), "currency": "USD"})
    body = expect_success(response, "when creating an account")  # the 201 is accounts.create's
    location = response.headers.get("location")
    assert location, "expected a Location header on the answer to POST /v1/accounts"
    assert location == f"/v1/accounts/{body['id']}", (
        f"expected Location /v1/accounts/{{id}} of the created account, got {location!r}"
    )
    again = api.get(urlsplit(location).path)
    expect_status(again, 200, "when following the Location header of a created account")


@pytest.mark.check("api_design.accounts.read")
def test_get_account_returns_it(api: Api) -> None:
    created = create_account(api, "GBP")
    response = api.get(f"{ACCOUNTS}/{created['id']}")
    body = expect_status(response, 200, "for GET of an existing account")
    _check_account_shape(body, "returned by GET /v1/accounts/{account_id}")
    assert body == created, "expected GET /v1/accounts/{account_id} to return the created account"


@pytest.mark.check("api_design.accounts.read")
def test_get_account_shows_current_balance(api: Api) -> None:
    created = create_account(api)
    fund(api, created["id"], 250)
    fund(api, created["id"], 50)
    body = expect_status(api.get(f"{ACCOUNTS}/{created['id']}"), 200, "for GET of an account")
    assert body["balance"] == 300, (
        f"expected balance 300 after deposits of 250 and 50, got {body['balance']}"
    )


@pytest.mark.check("api_design.accounts.read")
def test_get_missing_account_is_404(api: Api) -> None:
    real = create_account(api)
    missing = fake_id_like(real["id"], seed=1)
    response = api.get(f"{ACCOUNTS}/{missing}")
    expect_error(response, 404, "not_found", "for an account id that does not exist")


@pytest.mark.check("api_design.accounts.list")
def test_list_accounts_newest_first(api: Api) -> None:
    created = [create_account(api)["id"] for _ in range(4)]
    response = api.get(ACCOUNTS)
    body = expect_status(response, 200, "for GET /v1/accounts")
    assert isinstance(body, dict) and "data" in body and "next_cursor" in body, (
        "expected GET /v1/accounts to return an object with 'data' and 'next_cursor'"
    )
    ids = [a.get("id") for a in body["data"]]
    assert ids == list(reversed(created)), (
        "expected the tenant's accounts newest first, exactly the ones it created"
    )
    assert body["next_cursor"] is None, "expected next_cursor null when everything fits a page"
    for account in body["data"]:
        _check_account_shape(account, "in the account list")


@pytest.mark.check("api_design.accounts.list")
def test_list_accounts_default_limit_is_50(api: Api) -> None:
    created = [create_account(api)["id"] for _ in range(51)]
    first = expect_status(api.get(ACCOUNTS), 200, "for GET /v1/accounts")
    assert len(first["data"]) == 50, (
        f"expected 50 accounts on a page without limit, got {len(first['data'])}"
    )
    assert isinstance(first["next_cursor"], str) and first["next_cursor"], (
        "expected a next_cursor string when more accounts remain"
    )
    second = expect_status(
        api.get(ACCOUNTS, params={"cursor": first["next_cursor"]}), 200, "for the second page"
    )
    ids = [a["id"] for a in first["data"]] + [a["id"] for a in second["data"]]
    assert ids == list(reversed(created)), (
        "expected the two pages together to list every account once, newest first"
    )
    assert second["next_cursor"] is None, "expected next_cursor null on the last page"


@pytest.mark.check("api_design.accounts.list")
def test_list_accounts_limit_and_cursor(api: Api) -> None:
    created = [create_account(api)["id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = expect_status(api.get(ACCOUNTS, params=params), 200, "for a page of accounts")
        assert len(page["data"]) <= 2, "expected at most `limit` accounts on a page"
        seen.extend(a["id"] for a in page["data"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(created)), (
        "expected walking the cursor with limit=2 to list every account once, newest first"
    )


@pytest.mark.check("api_design.format.timestamps_ids")
def test_account_created_at_format(api: Api) -> None:
    body = create_account(api)
    assert re.match(RFC3339_MICRO_Z, str(body.get("created_at"))), (
        "expected the account's created_at in RFC 3339 UTC with six fractional digits and Z, "
        f"got {body.get('created_at')!r}"
    )


ACCOUNT_BAD_BODIES = [
    pytest.param({"currency": "USD"}, id="missing-name"),
    pytest.param({"name": "a"}, id="missing-currency"),
    pytest.param({"name": "", "currency": "USD"}, id="empty-name"),
    pytest.param({"name": "n" * 101, "currency": "USD"}, id="name-101-chars"),
    pytest.param({"name": 7, "currency": "USD"}, id="name-number"),
    pytest.param({"name": None, "currency": "USD"}, id="name-null"),
    pytest.param({"name": "a", "currency": "USD", "balance": 100}, id="unknown-field-balance"),
    pytest.param({"name": "a", "currency": "USD", "id": "acc_x"}, id="unknown-field-id"),
    pytest.param([{"name": "a", "currency": "USD"}], id="top-level-array"),
    pytest.param("account", id="top-level-string"),
    pytest.param(None, id="top-level-null"),
    pytest.param({}, id="empty-object"),
]


@pytest.mark.check("api_design.accounts.validation")
@pytest.mark.parametrize("payload", ACCOUNT_BAD_BODIES)
def test_invalid_account_body_is_422(api: Api, payload: object) -> None:
    response = api.post(ACCOUNTS, json=payload)
    expect_error(response, 422, "validation_error", "for an invalid account body")


@pytest.mark.check("api_design.accounts.validation")
def test_empty_body_is_422(api: Api) -> None:
    response = api.post(ACCOUNTS, content=b"", headers={"Content-Type": "application/json"})
    expect_error(response, 422, "validation_error", "for POST /v1/accounts with an empty body")


@pytest.mark.check("api_design.accounts.validation")
def test_invalid_account_does_not_create_anything(api: Api) -> None:
    api.post(ACCOUNTS, json={"name": "", "currency": "USD"})
    api.post(ACCOUNTS, json={"name": "x", "currency": "usd"})
    page = expect_status(api.get(ACCOUNTS), 200, "listing accounts")
    assert page["data"] == [], "expected rejected account creations to create no account"


@pytest.mark.check("api_design.validation.currency_codes")
@pytest.mark.parametrize("currency", INVALID_CURRENCIES)
def test_non_iso_currency_is_422(api: Api, currency: object) -> None:
    response = api.post(ACCOUNTS, json={"name": "a", "currency": currency})
    expect_error(response, 422, "validation_error", "for a currency that is not an active ISO code")


@pytest.mark.check("api_design.validation.currency_codes")
def test_active_iso_currencies_are_accepted(api: Api) -> None:
    for code in VALID_CURRENCIES:
        response = api.post(ACCOUNTS, json={"name": f"acct {code}", "currency": code})
        body = expect_success(response, f"for the active ISO 4217 currency {code}")
        assert body["currency"] == code, f"expected the account currency {code} to be echoed"
