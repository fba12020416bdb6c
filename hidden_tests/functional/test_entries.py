"""Transaction lookup and the entries listing (shape, order, limits, time window, keyset walk).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from support.client import Api
from support.ledger import (
    ACCOUNTS,
    TRANSACTIONS,
    all_entries,
    create_account,
    deposit,
    entries_page,
    fake_id_like,
    fund,
    funded_account,
    parse_ts,
    transfer,
)
from support.problems import expect_error, expect_status, expect_success
from support.shapes import ENTRY_FIELDS


def _deposits(api: Api, account_id: str, amounts: list[int]) -> list[dict]:
    out = []
    for amount in amounts:
        out.append(expect_success(deposit(api, account_id, amount), "for a valid deposit"))
    return out


# ------------------------------------------------------------------ transaction lookup
@pytest.mark.check("api_design.transactions.lookup")
def test_get_transaction_returns_the_deposit(api: Api) -> None:
    account = create_account(api)
    created = fund(api, account["id"], 42)
    response = api.get(f"{TRANSACTIONS}/{created['id']}")
    body = expect_status(response, 200, "for GET of an existing transaction")
    assert body == created, (
        "expected GET /v1/transactions/{transaction_id} to return the transaction as created"
    )


@pytest.mark.check("api_design.transactions.lookup")
def test_get_transaction_returns_a_transfer_with_both_entries(api: Api) -> None:
    src = funded_account(api, 100)
    dst = create_account(api)
    created = expect_success(transfer(api, src["id"], dst["id"], 25), "for a valid transfer")
    body = expect_status(
        api.get(f"{TRANSACTIONS}/{created['id']}"), 200, "for GET of an existing transfer"
    )
    assert body == created, "expected the looked-up transfer to equal the created one"


@pytest.mark.check("api_design.transactions.lookup")
def test_get_missing_transaction_is_404(api: Api) -> None:
    account = create_account(api)
    created = fund(api, account["id"], 1)
    response = api.get(f"{TRANSACTIONS}/{fake_id_like(created['id'], seed=7)}")
    expect_error(response, 404, "not_found", "for a transaction id that does not exist")


# ---------------------------------------------------------------------- entries listing
@pytest.mark.check("api_design.entries.list")
def test_entries_list_shape_and_newest_first(api: Api) -> None:
    account = create_account(api)
    txns = _deposits(api, account["id"], [5, 6, 7])
    response, body = entries_page(api, account["id"])
    expect_status(response, 200, "for GET /v1/accounts/{account_id}/entries")
    assert body is not None and isinstance(body.get("data"), list) and "next_cursor" in body, (
        "expected the entries listing to be an object with 'data' and 'next_cursor'"
    )
    data = body["data"]
    for entry in data:
        for field in ENTRY_FIELDS:
            assert field in entry, f"expected each listed entry to have a {field!r} member"
    expected = [t["entries"][0]["id"] for t in reversed(txns)]
    assert [e["id"] for e in data] == expected, (
        "expected the account's entries newest first, exactly the ones written"
    )
    assert body["next_cursor"] is None, "expected next_cursor null when everything fits a page"


@pytest.mark.check("api_design.entries.list")
def test_entries_are_the_same_as_in_the_transaction(api: Api) -> None:
    account = create_account(api)
    txn = fund(api, account["id"], 900)
    listed = all_entries(api, account["id"])
    assert listed == txn["entries"], (
        "expected the listed entry to be identical to the entry in the deposit's response"
    )


@pytest.mark.check("api_design.entries.list")
def test_entries_only_of_that_account(api: Api) -> None:
    mine = funded_account(api, 10)
    other = funded_account(api, 20)
    expect_success(deposit(api, other["id"], 30), "for a valid deposit")
    listed = all_entries(api, mine["id"])
    assert [e["account_id"] for e in listed] == [mine["id"]], (
        "expected the listing to contain only the entries of the requested account"
    )


@pytest.mark.check("api_design.entries.list")
def test_entries_of_missing_account_is_404(api: Api) -> None:
    real = create_account(api)
    response, _ = entries_page(api, fake_id_like(real["id"], seed=8))
    expect_error(response, 404, "not_found", "for the entries of an account that does not exist")


@pytest.mark.check("api_design.entries.list")
def test_entries_default_limit_is_50_and_cursor_continues(api: Api) -> None:
    account = create_account(api)
    txns = _deposits(api, account["id"], [1] * 51)
    response, first = entries_page(api, account["id"])
    expect_status(response, 200, "for the first page of entries")
    assert first is not None and len(first["data"]) == 50, (
        "expected 50 entries on a page without limit"
    )
    assert first["next_cursor"], "expected a next_cursor when more entries remain"
    response, second = entries_page(api, account["id"], cursor=first["next_cursor"])
    expect_status(response, 200, "for the second page of entries")
    ids = [e["id"] for e in first["data"]] + [e["id"] for e in second["data"]]
    assert ids == [t["entries"][0]["id"] for t in reversed(txns)], (
        "expected the two pages together to list every entry once, newest first"
    )
    assert second["next_cursor"] is None, "expected next_cursor null on the last page"


# ------------------------------------------------------------------------ time window
@pytest.mark.check("data.entries.time_window")
def test_since_inclusive_until_exclusive(api: Api) -> None:
    account = create_account(api)
    txns = _deposits(api, account["id"], [1, 2, 3, 4, 5])
    stamps = [t["created_at"] for t in txns]
    ids = [t["entries"][0]["id"] for t in txns]
    response, body = entries_page(api, account["id"], since=stamps[1], until=stamps[3])
    expect_status(response, 200, "for entries with since and until")
    got = [e["id"] for e in body["data"]]
    assert got == [ids[2], ids[1]], (
        "expected since to include the entry created exactly at since and until to exclude the "
        "one created exactly at until"
    )


@pytest.mark.check("data.entries.time_window")
def test_since_alone_and_until_alone(api: Api) -> None:
    account = create_account(api)
    txns = _deposits(api, account["id"], [1, 2, 3])
    stamps = [t["created_at"] for t in txns]
    ids = [t["entries"][0]["id"] for t in txns]
    _, since = entries_page(api, account["id"], since=stamps[2])
    assert since is not None and [e["id"] for e in since["data"]] == [ids[2]], (
        "expected since=<created_at of the newest entry> to return just that entry"
    )
    _, until = entries_page(api, account["id"], until=stamps[0])
    assert until is not None and until["data"] == [], (
        "expected until=<created_at of the oldest entry> to return nothing (until is exclusive)"
    )


@pytest.mark.check("data.entries.time_window")
def test_time_window_accepts_offsets(api: Api) -> None:
    account = create_account(api)
    txns = _deposits(api, account["id"], [1, 2])
    # the same instant as the newest entry's created_at, written with a +02:00 offset
    moment = parse_ts(txns[1]["created_at"])
    shifted = moment.astimezone(timezone(timedelta(hours=2))).isoformat(timespec="microseconds")
    _, body = entries_page(api, account["id"], since=shifted)
    assert body is not None and [e["id"] for e in body["data"]] == [txns[1]["entries"][0]["id"]], (
        "expected a since timestamp with a +02:00 offset to mean the same instant"
    )


@pytest.mark.check("data.entries.time_window")
def test_time_window_pages_keep_the_filter(api: Api) -> None:
    account = create_account(api)
    txns = _deposits(api, account["id"], [1] * 7)
    since, until = txns[1]["created_at"], txns[6]["created_at"]
    expected = [t["entries"][0]["id"] for t in reversed(txns[1:6])]
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"since": since, "until": until, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        response, body = entries_page(api, account["id"], **params)
        expect_status(response, 200, "for a filtered page of entries")
        seen.extend(e["id"] for e in body["data"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == expected, (
        "expected walking a filtered listing to return exactly the entries inside the window"
    )


@pytest.mark.check("api_design.entries.list")
def test_entries_listing_path_is_nested(api: Api) -> None:
    account = create_account(api)
    fund(api, account["id"], 3)
    response = api.get(f"{ACCOUNTS}/{account['id']}/entries", params={"limit": 1})
    body = expect_status(response, 200, "for the entries listing with limit=1")
    assert len(body["data"]) == 1, "expected limit=1 to return one entry"
