"""Entries of an account: keyset listing, balance as of a moment, and period summaries in SQL."""

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from app.db import MAX_INT64, MIN_INT64, Connection, from_us
from app.pagination import Slice, slice_rows


@dataclass(frozen=True, slots=True)
class Entry:
    """A signed amount posted to one account by one transaction."""

    id: str
    transaction_id: str
    account_id: str
    amount: int
    balance_after: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Period:
    """The half-open range ``start <= created_at < end`` in microseconds; None is unbounded."""

    start_us: int | None = None
    end_us: int | None = None

    def bounds(self) -> tuple[int, int]:
        """Both bounds, open ends replaced by the extreme 64-bit values."""
        return (
            MIN_INT64 if self.start_us is None else self.start_us,
            MAX_INT64 if self.end_us is None else self.end_us,
        )


@dataclass(frozen=True, slots=True)
class Totals:
    """Activity of an account over a period."""

    credits: int
    debits: int
    count: int


def entry_from_row(row: sqlite3.Row) -> Entry:
    """Build an entry from a row of the ``entries`` table."""
    return Entry(
        id=row["id"],
        transaction_id=row["transaction_id"],
        account_id=row["account_id"],
        amount=row["amount"],
        balance_after=row["balance_after"],
        created_at=from_us(row["created_at"]),
    )


def list_entries(
    conn: Connection, *, account_id: str, period: Period, before_seq: int | None, limit: int
) -> Slice[Entry]:
    """The account's entries in ``period``, newest first, older than ``before_seq`` if given."""
    rows = conn.execute(
        "SELECT seq, id, transaction_id, account_id, amount, balance_after, created_at"
        " FROM entries INDEXED BY entries_by_account"
        " WHERE account_id = ? AND seq < ? AND created_at >= ? AND created_at < ?"
        " ORDER BY seq DESC LIMIT ?",
        (
            account_id,
            MAX_INT64 if before_seq is None else before_seq,
            *period.bounds(),
            limit + 1,
        ),
    ).fetchall()
    return slice_rows(rows, limit, entry_from_row)


def balance_as_of(conn: Connection, *, account_id: str, as_of_us: int) -> int:
    """The balance after the account's last entry created at or before ``as_of``; 0 if none."""
    row = conn.execute(
        "SELECT balance_after FROM entries"
        " WHERE account_id = ? AND created_at <= ?"
        " ORDER BY created_at DESC, seq DESC LIMIT 1",
        (account_id, as_of_us),
    ).fetchone()
    return 0 if row is None else int(row["balance_after"])


def totals(conn: Connection, *, account_id: str, period: Period) -> Totals:
    """Credits, debits (as a positive number) and count of the account's entries in ``period``."""
    row = conn.execute(
        "SELECT COALESCE(SUM(amount) FILTER (WHERE amount > 0), 0) AS credits,"
        " COALESCE(-SUM(amount) FILTER (WHERE amount < 0), 0) AS debits,"
        " COUNT(*) AS count"
        " FROM entries WHERE account_id = ? AND created_at >= ? AND created_at < ?",
        (account_id, *period.bounds()),
    ).fetchone()
    return Totals(credits=row["credits"], debits=row["debits"], count=row["count"])
