"""Tenant schemas (admin API)."""

from app.schemas.common import CreateModel, Name, PublicModel, Timestamp


class TenantCreate(CreateModel):
    """Body of ``POST /admin/tenants``."""

    name: Name


class TenantCreatedPublic(PublicModel):
    """A new tenant with its API key; the key is shown only in this response."""

    id: str
    name: str
    api_key: str
    created_at: Timestamp
