"""Tenants and their API-key hashes."""

from dataclasses import dataclass

from app.db import Connection, new_id, now


@dataclass(frozen=True, slots=True)
class Tenant:
    """A customer of the service; every account belongs to exactly one tenant."""

    id: str
    name: str
    created_at: str


def create_tenant(conn: Connection, *, name: str, api_key_hash: str) -> Tenant:
    """Insert a tenant identified by the hash of its API key."""
    tenant = Tenant(id=new_id("ten"), name=name, created_at=now())
    conn.execute(
        "INSERT INTO tenants (id, name, api_key_hash, created_at) VALUES (?, ?, ?, ?)",
        (tenant.id, tenant.name, api_key_hash, tenant.created_at),
    )
    return tenant


def find_tenant_by_key_hash(conn: Connection, *, api_key_hash: str) -> Tenant | None:
    """The tenant owning the API key with this hash, if any."""
    row = conn.execute(
        "SELECT id, name, created_at FROM tenants WHERE api_key_hash = ?", (api_key_hash,)
    ).fetchone()
    if row is None:
        return None
    return Tenant(id=row["id"], name=row["name"], created_at=row["created_at"])
