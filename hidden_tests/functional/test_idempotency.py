"""Idempotency-Key on the four money-movement routes: required, replayed, conflicting, stored.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from support.client import Api, new_key
from support.ledger import (
    BATCH,
    DEPOSITS,
    TRANSFERS,
    WITHDRAWALS,
    balance_of,
    create_account,
    fake_id_like,
    fund,
    funded_account,
)
from support.problems import expect_error, expect_status

ROUTES = ["deposit", "withdrawal", "transfer", "batch"]


@dataclass
class Movement:
    path: str
    body: dict
    watch: str  # account whose balance the movement changes
    delta: int  # by how much


def movement(api: Api, route: str) -> Movement:
    """A valid request of the given kind on fresh accounts (setup via deposits only)."""
    if route == "deposit":
        a = create_account(api)
        return Movement(DEPOSITS, {"account_id": a["id"], "amount": 10}, a["id"], 10)
    if route == "withdrawal":
        a = funded_account(api, 100)
        return Movement(WITHDRAWALS, {"account_id": a["id"], "amount": 10}, a["id"], -10)
    a = funded_account(api, 100)
    b = create_account(api)
    item = {"from_account_id": a["id"], "to_account_id": b["id"], "amount": 10}
    if route == "transfer":
        return Movement(TRANSFERS, item, a["id"], -10)
    return Movement(BATCH, {"transfers": [item, {**item, "amount": 5}]}, a["id"], -15)


def _start(api: Api, m: Movement) -> int:
    return balance_of(api, m.watch)


# ------------------------------------------------------------------------ key required
@pytest.mark.check("api_design.idempotency.key_required")
@pytest.mark.parametrize("route", ROUTES)
def test_missing_key_is_400_and_changes_nothing(api: Api, route: str) -> None:
    m = movement(api, route)
    before = _start(api, m)
    response = api.post(m.path, json=m.body)
    expect_error(
        response, 400, "idempotency_key_required", f"for a {route} without an Idempotency-Key"
    )
    assert balance_of(api, m.watch) == before, "expected a refused request to change nothing"


@pytest.mark.check("api_design.idempotency.key_required")
@pytest.mark.parametrize(
    "key",
    [
        pytest.param("k" * 256, id="256-chars"),
        pytest.param("tab\tinside", id="control-char"),
        pytest.param(b"caf\xc3\xa9-key", id="non-ascii"),
    ],
)
@pytest.mark.parametrize("route", ["deposit", "transfer"])
def test_invalid_key_is_422_and_changes_nothing(api: Api, route: str, key: str | bytes) -> None:
    m = movement(api, route)
    before = _start(api, m)
    response = api.post(m.path, json=m.body, headers={"Idempotency-Key": key})
    expect_error(
        response, 422, "validation_error", f"for a {route} with an invalid Idempotency-Key"
    )
    assert balance_of(api, m.watch) == before, "expected a refused request to change nothing"


@pytest.mark.check("api_design.idempotency.key_required")
def test_valid_key_edge_cases_are_accepted(api: Api) -> None:
    account = create_account(api)
    for key in ("k" * 255, "a key with spaces", "x", "!~#$%&'*+-.^_`|"):
        response = api.post(
            DEPOSITS,
            json={"account_id": account["id"], "amount": 1},
            headers={"Idempotency-Key": key},
        )
        expect_status(
            response, 201, "for a deposit with a valid Idempotency-Key (1..255 printable)"
        )


# --------------------------------------------------------------------------- replays
@pytest.mark.check("data.idempotency.replay")
@pytest.mark.parametrize("route", ROUTES)
def test_replay_returns_original_and_applies_once(api: Api, route: str) -> None:
    m = movement(api, route)
    before = _start(api, m)
    key = new_key()
    first = api.post(m.path, json=m.body, idem=key)
    first_body = expect_status(first, 201, f"for a first {route} with a new key")
    assert first.headers.get("idempotent-replayed") == "false", (
        f"expected Idempotent-Replayed: false on the first {route} with a key, "
        f"got {first.headers.get('idempotent-replayed')!r}"
    )
    second = api.post(m.path, json=m.body, idem=key)
    second_body = expect_status(second, 201, f"for the replay of a {route}")
    assert second.headers.get("idempotent-replayed") == "true", (
        f"expected Idempotent-Replayed: true on the replay of a {route}, "
        f"got {second.headers.get('idempotent-replayed')!r}"
    )
    assert second_body == first_body, (
        f"expected the replay of a {route} to return the original body unchanged"
    )
    after = balance_of(api, m.watch)
    assert after == before + m.delta, (
        f"expected the {route} to apply exactly once (balance {before + m.delta}), got {after}"
    )


@pytest.mark.check("data.idempotency.replay")
@pytest.mark.parametrize("route", ["deposit", "batch"])
def test_replay_ignores_key_order_and_whitespace(api: Api, route: str) -> None:
    m = movement(api, route)
    before = _start(api, m)
    key = new_key()
    first = expect_status(api.post(m.path, json=m.body, idem=key), 201, f"for a first {route}")
    reordered = dict(reversed(list(m.body.items())))
    raw = json.dumps(reordered, indent=3).encode()
    again = api.post(m.path, content=raw, headers={"Content-Type": "application/json"}, idem=key)
    again_body = expect_status(
        again, 201, f"for a {route} replayed with the same JSON written differently"
    )
    assert again_body == first, "expected the same JSON value (other key order) to be a replay"
    assert again.headers.get("idempotent-replayed") == "true", (
        "expected Idempotent-Replayed: true when the same JSON value is sent again"
    )
    assert balance_of(api, m.watch) == before + m.delta, "expected the request to apply once"


@pytest.mark.check("data.idempotency.replay")
def test_omitted_description_equals_null_description(api: Api) -> None:
    account = create_account(api)
    key = new_key()
    body = {"account_id": account["id"], "amount": 4}
    first = expect_status(api.post(DEPOSITS, json=body, idem=key), 201, "for a first deposit")
    again = api.post(DEPOSITS, json={**body, "description": None}, idem=key)
    again_body = expect_status(
        again, 201, 'for the same deposit resent with "description": null (the same request)'
    )
    assert again.headers.get("idempotent-replayed") == "true" and again_body == first, (
        'expected an omitted description and "description": null to be the same request (a replay)'
    )
    assert balance_of(api, account["id"]) == 4, "expected the deposit to apply once"


@pytest.mark.check("data.idempotency.replay")
def test_many_replays_apply_once(api: Api) -> None:
    account = create_account(api)
    key = new_key()
    bodies = []
    for _ in range(5):
        response = api.post(DEPOSITS, json={"account_id": account["id"], "amount": 7}, idem=key)
        bodies.append(expect_status(response, 201, "for a deposit sent again with the same key"))
    assert all(b == bodies[0] for b in bodies), "expected every replay to return the same body"
    assert balance_of(api, account["id"]) == 7, "expected five sends of one key to deposit once"


# ------------------------------------------------------------------------- key reuse
@pytest.mark.check("data.idempotency.key_reuse")
def test_same_key_different_amount_is_409(api: Api) -> None:
    account = create_account(api)
    key = new_key()
    expect_status(
        api.post(DEPOSITS, json={"account_id": account["id"], "amount": 10}, idem=key),
        201,
        "for a first deposit",
    )
    response = api.post(DEPOSITS, json={"account_id": account["id"], "amount": 11}, idem=key)
    expect_error(
        response, 409, "idempotency_key_reused", "for the same key with a different amount"
    )
    assert balance_of(api, account["id"]) == 10, (
        "expected the conflicting request to change nothing"
    )


@pytest.mark.check("data.idempotency.key_reuse")
def test_same_key_other_account_is_409(api: Api) -> None:
    first_account = create_account(api)
    second_account = create_account(api)
    key = new_key()
    fund_body = {"account_id": first_account["id"], "amount": 10}
    expect_status(api.post(DEPOSITS, json=fund_body, idem=key), 201, "for a first deposit")
    response = api.post(DEPOSITS, json={**fund_body, "account_id": second_account["id"]}, idem=key)
    expect_error(response, 409, "idempotency_key_reused", "for the same key on another account")
    assert balance_of(api, second_account["id"]) == 0, "expected the conflict to change nothing"


@pytest.mark.check("data.idempotency.key_reuse")
def test_same_key_added_description_is_409(api: Api) -> None:
    account = create_account(api)
    key = new_key()
    body = {"account_id": account["id"], "amount": 10}
    expect_status(api.post(DEPOSITS, json=body, idem=key), 201, "for a first deposit")
    response = api.post(DEPOSITS, json={**body, "description": "changed"}, idem=key)
    expect_error(response, 409, "idempotency_key_reused", "for the same key with a new field")


@pytest.mark.check("data.idempotency.key_reuse")
def test_same_key_on_another_route_is_409(api: Api) -> None:
    account = funded_account(api, 100)
    key = new_key()
    body = {"account_id": account["id"], "amount": 10}
    expect_status(api.post(DEPOSITS, json=body, idem=key), 201, "for a deposit with a new key")
    response = api.post(WITHDRAWALS, json=body, idem=key)
    expect_error(
        response, 409, "idempotency_key_reused",
        "for a withdrawal reusing a deposit's key (keys are shared by the money routes)",
    )  # fmt: skip
    assert balance_of(api, account["id"]) == 110, (
        "expected the conflicting request to change nothing"
    )


# -------------------------------------------------------------------- stored outcomes
@pytest.mark.check("data.idempotency.stored_outcomes")
def test_business_failure_is_stored_and_replayed(api: Api) -> None:
    account = create_account(api)
    key = new_key()
    body = {"account_id": account["id"], "amount": 50}
    first = api.post(WITHDRAWALS, json=body, idem=key)
    first_body = expect_error(first, 422, "insufficient_funds", "for an uncovered withdrawal")
    fund(api, account["id"], 100)
    again = api.post(WITHDRAWALS, json=body, idem=key)
    again_body = expect_error(
        again, 422, "insufficient_funds",
        "for the replay of a stored insufficient_funds outcome (even after funding)",
    )  # fmt: skip
    assert again_body == first_body, "expected the replay to return the stored problem unchanged"
    assert again.headers.get("idempotent-replayed") == "true", (
        "expected Idempotent-Replayed: true on the replay of a stored business failure"
    )
    assert balance_of(api, account["id"]) == 100, "expected the replay not to withdraw anything"


@pytest.mark.check("data.idempotency.stored_outcomes")
def test_not_found_is_stored_and_replayed(api: Api) -> None:
    account = create_account(api)
    key = new_key()
    body = {"account_id": fake_id_like(account["id"], seed=10), "amount": 5}
    first = api.post(DEPOSITS, json=body, idem=key)
    first_body = expect_error(first, 404, "not_found", "for a deposit to a missing account")
    again = api.post(DEPOSITS, json=body, idem=key)
    again_body = expect_error(again, 404, "not_found", "for the replay of a stored 404 outcome")
    assert again_body == first_body, "expected the replay to return the stored problem unchanged"
    assert again.headers.get("idempotent-replayed") == "true", (
        "expected Idempotent-Replayed: true on the replay of a stored 404"
    )


@pytest.mark.check("data.idempotency.stored_outcomes")
@pytest.mark.parametrize("bad", ["validation_error", "malformed_json"])
def test_input_errors_are_not_stored(api: Api, bad: str) -> None:
    account = create_account(api)
    key = new_key()
    if bad == "validation_error":
        response = api.post(DEPOSITS, json={"account_id": account["id"], "amount": 0}, idem=key)
        expect_error(response, 422, "validation_error", "for a deposit of 0")
    else:
        response = api.post(
            DEPOSITS, content=b"{", headers={"Content-Type": "application/json"}, idem=key
        )
        expect_error(response, 400, "malformed_json", "for a malformed deposit")
    good = api.post(DEPOSITS, json={"account_id": account["id"], "amount": 5}, idem=key)
    expect_status(
        good, 201,
        f"for a valid deposit reusing the key of a {bad} request (input errors are not stored)",
    )  # fmt: skip
    assert good.headers.get("idempotent-replayed") == "false", (
        "expected the first valid use of the key to be processed, not replayed"
    )
    assert balance_of(api, account["id"]) == 5, "expected the valid deposit to be applied"
