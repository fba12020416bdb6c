"""Entries of an account."""

import sqlite3
from dataclasses import dataclass

from app.db import Connection


@dataclass(frozen=True, slots=True)
class Entry:
    """A signed amount posted to one account by one transaction."""

    id: str
    transaction_id: str
    account_id: str
    amount: int
    balance_after: int
    created_at: str


@dataclass(frozen=True, slots=True)
class Period:
    """The half-open range ``start <= created_at < end`` (RFC 3339 text); None is unbounded."""

    start: str | None = None
    end: str | None = None


def entry_from_row(row: sqlite3.Row) -> Entry:
    """Build an entry from a row of the ``entries`` table."""
    return Entry(
        id=row["id"],
        transaction_id=row["transaction_id"],
        account_id=row["account_id"],
        amount=row["amount"],
        balance_after=row["balance_after"],
        created_at=row["created_at"],
    )


def list_entries(
    conn: Connection,
    *,
    account_id: str,
    period: Period,
    offset: int,
    limit: int,
) -> list[Entry]:
    """The account's entries in ``period``, newest first."""
    rows = conn.execute(
        "SELECT id, transaction_id, account_id, amount, balance_after, created_at"
        " FROM entries WHERE account_id = :account_id"
        " AND (:start IS NULL OR created_at >= :start)"
        " AND (:end IS NULL OR created_at < :end)"
        " ORDER BY seq DESC LIMIT :limit OFFSET :offset",
        {
            "account_id": account_id,
            "start": period.start,
            "end": period.end,
            "limit": limit,
            "offset": offset,
        },
    ).fetchall()
    return [entry_from_row(row) for row in rows]
