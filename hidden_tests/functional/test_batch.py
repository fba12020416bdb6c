"""POST /v1/transfers/batch: input order, all-or-nothing, the failing item's index.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import pytest
from support.client import Api, new_key
from support.ledger import (
    BATCH,
    all_entries,
    balance_of,
    batch,
    create_account,
    fake_id_like,
    funded_account,
)
from support.problems import expect_error, expect_status
from support.shapes import check_transaction


def _item(src: str, dst: str, amount: int) -> dict:
    return {"from_account_id": src, "to_account_id": dst, "amount": amount}


@pytest.mark.check("api_design.transfers.batch")
def test_batch_returns_one_transaction_per_item_in_order(api: Api) -> None:
    a = funded_account(api, 1_000)
    b = funded_account(api, 500)
    c = create_account(api)
    items = [(a["id"], b["id"], 100), (b["id"], c["id"], 300), (a["id"], c["id"], 50)]
    body = expect_status(batch(api, items), 201, "for a valid batch of transfers")
    assert isinstance(body, dict) and isinstance(body.get("data"), list), (
        "expected a batch to return an object with a 'data' list"
    )
    assert len(body["data"]) == 3, f"expected 3 transactions for 3 items, got {len(body['data'])}"
    for (src, dst, amount), txn in zip(items, body["data"], strict=True):
        check_transaction(txn, "transfer", amount, "USD", "in a batch response")
        accounts = [e["account_id"] for e in txn["entries"]]
        assert accounts == [src, dst], (
            "expected each batch transaction, in input order, to debit its source then credit "
            "its destination"
        )
    assert len({t["id"] for t in body["data"]}) == 3, "expected one distinct transaction per item"
    assert (balance_of(api, a["id"]), balance_of(api, b["id"]), balance_of(api, c["id"])) == (
        850,
        300,
        350,
    ), "expected balances to reflect every item of the batch"


@pytest.mark.check("api_design.transfers.batch")
def test_batch_items_see_earlier_items(api: Api) -> None:
    a = funded_account(api, 100)
    b = create_account(api)
    c = create_account(api)
    # b only has money thanks to the first item
    body = expect_status(
        batch(api, [(a["id"], b["id"], 100), (b["id"], c["id"], 100)]),
        201,
        "for a batch whose second item spends what the first item brought",
    )
    assert body["data"][1]["entries"][0]["balance_after"] == 0, (
        "expected the second item to see the balance left by the first"
    )
    assert balance_of(api, c["id"]) == 100, "expected the money to arrive at the last account"


@pytest.mark.check("api_design.transfers.batch")
def test_batch_of_1000_items_is_accepted(api: Api) -> None:
    a = funded_account(api, 1_000)
    b = create_account(api)
    body = expect_status(
        batch(api, [(a["id"], b["id"], 1)] * 1000), 201, "for a batch of 1000 items (the maximum)"
    )
    assert len(body["data"]) == 1000, "expected 1000 transactions for 1000 items"
    assert balance_of(api, b["id"]) == 1000, "expected all 1000 items applied"


@pytest.mark.check("api_design.transfers.batch_validation")
@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"transfers": []}, id="empty"),
        pytest.param({}, id="missing-transfers"),
        pytest.param({"transfers": {"a": 1}}, id="not-a-list"),
        pytest.param({"transfers": [], "atomic": True}, id="unknown-field"),
    ],
)
def test_batch_body_errors_are_422(api: Api, payload: dict) -> None:
    response = api.post(BATCH, json=payload, idem=new_key())
    expect_error(response, 422, "validation_error", "for an invalid batch body")


@pytest.mark.check("api_design.transfers.batch_validation")
def test_batch_over_1000_items_is_422(api: Api) -> None:
    a = funded_account(api, 2_000)
    b = create_account(api)
    items = [_item(a["id"], b["id"], 1)] * 1001
    response = api.post(BATCH, json={"transfers": items}, idem=new_key())
    expect_error(response, 422, "validation_error", "for a batch of 1001 items")
    assert balance_of(api, b["id"]) == 0, "expected a rejected batch to apply nothing"


@pytest.mark.check("api_design.transfers.batch_validation")
@pytest.mark.parametrize(
    ("bad", "where"),
    [
        pytest.param({"amount": 0}, 2, id="zero-amount"),
        pytest.param({"amount": 1.5}, 1, id="float-amount"),
        pytest.param({"memo": "x"}, 3, id="unknown-item-field"),
    ],
)
def test_batch_item_validation_error_carries_index(api: Api, bad: dict, where: int) -> None:
    a = funded_account(api, 100)
    b = create_account(api)
    items = [_item(a["id"], b["id"], 1) for _ in range(4)]
    items[where] = {**items[where], **bad}
    response = api.post(BATCH, json={"transfers": items}, idem=new_key())
    body = expect_error(response, 422, "validation_error", "for a batch with one invalid item")
    assert body.get("index") == where, (
        f"expected index {where} (the invalid item) on the batch validation error, "
        f"got {body.get('index')!r}"
    )
    assert balance_of(api, b["id"]) == 0, "expected a rejected batch to apply nothing"


@pytest.mark.check("api_design.transfers.batch_validation")
def test_batch_item_missing_field_carries_index(api: Api) -> None:
    a = funded_account(api, 100)
    b = create_account(api)
    items: list[dict] = [_item(a["id"], b["id"], 1) for _ in range(3)]
    del items[1]["to_account_id"]
    response = api.post(BATCH, json={"transfers": items}, idem=new_key())
    body = expect_error(response, 422, "validation_error", "for a batch item without a field")
    assert body.get("index") == 1, (
        f"expected index 1 on the batch validation error, got {body.get('index')!r}"
    )


def _snapshot(api: Api, ids: list[str]) -> dict[str, tuple[int, int]]:
    return {i: (balance_of(api, i), len(all_entries(api, i))) for i in ids}


@pytest.mark.check("data.transfers.batch_atomic")
def test_failing_item_applies_nothing_and_reports_index(api: Api) -> None:
    a = funded_account(api, 100)
    b = funded_account(api, 20)
    c = create_account(api)
    before = _snapshot(api, [a["id"], b["id"], c["id"]])
    items = [
        (a["id"], b["id"], 30),
        (b["id"], c["id"], 40),
        (c["id"], a["id"], 41),  # c only has 40 at this point
        (a["id"], c["id"], 1),
    ]
    response = batch(api, items)
    body = expect_error(
        response, 422, "insufficient_funds", "for a batch whose third item overdraws"
    )
    assert body.get("index") == 2, (
        f"expected index 2 (the first failing item), got {body.get('index')!r}"
    )
    assert _snapshot(api, [a["id"], b["id"], c["id"]]) == before, (
        "expected a failed batch to leave every balance and entry list unchanged"
    )


@pytest.mark.check("data.transfers.batch_atomic")
def test_cumulative_overdraft_fails_the_later_item(api: Api) -> None:
    a = funded_account(api, 100)
    b = create_account(api)
    response = batch(api, [(a["id"], b["id"], 60), (a["id"], b["id"], 60)])
    body = expect_error(
        response, 422, "insufficient_funds", "for two items that together overdraw an account"
    )
    assert body.get("index") == 1, f"expected index 1, got {body.get('index')!r}"
    assert balance_of(api, a["id"]) == 100, "expected the first item to be rolled back"
    assert balance_of(api, b["id"]) == 0, "expected the first item to be rolled back"


@pytest.mark.check("data.transfers.batch_atomic")
@pytest.mark.parametrize("fault", ["missing_account", "same_account", "currency_mismatch"])
def test_business_failure_of_an_item_reports_its_problem_and_index(api: Api, fault: str) -> None:
    a = funded_account(api, 100)
    b = create_account(api)
    eur = create_account(api, "EUR")
    bad = {
        "missing_account": (a["id"], fake_id_like(b["id"], seed=6), 1),
        "same_account": (a["id"], a["id"], 1),
        "currency_mismatch": (a["id"], eur["id"], 1),
    }[fault]
    status, code = {
        "missing_account": (404, "not_found"),
        "same_account": (422, "same_account"),
        "currency_mismatch": (422, "currency_mismatch"),
    }[fault]
    items = [(a["id"], b["id"], 5), (a["id"], b["id"], 5), bad, (a["id"], b["id"], 5)]
    body = expect_error(
        batch(api, items), status, code, f"for a batch whose third item has {fault}"
    )
    assert body.get("index") == 2, f"expected index 2, got {body.get('index')!r}"
    assert balance_of(api, a["id"]) == 100, "expected nothing of a failed batch to be applied"
    assert all_entries(api, b["id"]) == [], "expected nothing of a failed batch to be applied"
