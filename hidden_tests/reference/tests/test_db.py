"""SQLite configuration, migration, write transactions and query plans."""

import sqlite3
import threading
from pathlib import Path

import pytest

from app.db import Database, from_us, to_us
from tests.conftest import T0


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = Database(tmp_path / "sub" / "ledger.db")
    db.migrate()
    return db


def test_connection_pragmas(database: Database) -> None:
    conn = database.connect()
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.isolation_level is None
    finally:
        conn.close()


def test_migration_is_idempotent_and_keeps_the_cursor_secret(database: Database) -> None:
    secret = database.migrate()
    assert len(secret) == 32
    assert database.migrate() == secret


def test_write_commits_or_rolls_back(database: Database) -> None:
    conn = database.connect()
    try:
        with conn.write():
            conn.execute("INSERT INTO meta (key, value) VALUES ('a', 1)")
        with pytest.raises(RuntimeError), conn.write():
            conn.execute("INSERT INTO meta (key, value) VALUES ('b', 2)")
            raise RuntimeError
        keys = {row[0] for row in conn.execute("SELECT key FROM meta")}
        assert "a" in keys
        assert "b" not in keys
        assert not conn.in_transaction
    finally:
        conn.close()


def test_writers_are_serialised(database: Database) -> None:
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        conn = database.connect()
        with conn.write():
            inside.set()
            release.wait(5)
            order.append("first")
        conn.close()

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)
    second = database.connect()
    timer = threading.Timer(0.1, release.set)
    timer.start()
    with second.write():
        order.append("second")
    second.close()
    thread.join()
    assert order == ["first", "second"]


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        (
            "SELECT balance_after FROM entries WHERE account_id = ? AND created_at <= ?"
            " ORDER BY created_at DESC, seq DESC LIMIT 1",
            "entries_by_account_time",
        ),
        (
            "SELECT SUM(amount), COUNT(*) FROM entries"
            " WHERE account_id = ? AND created_at >= ? AND created_at < ?",
            "entries_by_account_time",
        ),
        (
            "SELECT * FROM entries INDEXED BY entries_by_account"
            " WHERE account_id = ? AND seq < ? AND created_at >= ? AND created_at < ?"
            " ORDER BY seq DESC LIMIT 51",
            "entries_by_account",
        ),
        (
            "SELECT * FROM accounts WHERE tenant_id = ? AND seq < ? ORDER BY seq DESC LIMIT 51",
            "accounts_by_tenant",
        ),
    ],
)
def test_queries_are_indexed(database: Database, sql: str, index: str) -> None:
    conn = database.connect()
    try:
        params = (1,) * sql.count("?")
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    finally:
        conn.close()
    assert index in plan
    assert "TEMP B-TREE" not in plan


def test_microsecond_round_trip() -> None:
    assert from_us(to_us(T0)) == T0
    assert to_us(from_us(1_234_567)) == 1_234_567


def test_pool_reuses_connections_and_caps_idle_ones(tmp_path: Path) -> None:
    database = Database(tmp_path / "ledger.db", pool_size=1)
    database.migrate()
    first, second = database.acquire(), database.acquire()
    assert first is not second
    database.release(first)
    database.release(second)  # over the cap: closed, not kept
    assert database.acquire() is first
    with pytest.raises(sqlite3.ProgrammingError):
        second.execute("SELECT 1")
    database.release(first)
    database.close()
    with pytest.raises(sqlite3.ProgrammingError):
        first.execute("SELECT 1")


def test_released_connections_never_keep_a_transaction(database: Database) -> None:
    conn = database.acquire()
    conn.execute("BEGIN IMMEDIATE")
    database.release(conn)
    assert not conn.in_transaction
    assert database.acquire() is conn
