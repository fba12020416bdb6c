"""Operator API: tenant creation, protected by the admin token."""

from fastapi import APIRouter, Depends

from app.deps import ConnDep, require_admin
from app.errors import problem_responses
from app.limits import JsonRoute
from app.repositories.tenants import create_tenant
from app.schemas.tenants import TenantCreate, TenantCreatedPublic
from app.security import generate_api_key, hash_api_key

router = APIRouter(
    route_class=JsonRoute,
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(401, 422),
)


@router.post("/tenants", status_code=201)
def post_tenant(payload: TenantCreate, conn: ConnDep) -> TenantCreatedPublic:
    """Create a tenant; its API key is returned only in this response."""
    api_key = generate_api_key()
    tenant = create_tenant(conn, name=payload.name, api_key_hash=hash_api_key(api_key))
    return TenantCreatedPublic(
        id=tenant.id, name=tenant.name, api_key=api_key, created_at=tenant.created_at
    )
