"""Accounts: create, fetch and list the tenant's accounts."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.deps import AccountDep, ConnDep, CursorsDep, TenantDep
from app.errors import problem_responses
from app.limits import JsonRoute
from app.repositories.accounts import create_account, list_accounts
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
    return AccountPage.model_validate(
        {"data": page.items, "next_cursor": cursors.next_cursor(scope, page)}
    )


@router.get("/{account_id}", responses=problem_responses(404))
async def get_account(account: AccountDep) -> AccountPublic:
    """One account with its current balance."""
    return AccountPublic.model_validate(account)
