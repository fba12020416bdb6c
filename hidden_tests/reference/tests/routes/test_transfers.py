"""Transfers, single and batched: checks, ordering, atomicity and isolation."""

import pytest

from tests.conftest import Api, new_key


def test_transfer_moves_money_debit_first(tenant: Api) -> None:
    source, target = tenant.funded_account(100), tenant.create_account()
    response = tenant.transfer(source, target, 40)
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["amount"], body["currency"]) == ("transfer", 40, "USD")
    debit, credit = body["entries"]
    assert (debit["account_id"], debit["amount"], debit["balance_after"]) == (source, -40, 60)
    assert (credit["account_id"], credit["amount"], credit["balance_after"]) == (target, 40, 40)
    assert (tenant.balance(source), tenant.balance(target)) == (60, 40)


def test_transfer_checks(tenant: Api, other_tenant: Api) -> None:
    usd, eur = tenant.funded_account(100), tenant.funded_account(100, "EUR")
    empty = tenant.create_account()
    foreign = other_tenant.funded_account(100)
    cases = {
        (usd, usd): (422, "same_account"),
        (usd, eur): (422, "currency_mismatch"),
        (empty, usd): (422, "insufficient_funds"),
        (usd, "acc_missing"): (404, "not_found"),
        ("acc_missing", usd): (404, "not_found"),
        (usd, foreign): (404, "not_found"),
        (foreign, usd): (404, "not_found"),
    }
    for (source, target), (status, code) in cases.items():
        response = tenant.transfer(source, target, 10)
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert (tenant.balance(usd), tenant.balance(eur), tenant.balance(empty)) == (100, 100, 0)
    assert other_tenant.balance(foreign) == 100


def test_foreign_and_missing_accounts_answer_identically(tenant: Api, other_tenant: Api) -> None:
    source = tenant.funded_account(100)
    foreign = other_tenant.create_account()
    hidden = tenant.transfer(source, foreign, 1)
    missing = tenant.transfer(source, "acc_000000000000000000000000", 1)
    assert hidden.json() == missing.json()


def _transfer(source: str, target: str, amount: int) -> dict[str, object]:
    return {"from_account_id": source, "to_account_id": target, "amount": amount}


def test_batch_applies_in_order(tenant: Api) -> None:
    a, b, c = tenant.funded_account(100), tenant.create_account(), tenant.create_account()
    items = [_transfer(a, b, 100), _transfer(b, c, 60), _transfer(c, a, 10)]
    response = tenant.post("/v1/transfers/batch", {"transfers": items}, new_key())
    assert response.status_code == 201
    data = response.json()["data"]
    assert [t["entries"][0]["account_id"] for t in data] == [a, b, c]
    assert len({t["id"] for t in data}) == 3
    assert [t["entries"][1]["balance_after"] for t in data] == [100, 60, 10]
    assert (tenant.balance(a), tenant.balance(b), tenant.balance(c)) == (10, 40, 50)


def test_batch_is_all_or_nothing_with_failing_index(tenant: Api) -> None:
    a, b = tenant.funded_account(100), tenant.create_account()
    items = [_transfer(a, b, 60), _transfer(a, b, 30), _transfer(a, b, 20), _transfer(b, a, 1)]
    response = tenant.post("/v1/transfers/batch", {"transfers": items}, new_key())
    assert response.status_code == 422
    problem = response.json()
    assert (problem["code"], problem["index"]) == ("insufficient_funds", 2)
    assert (tenant.balance(a), tenant.balance(b)) == (100, 0)
    assert tenant.get(f"/v1/accounts/{b}/entries").json()["data"] == []


def test_batch_failure_with_foreign_account(tenant: Api, other_tenant: Api) -> None:
    a, b = tenant.funded_account(100), tenant.create_account()
    foreign = other_tenant.create_account()
    items = [_transfer(a, b, 1), _transfer(a, foreign, 1)]
    response = tenant.post("/v1/transfers/batch", {"transfers": items}, new_key())
    assert response.status_code == 404
    assert response.json()["index"] == 1


def test_batch_item_validation_errors_carry_the_index(tenant: Api) -> None:
    a, b = tenant.funded_account(100), tenant.create_account()
    items = [_transfer(a, b, 1), _transfer(a, b, 1), {"from_account_id": a, "amount": 1.0}]
    response = tenant.post("/v1/transfers/batch", {"transfers": items}, new_key())
    assert response.status_code == 422
    problem = response.json()
    assert (problem["code"], problem["index"]) == ("validation_error", 2)
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"transfers[2].to_account_id", "transfers[2].amount"}


@pytest.mark.parametrize("count", [0, 1001])
def test_batch_size_is_bounded(tenant: Api, count: int) -> None:
    a, b = tenant.funded_account(100), tenant.create_account()
    response = tenant.post(
        "/v1/transfers/batch", {"transfers": [_transfer(a, b, 1)] * count}, new_key()
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "transfers"


def test_batch_of_a_thousand(tenant: Api) -> None:
    a, b = tenant.funded_account(1000), tenant.create_account()
    items = [_transfer(a, b, 1)] * 1000
    response = tenant.post("/v1/transfers/batch", {"transfers": items}, new_key())
    assert response.status_code == 201
    assert len(response.json()["data"]) == 1000
    assert (tenant.balance(a), tenant.balance(b)) == (0, 1000)


def test_batch_body_rejects_unknown_fields(tenant: Api) -> None:
    response = tenant.post("/v1/transfers/batch", {"transfers": [], "atomic": True}, new_key())
    assert response.status_code == 422
