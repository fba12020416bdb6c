"""SQLite access: connection factory, per-connection PRAGMAs, schema migration and time helpers."""

import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

SCHEMA_VERSION = 1
MIN_INT64, MAX_INT64 = -(2**63), 2**63 - 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

# Timestamps are integer microseconds since the Unix epoch (UTC): exact, compact and
# correctly ordered by SQLite. Balances live on the account row; every entry also stores
# the balance after it, so "balance as of" is a single indexed lookup.
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
        created_at INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS accounts (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        tenant_id TEXT NOT NULL REFERENCES tenants (id),
        name TEXT NOT NULL,
        currency TEXT NOT NULL,
        balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
        created_at INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS accounts_by_tenant ON accounts (tenant_id, seq)",
    """CREATE TABLE IF NOT EXISTS transactions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        tenant_id TEXT NOT NULL REFERENCES tenants (id),
        kind TEXT NOT NULL CHECK (kind IN ('deposit', 'withdrawal', 'transfer')),
        amount INTEGER NOT NULL CHECK (amount > 0),
        currency TEXT NOT NULL,
        description TEXT,
        created_at INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS entries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        transaction_id TEXT NOT NULL REFERENCES transactions (id),
        account_id TEXT NOT NULL REFERENCES accounts (id),
        amount INTEGER NOT NULL CHECK (amount <> 0),
        balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
        created_at INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS entries_by_transaction ON entries (transaction_id, seq)",
    # Keyset pagination of an account's entries, newest first.
    "CREATE INDEX IF NOT EXISTS entries_by_account ON entries (account_id, seq)",
    # Time-range queries (balance as of, summary); covering, so no table lookups are needed.
    """CREATE INDEX IF NOT EXISTS entries_by_account_time
        ON entries (account_id, created_at, seq, amount, balance_after)""",
    """CREATE TABLE IF NOT EXISTS idempotency_keys (
        tenant_id TEXT NOT NULL REFERENCES tenants (id),
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, key)
    ) WITHOUT ROWID""",
)


class Connection(sqlite3.Connection):
    """A connection in autocommit mode whose write transactions are explicit and serialised."""

    write_lock: threading.Lock

    @contextmanager
    def write(self) -> Iterator[None]:
        """Run the block in a ``BEGIN IMMEDIATE`` transaction; commit on success.

        Writers of this process queue on a lock first, so they hand over in order instead of
        polling SQLite's busy handler; ``busy_timeout`` still guards against other processes.
        """
        with self.write_lock:
            self.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self.in_transaction:  # SQLite may already have rolled back on its own
                    self.execute("ROLLBACK")
                raise
            self.execute("COMMIT")


class Database:
    """The ledger database file: configured connections, a small pool of them, the schema."""

    def __init__(self, path: Path, pool_size: int = 32) -> None:
        self.path = path
        self.pool_size = pool_size
        self._write_lock = threading.Lock()
        self._idle: list[Connection] = []
        self._idle_lock = threading.Lock()

    def acquire(self) -> Connection:
        """A connection for one request: an idle pooled one, or a new one."""
        with self._idle_lock:
            if self._idle:
                return self._idle.pop()
        return self.connect()

    def release(self, conn: Connection) -> None:
        """Give a request's connection back, never with a transaction left open."""
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        with self._idle_lock:
            if len(self._idle) < self.pool_size:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close the idle connections (at shutdown)."""
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def connect(self) -> Connection:
        """Open a configured connection, usable from any thread but by one request at a time."""
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,
            check_same_thread=False,
            factory=Connection,
            cached_statements=64,
        )
        conn.write_lock = self._write_lock
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
            with conn.write():
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

    def ping(self) -> None:
        """Prove the database is readable and can take the write lock; raise if not."""
        conn = self.connect()
        try:
            conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            with conn.write():
                pass
        finally:
            conn.close()


def new_id(prefix: str) -> str:
    """A new opaque resource id, e.g. ``acc_3b1fd0c6a2e54e0e9b8f6a1c`` (96 random bits)."""
    return f"{prefix}_{secrets.token_hex(12)}"


def now_us() -> int:
    """The current wall-clock time in microseconds since the epoch."""
    return time.time_ns() // 1000


def to_us(moment: datetime) -> int:
    """Convert a timezone-aware datetime to microseconds since the epoch (exact)."""
    return (moment - EPOCH) // MICROSECOND


def from_us(micros: int) -> datetime:
    """Convert microseconds since the epoch to an aware UTC datetime."""
    return EPOCH + micros * MICROSECOND
