"""SQLite access: connection factory, per-connection PRAGMAs, schema migration and time helpers."""

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

SCHEMA_VERSION = 1
MAX_INT64 = 2**63 - 1

# Timestamps are stored as RFC 3339 text in UTC with microseconds and "Z"
# (2026-11-27T21:52:07.123456Z): fixed width, so comparing the strings compares the instants.
# The balance lives on the account row; every entry also stores the balance right after it.
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS tenants (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        api_key_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS accounts (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        tenant_id TEXT NOT NULL REFERENCES tenants (id),
        name TEXT NOT NULL,
        currency TEXT NOT NULL,
        balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
        created_at TEXT NOT NULL
    )""",
    # Keyset pagination of a tenant's accounts, newest first.
    "CREATE INDEX IF NOT EXISTS accounts_by_tenant ON accounts (tenant_id, seq)",
    """CREATE TABLE IF NOT EXISTS transactions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        tenant_id TEXT NOT NULL REFERENCES tenants (id),
        kind TEXT NOT NULL CHECK (kind IN ('deposit', 'withdrawal', 'transfer')),
        amount INTEGER NOT NULL CHECK (amount > 0),
        currency TEXT NOT NULL,
        description TEXT,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS entries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        transaction_id TEXT NOT NULL REFERENCES transactions (id),
        account_id TEXT NOT NULL REFERENCES accounts (id),
        amount INTEGER NOT NULL CHECK (amount <> 0),
        balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
        created_at TEXT NOT NULL
    )""",
)


class Connection(sqlite3.Connection):
    """A connection in autocommit mode; multi-statement writes use :meth:`transaction`."""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction: commit on success, roll back on error."""
        self.execute("BEGIN")
        try:
            yield
        except BaseException:
            if self.in_transaction:  # SQLite may already have rolled back on its own
                self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")


class Database:
    """The ledger database file: opens configured connections and migrates the schema."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def connect(self) -> Connection:
        """Open a connection usable from any one thread at a time (requests hop threads)."""
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,
            check_same_thread=False,
            factory=Connection,
        )
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def migrate(self) -> bytes:
        """Create the data directory and schema if missing; return the cursor signing secret."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self.connect()
        try:
            # WAL is a persistent property of the database file: set once, outside a transaction.
            conn.execute("PRAGMA journal_mode = WAL")
            with conn.transaction():
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (SCHEMA_VERSION,),
                )
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('cursor_secret', ?)",
                    (secrets.token_bytes(32),),
                )
                row = conn.execute("SELECT value FROM meta WHERE key = 'cursor_secret'").fetchone()
            return bytes(row[0])
        finally:
            conn.close()


def new_id(prefix: str) -> str:
    """A new opaque resource id, e.g. ``acc_3b1fd0c6a2e54e0e9b8f6a1c`` (96 random bits)."""
    return f"{prefix}_{secrets.token_hex(12)}"


def timestamp(moment: datetime) -> str:
    """An aware datetime as stored and returned: ``2026-11-27T21:52:07.123456Z``."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def now() -> str:
    """The current time, formatted by :func:`timestamp`."""
    return timestamp(datetime.now(UTC))
