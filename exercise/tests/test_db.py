"""SQLite configuration, migration and transactions."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import Database, timestamp
from tests.conftest import create_account


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


def test_transaction_commits_or_rolls_back(database: Database) -> None:
    conn = database.connect()
    try:
        with conn.transaction():
            conn.execute("INSERT INTO meta (key, value) VALUES ('a', 1)")
        with pytest.raises(RuntimeError), conn.transaction():
            conn.execute("INSERT INTO meta (key, value) VALUES ('b', 2)")
            raise RuntimeError
        keys = {row[0] for row in conn.execute("SELECT key FROM meta")}
        assert "a" in keys
        assert "b" not in keys
        assert not conn.in_transaction
    finally:
        conn.close()


def test_account_listing_uses_its_index(database: Database) -> None:
    conn = database.connect()
    try:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM accounts"
            " WHERE tenant_id = ? AND seq < ? ORDER BY seq DESC LIMIT 51",
            ("ten_x", 10),
        ).fetchall()
    finally:
        conn.close()
    details = " | ".join(row[3] for row in plan)
    assert "accounts_by_tenant" in details
    assert "TEMP B-TREE" not in details


def test_timestamps_are_fixed_width_utc() -> None:
    moment = datetime(2026, 11, 27, 22, 52, 7, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert timestamp(moment) == "2026-11-27T21:52:07.123456Z"
    assert timestamp(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00.000000Z"


def test_a_write_is_committed_before_its_response(
    client: TestClient, auth_headers: dict[str, str], settings: Settings
) -> None:
    account = create_account(client, auth_headers)
    other = Database(settings.database_path).connect()
    try:
        row = other.execute("SELECT name FROM accounts WHERE id = ?", (account["id"],)).fetchone()
    finally:
        other.close()
    assert row["name"] == "Main"
