"""Money movements: transactions with their entries."""

from dataclasses import dataclass

from app.db import Connection, new_id, now
from app.repositories.accounts import Account
from app.repositories.entries import Entry
from app.schemas.common import TransactionKind


@dataclass(frozen=True, slots=True)
class Transaction:
    """A committed movement with its entries."""

    id: str
    kind: TransactionKind
    amount: int
    currency: str
    description: str | None
    created_at: str
    entries: list[Entry]


def record_deposit(
    conn: Connection, *, tenant_id: str, account: Account, amount: int, description: str | None
) -> Transaction:
    """Credit ``amount`` to the account: one transaction, one entry and the new balance."""
    transaction_id, created_at = new_id("txn"), now()
    entry = Entry(
        id=new_id("ent"),
        transaction_id=transaction_id,
        account_id=account.id,
        amount=amount,
        balance_after=account.balance + amount,
        created_at=created_at,
    )
    with conn.transaction():
        conn.execute(
            "INSERT INTO transactions (id, tenant_id, kind, amount, currency, description,"
            " created_at) VALUES (?, ?, 'deposit', ?, ?, ?, ?)",
            (transaction_id, tenant_id, amount, account.currency, description, created_at),
        )
        conn.execute(
            "INSERT INTO entries (id, transaction_id, account_id, amount, balance_after,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (entry.id, transaction_id, account.id, amount, entry.balance_after, created_at),
        )
        conn.execute(
            "UPDATE accounts SET balance = ? WHERE id = ?", (entry.balance_after, account.id)
        )
    return Transaction(
        id=transaction_id,
        kind="deposit",
        amount=amount,
        currency=account.currency,
        description=description,
        created_at=created_at,
        entries=[entry],
    )
