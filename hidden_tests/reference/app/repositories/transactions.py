"""Money movements: checking and recording transactions with their entries, and lookups."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.db import Connection, from_us, new_id, now_us
from app.errors import (
    ProblemError,
    currency_mismatch,
    insufficient_funds,
    not_found,
    same_account,
)
from app.repositories.entries import Entry, entry_from_row
from app.schemas.common import TransactionKind


@dataclass(frozen=True, slots=True)
class Movement:
    """A requested movement of money: signed postings, debit first."""

    kind: TransactionKind
    amount: int
    description: str | None
    postings: tuple[tuple[str, int], ...]

    @classmethod
    def deposit(cls, *, account_id: str, amount: int, description: str | None) -> "Movement":
        """Money entering one account."""
        return cls("deposit", amount, description, ((account_id, amount),))

    @classmethod
    def withdrawal(cls, *, account_id: str, amount: int, description: str | None) -> "Movement":
        """Money leaving one account."""
        return cls("withdrawal", amount, description, ((account_id, -amount),))

    @classmethod
    def transfer(
        cls, *, from_account_id: str, to_account_id: str, amount: int, description: str | None
    ) -> "Movement":
        """Money moving between two accounts of the same tenant and currency."""
        postings = ((from_account_id, -amount), (to_account_id, amount))
        return cls("transfer", amount, description, postings)


@dataclass(frozen=True, slots=True)
class Transaction:
    """A committed movement with its entries."""

    id: str
    kind: TransactionKind
    amount: int
    currency: str
    description: str | None
    created_at: datetime
    entries: list[Entry]


@dataclass(slots=True)
class _Balance:
    currency: str
    amount: int


def _check(movement: Movement, balances: dict[str, _Balance]) -> list[_Balance]:
    """The balances a movement touches, or the problem it would cause."""
    account_ids = [account_id for account_id, _ in movement.postings]
    if len(set(account_ids)) < len(account_ids):
        raise same_account()
    touched = []
    for account_id in account_ids:
        if account_id not in balances:
            raise not_found("Account")
        touched.append(balances[account_id])
    if len({balance.currency for balance in touched}) > 1:
        raise currency_mismatch()
    for balance, (_, amount) in zip(touched, movement.postings, strict=True):
        if balance.amount + amount < 0:
            raise insufficient_funds()
    return touched


def _apply(movement: Movement, balances: dict[str, _Balance], created_at: datetime) -> Transaction:
    """Check one movement and apply it to the in-memory balances."""
    touched = _check(movement, balances)
    transaction_id = new_id("txn")
    entries = []
    for balance, (account_id, amount) in zip(touched, movement.postings, strict=True):
        balance.amount += amount
        entries.append(
            Entry(
                id=new_id("ent"),
                transaction_id=transaction_id,
                account_id=account_id,
                amount=amount,
                balance_after=balance.amount,
                created_at=created_at,
            )
        )
    return Transaction(
        id=transaction_id,
        kind=movement.kind,
        amount=movement.amount,
        currency=touched[0].currency,
        description=movement.description,
        created_at=created_at,
        entries=entries,
    )


def _load_balances(
    conn: Connection, *, tenant_id: str, movements: Sequence[Movement]
) -> dict[str, _Balance]:
    """Current balances of the tenant's accounts named by the movements (others are absent)."""
    account_ids = sorted({account_id for m in movements for account_id, _ in m.postings})
    rows = conn.execute(
        "SELECT id, currency, balance FROM accounts"
        " WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))",
        (tenant_id, json.dumps(account_ids)),
    )
    return {row["id"]: _Balance(row["currency"], row["balance"]) for row in rows}


def _next_timestamp(conn: Connection) -> int:
    """Now, but never before the newest transaction: created_at never decreases along seq."""
    row = conn.execute("SELECT created_at FROM transactions ORDER BY seq DESC LIMIT 1").fetchone()
    return now_us() if row is None else max(now_us(), row["created_at"])


def record_movements(
    conn: Connection,
    *,
    tenant_id: str,
    movements: Sequence[Movement],
    index_problems: bool = False,
) -> list[Transaction]:
    """Apply movements in order, all or nothing, inside the caller's write transaction.

    The first movement that cannot apply raises its problem (404 for an account that is
    missing or another tenant's, 422 otherwise), with ``index`` when ``index_problems``.
    """
    balances = _load_balances(conn, tenant_id=tenant_id, movements=movements)
    created_at_us = _next_timestamp(conn)
    created_at = from_us(created_at_us)
    transactions = []
    for index, movement in enumerate(movements):
        try:
            transactions.append(_apply(movement, balances, created_at))
        except ProblemError as problem:
            raise problem.with_extra(index=index) if index_problems else problem from None
    _save(conn, tenant_id=tenant_id, transactions=transactions, created_at_us=created_at_us)
    return transactions


def _save(
    conn: Connection, *, tenant_id: str, transactions: Sequence[Transaction], created_at_us: int
) -> None:
    """Insert the transactions and their entries and store the final balances."""
    conn.executemany(
        "INSERT INTO transactions (id, tenant_id, kind, amount, currency, description, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (t.id, tenant_id, t.kind, t.amount, t.currency, t.description, created_at_us)
            for t in transactions
        ],
    )
    conn.executemany(
        "INSERT INTO entries (id, transaction_id, account_id, amount, balance_after, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (e.id, e.transaction_id, e.account_id, e.amount, e.balance_after, created_at_us)
            for t in transactions
            for e in t.entries
        ],
    )
    final = {e.account_id: e.balance_after for t in transactions for e in t.entries}
    conn.executemany(
        "UPDATE accounts SET balance = ? WHERE id = ?",
        [(balance, account_id) for account_id, balance in final.items()],
    )


def find_transaction(
    conn: Connection, *, tenant_id: str, transaction_id: str
) -> Transaction | None:
    """The tenant's transaction with its entries; None if missing or another tenant's."""
    row = conn.execute(
        "SELECT id, kind, amount, currency, description, created_at FROM transactions"
        " WHERE id = ? AND tenant_id = ?",
        (transaction_id, tenant_id),
    ).fetchone()
    if row is None:
        return None
    entries = conn.execute(
        "SELECT id, transaction_id, account_id, amount, balance_after, created_at"
        " FROM entries WHERE transaction_id = ? ORDER BY seq",
        (transaction_id,),
    ).fetchall()
    return Transaction(
        id=row["id"],
        kind=row["kind"],
        amount=row["amount"],
        currency=row["currency"],
        description=row["description"],
        created_at=from_us(row["created_at"]),
        entries=[entry_from_row(entry) for entry in entries],
    )
