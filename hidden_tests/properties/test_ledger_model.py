"""Model-based test: random sequences of ledger operations against the service and a model.

After every step: balances match the model, money is conserved (total = deposits - withdrawals),
no balance is negative, every balance_after matches the model, and every Idempotency-Key has had
exactly one effect. The HTTP calls are recorded with ``hypothesis.note`` so that a shrunk
counterexample reads as the sequence of requests that breaks the contract.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import note, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import engine as hypothesis_engine
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from support.client import Api, body_of
from support.ledger import ACCOUNTS, BATCH, DEPOSITS, TRANSFERS, WITHDRAWALS, create_tenant
from support.problems import problem_code

SHRINK_SECONDS = 20  # bounds the grading time of a failing submission; the verdict is unchanged


@dataclass
class Stored:
    path: str
    body: dict[str, Any]
    key: str
    status: int
    response: Any


class LedgerMachine(RuleBasedStateMachine):
    admin: ClassVar[Api]
    accounts = Bundle("accounts")

    def __init__(self) -> None:
        super().__init__()
        tenant = create_tenant(self.admin)
        self.api = tenant.api
        self.balance: dict[str, int] = {}
        self.currency: dict[str, str] = {}
        self.alias: dict[str, str] = {}
        self.total_in = 0
        self.total_out = 0
        self.stored: list[Stored] = []
        self.run = uuid.uuid4().hex[:10]
        self.keys = 0

    # ------------------------------------------------------------------ helpers
    def _key(self) -> str:
        self.keys += 1
        return f"sm-{self.run}-{self.keys}"

    def _show(self, body: Any) -> str:
        text = json.dumps(body, separators=(",", ":"))
        for account_id, alias in self.alias.items():
            text = text.replace(account_id, alias)
        return text

    def _post(self, path: str, body: dict[str, Any], key: str) -> httpx.Response:
        note(f"POST {path} Idempotency-Key: {key} {self._show(body)}")
        response = self.api.post(path, json=body, idem=key)
        code = problem_code(response)
        replay = response.headers.get("idempotent-replayed")
        note(f"  -> {response.status_code}{' ' + code if code else ''} (replayed: {replay})")
        return response

    def _open(self, currency: str) -> str:
        body = {"name": f"model {len(self.alias)}", "currency": currency}
        note(f"POST {ACCOUNTS} {json.dumps(body)}")
        response = self.api.post(ACCOUNTS, json=body)
        # any 2xx: the exact 201 belongs to api_design.accounts.create
        assert 200 <= response.status_code < 300, (
            f"expected success when opening an account, got {response.status_code}"
        )
        account_id = response.json()["id"]
        self.alias[account_id] = f"A{len(self.alias)}"
        note(f"  -> {response.status_code} {self.alias[account_id]}")
        self.balance[account_id] = 0
        self.currency[account_id] = currency
        return account_id

    def _expect(self, response: httpx.Response, status: int, code: str | None, what: str) -> Any:
        got = (
            response.status_code,
            problem_code(response) if response.status_code >= 400 else None,
        )
        assert got == (status, code), (
            f"expected {status}{' ' + code if code else ''} for {what}, got "
            f"{got[0]}{' ' + got[1] if got[1] else ''}"
        )
        return body_of(response)

    def _check_entries(self, txn: dict[str, Any], expected_after: list[int], what: str) -> None:
        afters = [e.get("balance_after") for e in txn.get("entries", [])]
        assert afters == expected_after, (
            f"expected balance_after {expected_after} on the entries of {what}, got {afters}"
        )

    def _remember(self, path: str, body: dict, key: str, response: httpx.Response) -> None:
        self.stored.append(Stored(path, body, key, response.status_code, body_of(response)))

    def _transfer_outcome(
        self, balances: dict[str, int], src: str, dst: str, amount: int
    ) -> str | None:
        if src == dst:
            return "same_account"
        if self.currency[src] != self.currency[dst]:
            return "currency_mismatch"
        if balances[src] < amount:
            return "insufficient_funds"
        return None

    # -------------------------------------------------------------------- rules
    @initialize(target=accounts)
    def open_two(self) -> Any:
        return multiple(self._open("USD"), self._open("USD"))

    @rule(target=accounts, currency=st.sampled_from(["USD", "USD", "EUR"]))
    def open_account(self, currency: str) -> str:
        return self._open(currency)

    @rule(account=accounts, amount=st.integers(1, 500))
    def deposit(self, account: str, amount: int) -> None:
        body = {"account_id": account, "amount": amount}
        key = self._key()
        response = self._post(DEPOSITS, body, key)
        txn = self._expect(response, 201, None, "a deposit")
        self.balance[account] += amount
        self.total_in += amount
        self._check_entries(txn, [self.balance[account]], "a deposit")
        self._remember(DEPOSITS, body, key, response)

    @rule(account=accounts, amount=st.integers(1, 500))
    def withdraw(self, account: str, amount: int) -> None:
        body = {"account_id": account, "amount": amount}
        key = self._key()
        response = self._post(WITHDRAWALS, body, key)
        if self.balance[account] < amount:
            self._expect(response, 422, "insufficient_funds", "a withdrawal above the balance")
        else:
            txn = self._expect(response, 201, None, "a covered withdrawal")
            self.balance[account] -= amount
            self.total_out += amount
            self._check_entries(txn, [self.balance[account]], "a withdrawal")
        self._remember(WITHDRAWALS, body, key, response)

    @rule(src=accounts, dst=accounts, amount=st.integers(1, 500))
    def transfer(self, src: str, dst: str, amount: int) -> None:
        body = {"from_account_id": src, "to_account_id": dst, "amount": amount}
        key = self._key()
        response = self._post(TRANSFERS, body, key)
        outcome = self._transfer_outcome(self.balance, src, dst, amount)
        if outcome:
            self._expect(response, 422, outcome, f"a transfer refused with {outcome}")
        else:
            txn = self._expect(response, 201, None, "a valid transfer")
            self.balance[src] -= amount
            self.balance[dst] += amount
            self._check_entries(txn, [self.balance[src], self.balance[dst]], "a transfer")
        self._remember(TRANSFERS, body, key, response)

    @rule(
        items=st.lists(st.tuples(accounts, accounts, st.integers(1, 300)), min_size=1, max_size=4)
    )
    def transfer_batch(self, items: list[tuple[str, str, int]]) -> None:
        body = {
            "transfers": [
                {"from_account_id": s, "to_account_id": d, "amount": a} for s, d, a in items
            ]
        }
        key = self._key()
        response = self._post(BATCH, body, key)
        simulated = dict(self.balance)
        afters: list[list[int]] = []
        failure: tuple[int, str] | None = None
        for index, (src, dst, amount) in enumerate(items):
            outcome = self._transfer_outcome(simulated, src, dst, amount)
            if outcome:
                failure = (index, outcome)
                break
            simulated[src] -= amount
            simulated[dst] += amount
            afters.append([simulated[src], simulated[dst]])
        if failure:
            problem = self._expect(
                response, 422, failure[1], f"a batch whose item {failure[0]} fails"
            )
            assert problem.get("index") == failure[0], (
                f"expected index {failure[0]} on a failed batch, got {problem.get('index')!r}"
            )
        else:
            result = self._expect(response, 201, None, "a valid batch")
            data = result.get("data", [])
            assert len(data) == len(items), "expected one transaction per batch item"
            for n, (txn, expected_after) in enumerate(zip(data, afters, strict=True)):
                self._check_entries(txn, expected_after, f"batch item {n}")
            self.balance = simulated
        self._remember(BATCH, body, key, response)

    @precondition(lambda self: bool(self.stored))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        stored = data.draw(st.sampled_from(self.stored), label="replayed request")
        response = self._post(stored.path, stored.body, stored.key)
        assert response.status_code == stored.status, (
            f"expected a replay to return the original status {stored.status}, "
            f"got {response.status_code}"
        )
        assert body_of(response) == stored.response, (
            "expected a replay to return the original body unchanged"
        )
        assert response.headers.get("idempotent-replayed") == "true", (
            "expected Idempotent-Replayed: true on a replay"
        )

    @precondition(lambda self: bool(self.stored))
    @rule(data=st.data())
    def reuse_key_for_other_request(self, data: st.DataObject) -> None:
        stored = data.draw(st.sampled_from(self.stored), label="key reused")
        body = json.loads(json.dumps(stored.body))
        if "transfers" in body:
            body["transfers"][0]["amount"] += 1
        else:
            body["amount"] += 1
        response = self._post(stored.path, body, stored.key)
        self._expect(response, 409, "idempotency_key_reused", "a key reused with another body")

    # --------------------------------------------------------------- invariants
    @invariant()
    def service_matches_model(self) -> None:
        if not self.balance:
            return
        response = self.api.get(ACCOUNTS, params={"limit": 200})
        assert response.status_code == 200, (
            f"expected 200 listing accounts, got {response.status_code}"
        )
        actual = {a["id"]: a["balance"] for a in response.json()["data"]}
        for account_id, expected in self.balance.items():
            got = actual.get(account_id)
            assert got == expected, (
                f"expected the balance of {self.alias[account_id]} to be {expected} after the "
                f"requests above, got {got}"
            )
        assert all(b >= 0 for b in actual.values()), "expected no negative balance"
        assert sum(actual.values()) == self.total_in - self.total_out, (
            "expected money to be conserved: the sum of balances equals deposits minus withdrawals"
        )


@pytest.mark.check("data.properties.ledger_model")
def test_ledger_behaves_like_its_model(admin: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hypothesis_engine, "MAX_SHRINKING_SECONDS", SHRINK_SECONDS)
    machine = type("LedgerModelRun", (LedgerMachine,), {"admin": admin})
    run_state_machine_as_test(machine, settings=settings(max_examples=15, stateful_step_count=20))
