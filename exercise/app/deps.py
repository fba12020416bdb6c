"""FastAPI dependencies, exposed as ``Annotated`` aliases (``ConnDep``, ``TenantDep``...)."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from app.config import Settings
from app.db import Connection, Database
from app.errors import forbidden, not_found, unauthorized
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


async def get_cursors(request: Request) -> CursorCodec:
    """Pagination cursors signed with the database's secret."""
    return CursorCodec(request.app.state.cursor_secret)


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
CursorsDep = Annotated[CursorCodec, Depends(get_cursors)]


def get_conn(database: DatabaseDep) -> Iterator[Connection]:
    """One SQLite connection for the duration of the request."""
    conn = database.connect()
    try:
        yield conn
    finally:
        conn.close()


ConnDep = Annotated[Connection, Depends(get_conn)]


def get_tenant(
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
    return tenant


TenantDep = Annotated[Tenant, Depends(get_tenant)]


async def require_admin(
    settings: SettingsDep, token: Annotated[str | None, Security(_admin_token)]
) -> None:
    """Reject requests without the configured ``X-Admin-Token``."""
    if token is None or not admin_token_matches(token, settings.admin_token):
        raise unauthorized("A valid X-Admin-Token header is required.", bearer=False)


def load_account(conn: Connection, tenant: Tenant, account_id: str) -> Account:
    """The account with this id, checked to belong to the calling tenant."""
    account = find_account(conn, account_id=account_id)
    if account is None:
        raise not_found("Account")
    if account.tenant_id != tenant.id:
        raise forbidden("This account belongs to another tenant.")
    return account


def get_account(account_id: Annotated[str, Path()], conn: ConnDep, tenant: TenantDep) -> Account:
    """The tenant's account named in the path."""
    return load_account(conn, tenant, account_id)


AccountDep = Annotated[Account, Depends(get_account)]
