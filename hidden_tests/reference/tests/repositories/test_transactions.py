"""Recording movements directly: ordering of checks, all-or-nothing, and batch indexes."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db import Connection, Database
from app.errors import ProblemError
from app.repositories.accounts import create_account, find_account
from app.repositories.tenants import create_tenant
from app.repositories.transactions import Movement, find_transaction, record_movements


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    database = Database(tmp_path / "ledger.db")
    database.migrate()
    connection = database.connect()
    yield connection
    connection.close()


@pytest.fixture
def tenant_id(conn: Connection) -> str:
    return create_tenant(conn, name="t", api_key_hash="h").id


def _account(conn: Connection, tenant_id: str, currency: str = "USD") -> str:
    return create_account(conn, tenant_id=tenant_id, name="a", currency=currency).id


def _record(conn: Connection, tenant_id: str, *movements: Movement, batch: bool = False) -> None:
    with conn.write():
        record_movements(conn, tenant_id=tenant_id, movements=movements, index_problems=batch)


def test_checks_run_in_contract_order(conn: Connection, tenant_id: str) -> None:
    usd, eur = _account(conn, tenant_id), _account(conn, tenant_id, "EUR")
    cases = [
        (
            Movement.transfer(from_account_id="x", to_account_id="x", amount=1, description=None),
            "same_account",
        ),
        (
            Movement.transfer(from_account_id="x", to_account_id=eur, amount=1, description=None),
            "not_found",
        ),
        (
            Movement.transfer(from_account_id=usd, to_account_id=eur, amount=1, description=None),
            "currency_mismatch",
        ),
        (Movement.withdrawal(account_id=usd, amount=1, description=None), "insufficient_funds"),
    ]
    for movement, code in cases:
        with pytest.raises(ProblemError) as raised:
            _record(conn, tenant_id, movement)
        assert raised.value.code == code
        assert "index" not in raised.value.body()


def test_failed_batch_writes_nothing(conn: Connection, tenant_id: str) -> None:
    source, target = _account(conn, tenant_id), _account(conn, tenant_id)
    _record(conn, tenant_id, Movement.deposit(account_id=source, amount=5, description=None))
    move = Movement.transfer(
        from_account_id=source, to_account_id=target, amount=3, description=None
    )
    with pytest.raises(ProblemError) as raised:
        _record(conn, tenant_id, move, move, batch=True)
    assert raised.value.body()["index"] == 1
    account = find_account(conn, tenant_id=tenant_id, account_id=source)
    assert account is not None
    assert account.balance == 5
    assert conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 1


def test_transactions_are_found_only_by_their_tenant(conn: Connection, tenant_id: str) -> None:
    account = _account(conn, tenant_id)
    with conn.write():
        [created] = record_movements(
            conn,
            tenant_id=tenant_id,
            movements=[Movement.deposit(account_id=account, amount=9, description="d")],
        )
    found = find_transaction(conn, tenant_id=tenant_id, transaction_id=created.id)
    assert found == created
    assert find_transaction(conn, tenant_id="ten_other", transaction_id=created.id) is None
