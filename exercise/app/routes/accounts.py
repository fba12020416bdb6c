"""Accounts: create, fetch and list the tenant's accounts, and their reports."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.deps import AccountDep, ConnDep, CursorsDep, TenantDep
from app.errors import not_implemented, problem_responses
from app.repositories.accounts import create_account, list_accounts
from app.routing import JsonRoute
from app.schemas.accounts import AccountCreate, AccountPage, AccountPublic
from app.schemas.common import PageQuery

router = APIRouter(
    route_class=JsonRoute,
    prefix="/v1/accounts",
    tags=["accounts"],
    responses=problem_responses(401),
)


@router.post("", status_code=201, responses=problem_responses(422))
def post_account(
    payload: AccountCreate, conn: ConnDep, tenant: TenantDep, response: Response
) -> AccountPublic:
    """Open an empty account in one currency."""
    account = create_account(
        conn, tenant_id=tenant.id, name=payload.name, currency=payload.currency
    )
    response.headers["Location"] = f"/v1/accounts/{account.id}"
    return AccountPublic.model_validate(account)


@router.get("", responses=problem_responses(400, 422))
def get_accounts(
    conn: ConnDep,
    tenant: TenantDep,
    cursors: CursorsDep,
    query: Annotated[PageQuery, Query()],
) -> AccountPage:
    """The tenant's accounts, newest first, one page at a time."""
    scope = f"accounts:{tenant.id}"
    before = None if query.cursor is None else cursors.decode(scope, query.cursor)
    page = list_accounts(conn, tenant_id=tenant.id, before_seq=before, limit=query.limit)
    return AccountPage(
        data=[AccountPublic.model_validate(account) for account in page.items],
        next_cursor=cursors.next_cursor(scope, page),
    )


@router.get("/{account_id}", responses=problem_responses(404))
def get_account(account: AccountDep) -> AccountPublic:
    """One account with its current balance."""
    return AccountPublic.model_validate(account)


@router.get("/{account_id}/balance", responses=problem_responses(501))
def get_balance(account_id: str, tenant: TenantDep) -> None:
    """The balance of the account as of an instant (``as_of``, default now)."""
    raise not_implemented("GET /v1/accounts/{account_id}/balance")


@router.get("/{account_id}/summary", responses=problem_responses(501))
def get_summary(account_id: str, tenant: TenantDep) -> None:
    """Credits, debits, net and count of the account's entries in ``[from, to)``."""
    raise not_implemented("GET /v1/accounts/{account_id}/summary")
