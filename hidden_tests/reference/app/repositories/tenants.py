"""Tenants and their API-key hashes."""

from dataclasses import dataclass
from datetime import datetime

from app.db import Connection, from_us, new_id, now_us


@dataclass(frozen=True, slots=True)
class Tenant:
    """A customer of the service; every account belongs to exactly one tenant."""

    id: str
    name: str
    created_at: datetime


def create_tenant(conn: Connection, *, name: str, api_key_hash: str) -> Tenant:
    """Insert a tenant identified by the hash of its API key."""
    tenant_id, created_at = new_id("ten"), now_us()
    with conn.write():
        conn.execute(
            "INSERT INTO tenants (id, name, api_key_hash, created_at) VALUES (?, ?, ?, ?)",
            (tenant_id, name, api_key_hash, created_at),
        )
    return Tenant(id=tenant_id, name=name, created_at=from_us(created_at))


def find_tenant_by_key_hash(conn: Connection, *, api_key_hash: str) -> Tenant | None:
    """The tenant owning the API key with this hash, if any."""
    row = conn.execute(
        "SELECT id, name, created_at FROM tenants WHERE api_key_hash = ?", (api_key_hash,)
    ).fetchone()
    if row is None:
        return None
    return Tenant(id=row["id"], name=row["name"], created_at=from_us(row["created_at"]))
