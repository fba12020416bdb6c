"""Idempotency: replays, conflicts, stored failures, and exactly one effect under concurrency."""

from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient

from app.idempotency import fingerprint
from app.schemas.transactions import DepositCreate
from tests.conftest import Api, create_tenant, new_key


def test_replay_returns_the_stored_response(tenant: Api) -> None:
    account, key = tenant.create_account(), new_key()
    first = tenant.deposit(account, 10, key=key)
    second = tenant.deposit(account, 10, key=key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.headers["idempotent-replayed"] == "false"
    assert second.headers["idempotent-replayed"] == "true"
    assert second.content == first.content
    assert tenant.balance(account) == 10


def test_equivalent_bodies_are_the_same_request(tenant: Api, client: TestClient) -> None:
    account, key = tenant.create_account(), new_key()
    headers = {**tenant.headers, "Idempotency-Key": key, "Content-Type": "application/json"}
    first = client.post(
        "/v1/deposits", content=f'{{"account_id":"{account}","amount":5}}', headers=headers
    )
    again = client.post(
        "/v1/deposits",
        content=f'{{ "amount": 5,\n "description": null, "account_id": "{account}" }}',
        headers=headers,
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


def test_same_key_different_request_is_409(tenant: Api) -> None:
    account, key = tenant.funded_account(100), new_key()
    assert tenant.deposit(account, 10, key=key).status_code == 201
    for response in (
        tenant.deposit(account, 11, key=key),
        tenant.withdraw(account, 10, key=key),  # same body, another path
    ):
        assert response.status_code == 409
        assert response.json()["code"] == "idempotency_key_reused"
    assert tenant.balance(account) == 110


def test_business_failures_are_stored_and_replayed(tenant: Api) -> None:
    account, key = tenant.funded_account(5), new_key()
    first = tenant.withdraw(account, 10, key=key)
    assert (first.status_code, first.headers["idempotent-replayed"]) == (422, "false")
    tenant.deposit(account, 100)  # would now succeed, but the outcome is already stored
    replay = tenant.withdraw(account, 10, key=key)
    assert (replay.status_code, replay.headers["idempotent-replayed"]) == (422, "true")
    assert replay.headers["content-type"] == "application/problem+json"
    assert replay.content == first.content
    assert tenant.balance(account) == 105


def test_not_found_is_stored(tenant: Api) -> None:
    key = new_key()
    assert tenant.deposit("acc_missing", 1, key=key).headers["idempotent-replayed"] == "false"
    assert tenant.deposit("acc_missing", 1, key=key).headers["idempotent-replayed"] == "true"


def test_validation_errors_are_not_stored(tenant: Api) -> None:
    account, key = tenant.create_account(), new_key()
    invalid = tenant.post("/v1/deposits", {"account_id": account, "amount": 0}, key)
    assert invalid.status_code == 422
    assert "idempotent-replayed" not in invalid.headers
    fixed = tenant.deposit(account, 7, key=key)
    assert (fixed.status_code, fixed.headers["idempotent-replayed"]) == (201, "false")


def test_keys_are_scoped_per_tenant(tenant: Api, other_tenant: Api) -> None:
    key = new_key()
    mine, theirs = tenant.create_account(), other_tenant.create_account()
    assert tenant.deposit(mine, 3, key=key).headers["idempotent-replayed"] == "false"
    assert other_tenant.deposit(theirs, 4, key=key).headers["idempotent-replayed"] == "false"


def test_batch_replay(tenant: Api) -> None:
    source, target, key = tenant.funded_account(10), tenant.create_account(), new_key()
    body = {"transfers": [{"from_account_id": source, "to_account_id": target, "amount": 4}]}
    first = tenant.post("/v1/transfers/batch", body, key)
    replay = tenant.post("/v1/transfers/batch", body, key)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert tenant.balance(source) == 6


def test_fingerprint_covers_method_path_and_body() -> None:
    body = DepositCreate(account_id="a", amount=1)
    base = fingerprint("POST", "/v1/deposits", body)
    assert base == fingerprint("POST", "/v1/deposits", DepositCreate(account_id="a", amount=1))
    assert base != fingerprint("POST", "/v1/withdrawals", body)
    assert base != fingerprint("PUT", "/v1/deposits", body)
    assert base != fingerprint("POST", "/v1/deposits", DepositCreate(account_id="a", amount=2))


def test_concurrent_requests_with_one_key_have_one_effect(live_client: httpx.Client) -> None:
    tenant = create_tenant(live_client)
    account, key = tenant.create_account(), new_key()
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(lambda _: tenant.deposit(account, 25, key=key), range(32)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert sorted(r.headers["idempotent-replayed"] for r in responses).count("false") == 1
    assert tenant.balance(account) == 25
    entries = tenant.get(f"/v1/accounts/{account}/entries").json()["data"]
    assert len(entries) == 1
