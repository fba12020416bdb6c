"""Accounts of a tenant: creation, lookup and keyset listing."""

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from app.db import MAX_INT64, Connection, from_us, new_id, now_us
from app.pagination import Slice, slice_rows


@dataclass(frozen=True, slots=True)
class Account:
    """An account with its current balance in minor units."""

    id: str
    name: str
    currency: str
    balance: int
    created_at: datetime


def _account(row: sqlite3.Row) -> Account:
    return Account(
        id=row["id"],
        name=row["name"],
        currency=row["currency"],
        balance=row["balance"],
        created_at=from_us(row["created_at"]),
    )


def create_account(conn: Connection, *, tenant_id: str, name: str, currency: str) -> Account:
    """Insert a new, empty account for the tenant."""
    account_id, created_at = new_id("acc"), now_us()
    with conn.write():
        conn.execute(
            "INSERT INTO accounts (id, tenant_id, name, currency, balance, created_at)"
            " VALUES (?, ?, ?, ?, 0, ?)",
            (account_id, tenant_id, name, currency, created_at),
        )
    return Account(
        id=account_id, name=name, currency=currency, balance=0, created_at=from_us(created_at)
    )


def find_account(conn: Connection, *, tenant_id: str, account_id: str) -> Account | None:
    """The tenant's account with this id; None if missing or owned by another tenant."""
    row = conn.execute(
        "SELECT id, name, currency, balance, created_at FROM accounts"
        " WHERE id = ? AND tenant_id = ?",
        (account_id, tenant_id),
    ).fetchone()
    return None if row is None else _account(row)


def list_accounts(
    conn: Connection, *, tenant_id: str, before_seq: int | None, limit: int
) -> Slice[Account]:
    """The tenant's accounts, newest first, strictly older than ``before_seq`` when given."""
    rows = conn.execute(
        "SELECT seq, id, name, currency, balance, created_at FROM accounts"
        " WHERE tenant_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        (tenant_id, MAX_INT64 if before_seq is None else before_seq, limit + 1),
    ).fetchall()
    return slice_rows(rows, limit, _account)
