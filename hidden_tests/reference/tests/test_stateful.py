"""Model-based test: random sequences of ledger operations agree with a simple in-memory model."""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from app.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_TOKEN, create_tenant, new_key

AMOUNTS = st.integers(min_value=1, max_value=300)


@dataclass
class ModelAccount:
    currency: str
    balance: int = 0
    entries: list[int] = field(default_factory=list)


class LedgerMachine(RuleBasedStateMachine):
    """Drives the API and a dictionary model side by side."""

    accounts = Bundle("accounts")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        app = create_app(Settings(admin_token=ADMIN_TOKEN, data_dir=Path(self.tmp.name)))
        self.client = TestClient(app).__enter__()
        self.api = create_tenant(self.client)
        self.model: dict[str, ModelAccount] = {}
        self.last: tuple[str, dict[str, Any], str, Any] | None = None

    def teardown(self) -> None:
        try:
            self.check_entries()
        finally:
            self.client.__exit__(None, None, None)
            self.tmp.cleanup()

    def check_entries(self) -> None:
        """Each account's entries replay the model's postings, oldest to newest."""
        for name, account in self.model.items():
            entries = self.api.get(f"/v1/accounts/{name}/entries", limit=200).json()["data"]
            assert [e["amount"] for e in reversed(entries)] == account.entries
            if entries:
                assert entries[0]["balance_after"] == account.balance

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        key = new_key()
        response = self.api.post(path, body, key)
        self.last = (path, body, key, response)
        return response

    def _predict(self, source: str, target: str, amount: int) -> str | None:
        if source == target:
            return "same_account"
        if self.model[source].currency != self.model[target].currency:
            return "currency_mismatch"
        if self.model[source].balance < amount:
            return "insufficient_funds"
        return None

    def _apply(self, account: str, amount: int) -> None:
        self.model[account].balance += amount
        self.model[account].entries.append(amount)

    @initialize(target=accounts)
    def first_account(self) -> str:
        return self.open_account("USD")

    @rule(target=accounts, currency=st.sampled_from(["USD", "USD", "EUR"]))
    def open_account(self, currency: str) -> str:
        account = self.api.create_account(currency=currency)
        self.model[account] = ModelAccount(currency)
        return account

    @rule(account=accounts, amount=AMOUNTS)
    def deposit(self, account: str, amount: int) -> None:
        response = self._post("/v1/deposits", {"account_id": account, "amount": amount})
        assert response.status_code == 201
        self._apply(account, amount)
        assert response.json()["entries"][0]["balance_after"] == self.model[account].balance

    @rule(account=accounts, amount=AMOUNTS)
    def withdraw(self, account: str, amount: int) -> None:
        response = self._post("/v1/withdrawals", {"account_id": account, "amount": amount})
        if self.model[account].balance < amount:
            assert (response.status_code, response.json()["code"]) == (422, "insufficient_funds")
        else:
            assert response.status_code == 201
            self._apply(account, -amount)

    @rule(source=accounts, destination=accounts, amount=AMOUNTS)
    def transfer(self, source: str, destination: str, amount: int) -> None:
        body = {"from_account_id": source, "to_account_id": destination, "amount": amount}
        response = self._post("/v1/transfers", body)
        expected = self._predict(source, destination, amount)
        if expected:
            assert (response.status_code, response.json()["code"]) == (422, expected)
        else:
            assert response.status_code == 201
            self._apply(source, -amount)
            self._apply(destination, amount)

    @rule(data=st.data())
    def batch(self, data: st.DataObject) -> None:
        names = sorted(self.model)
        items = data.draw(
            st.lists(
                st.tuples(st.sampled_from(names), st.sampled_from(names), AMOUNTS),
                min_size=1,
                max_size=5,
            )
        )
        body = {
            "transfers": [
                {"from_account_id": s, "to_account_id": t, "amount": a} for s, t, a in items
            ]
        }
        response = self._post("/v1/transfers/batch", body)
        snapshot = {name: (acc.balance, list(acc.entries)) for name, acc in self.model.items()}
        for index, (source, target, amount) in enumerate(items):
            expected = self._predict(source, target, amount)
            if expected:
                for name, (balance, entries) in snapshot.items():
                    self.model[name].balance, self.model[name].entries = balance, entries
                problem = response.json()
                assert (response.status_code, problem["code"], problem["index"]) == (
                    422,
                    expected,
                    index,
                )
                return
            self._apply(source, -amount)
            self._apply(target, amount)
        assert response.status_code == 201
        assert len(response.json()["data"]) == len(items)

    @rule()
    def replay_last(self) -> None:
        if self.last is None:
            return
        path, body, key, original = self.last
        replay = self.api.post(path, body, key)
        assert replay.status_code == original.status_code
        assert replay.content == original.content
        assert replay.headers["idempotent-replayed"] == "true"

    @invariant()
    def balances_match(self) -> None:
        listed = self.api.get("/v1/accounts", limit=200).json()["data"]
        assert {a["id"]: a["balance"] for a in listed} == {
            name: account.balance for name, account in self.model.items()
        }


LedgerMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=20,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLedger = LedgerMachine.TestCase
