"""Withdrawals: debits that never take a balance below zero."""

from tests.conftest import Api


def test_withdrawal_debits_the_account(tenant: Api) -> None:
    account = tenant.funded_account(100)
    response = tenant.withdraw(account, 30)
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["amount"]) == ("withdrawal", 30)
    [entry] = body["entries"]
    assert (entry["amount"], entry["balance_after"]) == (-30, 70)
    assert tenant.balance(account) == 70


def test_withdrawing_everything_is_allowed(tenant: Api) -> None:
    account = tenant.funded_account(100)
    assert tenant.withdraw(account, 100).status_code == 201
    assert tenant.balance(account) == 0


def test_overdraft_is_insufficient_funds(tenant: Api) -> None:
    account = tenant.funded_account(100)
    response = tenant.withdraw(account, 101)
    assert response.status_code == 422
    assert response.json()["code"] == "insufficient_funds"
    assert "index" not in response.json()
    assert tenant.balance(account) == 100


def test_withdrawal_from_foreign_account_is_404(tenant: Api, other_tenant: Api) -> None:
    foreign = other_tenant.funded_account(100)
    assert tenant.withdraw(foreign, 10).status_code == 404
    assert other_tenant.balance(foreign) == 100
