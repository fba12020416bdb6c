"""Stretch tasks: balance as of an instant (inclusive) and summary over [from, to).

Times come from the service's own created_at values, never from the test machine's clock.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import pytest
from support.client import Api
from support.ledger import (
    ACCOUNTS,
    create_account,
    fake_id_like,
    fund,
    parse_ts,
    shift_ts,
    withdraw,
)
from support.problems import expect_error, expect_status, expect_success

FAR_FUTURE = "9999-12-31T00:00:00Z"
FAR_PAST = "0001-01-02T00:00:00Z"


def _balance(api: Api, account_id: str, as_of: str | None = None) -> dict:
    params = {"as_of": as_of} if as_of else None
    response = api.get(f"{ACCOUNTS}/{account_id}/balance", params=params)
    body = expect_status(response, 200, "for GET /v1/accounts/{account_id}/balance")
    assert isinstance(body, dict) and type(body.get("balance")) is int, (
        "expected the balance report to carry an integer 'balance'"
    )
    return body


def _summary(api: Api, account_id: str, start: str, end: str) -> dict:
    response = api.get(f"{ACCOUNTS}/{account_id}/summary", params={"from": start, "to": end})
    body = expect_status(response, 200, "for GET /v1/accounts/{account_id}/summary")
    assert isinstance(body, dict), "expected the summary to be a JSON object"
    return body


@pytest.mark.check("data.reports.balance_as_of")
def test_balance_as_of_is_inclusive(api: Api) -> None:
    account = create_account(api, "EUR")
    t = [fund(api, account["id"], amount)["created_at"] for amount in (10, 20, 30)]
    body = _balance(api, account["id"], t[1])
    for field in ("account_id", "currency", "balance", "as_of"):
        assert field in body, f"expected the balance report to have a {field!r} member"
    assert (body["account_id"], body["currency"]) == (account["id"], "EUR"), (
        "expected the balance report to name the account and its currency"
    )
    assert body["balance"] == 30, (
        f"expected the balance as of the second deposit's created_at to include it (30), "
        f"got {body['balance']}"
    )
    before = _balance(api, account["id"], shift_ts(t[1], -1))["balance"]
    assert before == 10, f"expected the balance one microsecond earlier to be 10, got {before}"


@pytest.mark.check("data.reports.balance_as_of")
def test_balance_as_of_edges(api: Api) -> None:
    account = create_account(api)
    t0 = fund(api, account["id"], 100)["created_at"]
    withdrawn = expect_success(withdraw(api, account["id"], 40), "for a covered withdrawal")
    assert _balance(api, account["id"], FAR_PAST)["balance"] == 0, (
        "expected 0 as of an instant before any entry"
    )
    assert _balance(api, account["id"], shift_ts(t0, -1))["balance"] == 0, (
        "expected 0 just before the first entry"
    )
    assert _balance(api, account["id"], withdrawn["created_at"])["balance"] == 60, (
        "expected the balance as of the withdrawal's created_at to include it"
    )
    assert _balance(api, account["id"], FAR_FUTURE)["balance"] == 60, (
        "expected the current balance as of a future instant"
    )
    assert _balance(api, account["id"])["balance"] == 60, (
        "expected the current balance when as_of is omitted"
    )


@pytest.mark.check("data.reports.balance_as_of")
def test_balance_as_of_echoes_utc(api: Api) -> None:
    account = create_account(api)
    fund(api, account["id"], 5)
    body = _balance(api, account["id"], "2026-06-01T12:00:00+02:00")
    assert body["as_of"] == "2026-06-01T10:00:00.000000Z", (
        f"expected as_of echoed in UTC as 2026-06-01T10:00:00.000000Z, got {body['as_of']!r}"
    )


@pytest.mark.check("data.reports.summary")
def test_summary_window_from_inclusive_to_exclusive(api: Api) -> None:
    account = create_account(api, "EUR")
    t1 = fund(api, account["id"], 100)["created_at"]
    t2 = expect_success(withdraw(api, account["id"], 30), "for a covered withdrawal")["created_at"]
    t3 = fund(api, account["id"], 50)["created_at"]
    body = _summary(api, account["id"], t1, t3)
    for field in ("account_id", "currency", "from", "to", "credits", "debits", "net", "count"):
        assert field in body, f"expected the summary to have a {field!r} member"
    got = (body["credits"], body["debits"], body["net"], body["count"])
    assert got == (100, 30, 70, 2), (
        "expected the summary over [first entry, third entry) to count the first two entries: "
        f"credits 100, debits 30, net 70, count 2; got {got}"
    )
    whole = _summary(api, account["id"], FAR_PAST, FAR_FUTURE)
    got = (whole["credits"], whole["debits"], whole["net"], whole["count"])
    assert got == (150, 30, 120, 3), f"expected 150/30/120/3 over all time, got {got}"
    only_second = _summary(api, account["id"], t2, shift_ts(t2, 1))
    got = (only_second["credits"], only_second["debits"], only_second["count"])
    assert got == (0, 30, 1), f"expected just the withdrawal in a 1-microsecond window, got {got}"


@pytest.mark.check("data.reports.summary")
def test_summary_empty_window(api: Api) -> None:
    account = create_account(api)
    t1 = fund(api, account["id"], 100)["created_at"]
    body = _summary(api, account["id"], t1, t1)
    got = (body["credits"], body["debits"], body["net"], body["count"])
    assert got == (0, 0, 0, 0), f"expected zeros for from == to (an empty window), got {got}"
    assert parse_ts(body["from"]) == parse_ts(t1), "expected the summary to echo 'from'"


@pytest.mark.check("api_design.reports.validation")
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"as_of": "2026-01-01T00:00:00"}, id="naive-as-of"),
        pytest.param({"as_of": "not-a-time"}, id="garbage-as-of"),
        pytest.param({"as_of": "0001-01-01T00:00:00+01:00"}, id="as-of-before-year-1"),
    ],
)
def test_bad_as_of_is_422(api: Api, params: dict) -> None:
    account = create_account(api)
    response = api.get(f"{ACCOUNTS}/{account['id']}/balance", params=params)
    expect_error(response, 422, "validation_error", "for an invalid as_of")


@pytest.mark.check("api_design.reports.validation")
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"to": "2026-01-01T00:00:00Z"}, id="missing-from"),
        pytest.param({"from": "2026-01-01T00:00:00Z"}, id="missing-to"),
        pytest.param({}, id="missing-both"),
        pytest.param({"from": "2026-01-01T00:00:00", "to": "2026-02-01T00:00:00Z"}, id="naive"),
        pytest.param(
            {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, id="from-after-to"
        ),
        pytest.param({"from": "soon", "to": "later"}, id="garbage"),
    ],
)
def test_bad_summary_window_is_422(api: Api, params: dict) -> None:
    account = create_account(api)
    response = api.get(f"{ACCOUNTS}/{account['id']}/summary", params=params)
    expect_error(response, 422, "validation_error", "for an invalid summary window")


@pytest.mark.check("api_design.reports.validation")
@pytest.mark.parametrize("report", ["balance", "summary"])
def test_report_of_missing_account_is_404(api: Api, report: str) -> None:
    account = create_account(api)
    params = {"from": FAR_PAST, "to": FAR_FUTURE} if report == "summary" else None
    response = api.get(f"{ACCOUNTS}/{fake_id_like(account['id'], seed=11)}/{report}", params=params)
    expect_error(response, 404, "not_found", f"for the {report} of an account that does not exist")
