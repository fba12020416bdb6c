"""FastAPI dependencies, exposed as ``Annotated`` aliases (``ConnDep``, ``TenantDep``...).

They are ``async``: each takes a pooled connection or runs one unique-index lookup (a few
microseconds), cheaper on the event loop than a trip to the threadpool. Endpoints that do real
database work (listings, reports, writes that wait for fsync) are plain ``def`` and run in the
threadpool, each request on its own connection.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Path, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from app.config import Settings
from app.db import Connection, Database
from app.errors import idempotency_key_required, not_found, unauthorized
from app.idempotency import KEY_HEADER, KEY_MAX_LENGTH, KEY_PATTERN, MovementRequest
from app.logging import request_context
from app.metrics import Metrics
from app.pagination import CursorCodec
from app.repositories.accounts import Account, find_account
from app.repositories.tenants import Tenant, find_tenant_by_key_hash
from app.security import admin_token_matches, hash_api_key

_bearer = HTTPBearer(auto_error=False, description="The tenant's API key.")
_admin_token = APIKeyHeader(
    name="X-Admin-Token", auto_error=False, description="The operator's admin token."
)


async def get_settings(request: Request) -> Settings:
    """The application's settings."""
    return request.app.state.settings


async def get_database(request: Request) -> Database:
    """The application's database."""
    return request.app.state.database


async def get_metrics(request: Request) -> Metrics:
    """The application's metrics."""
    return request.app.state.metrics


async def get_cursors(request: Request) -> CursorCodec:
    """The application's pagination cursor codec."""
    return request.app.state.cursors


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
CursorsDep = Annotated[CursorCodec, Depends(get_cursors)]


async def get_conn(request: Request) -> AsyncIterator[Connection]:
    """The request's SQLite connection, taken from the pool and given back afterwards."""
    database: Database = request.app.state.database
    conn = database.acquire()
    try:
        yield conn
    finally:
        database.release(conn)


ConnDep = Annotated[Connection, Depends(get_conn)]


async def get_tenant(
    request: Request,
    conn: ConnDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Tenant:
    """The tenant whose API key is presented as ``Authorization: Bearer <key>``."""
    tenant = None
    if credentials is not None:
        api_key_hash = hash_api_key(credentials.credentials)
        tenant = find_tenant_by_key_hash(conn, api_key_hash=api_key_hash)
    if tenant is None:
        raise unauthorized("A valid API key is required as a Bearer token.", bearer=True)
    context = request_context(request.scope)
    if context is not None:
        context.tenant_id = tenant.id
    return tenant


TenantDep = Annotated[Tenant, Depends(get_tenant)]


async def require_admin(
    settings: SettingsDep, token: Annotated[str | None, Security(_admin_token)]
) -> None:
    """Reject requests without the configured ``X-Admin-Token``."""
    if token is None or not admin_token_matches(token, settings.admin_token):
        raise unauthorized("A valid X-Admin-Token header is required.", bearer=False)


async def get_account(
    account_id: Annotated[str, Path()], conn: ConnDep, tenant: TenantDep
) -> Account:
    """The tenant's account named in the path; 404 if missing or another tenant's."""
    account = find_account(conn, tenant_id=tenant.id, account_id=account_id)
    if account is None:
        raise not_found("Account")
    return account


AccountDep = Annotated[Account, Depends(get_account)]


async def get_idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias=KEY_HEADER,
            min_length=1,
            max_length=KEY_MAX_LENGTH,
            pattern=KEY_PATTERN,
            description="Unique per intended effect; retries with the same key are replayed.",
        ),
    ] = None,
) -> str:
    """The request's idempotency key; money movements require one."""
    if key is None:
        raise idempotency_key_required()
    return key


IdempotencyKeyDep = Annotated[str, Depends(get_idempotency_key)]


async def get_movement_request(
    request: Request,
    conn: ConnDep,
    tenant: TenantDep,
    key: IdempotencyKeyDep,
    metrics: MetricsDep,
) -> MovementRequest:
    """A money-movement request: authenticated first, then checked for its idempotency key."""
    return MovementRequest(
        conn=conn,
        tenant_id=tenant.id,
        key=key,
        method=request.method,
        path=request.url.path,
        metrics=metrics,
    )


MovementRequestDep = Annotated[MovementRequest, Depends(get_movement_request)]
