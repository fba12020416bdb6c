"""Transaction lookup."""

from tests.conftest import Api


def test_get_transaction_matches_creation(tenant: Api) -> None:
    source, target = tenant.funded_account(50), tenant.create_account()
    created = tenant.transfer(source, target, 20).json()
    response = tenant.get(f"/v1/transactions/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_transaction_of_another_tenant_looks_missing(tenant: Api, other_tenant: Api) -> None:
    foreign = other_tenant.funded_account(50)
    transaction_id = other_tenant.withdraw(foreign, 5).json()["id"]
    hidden = tenant.get(f"/v1/transactions/{transaction_id}")
    missing = tenant.get("/v1/transactions/txn_missing")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
