"""Deposits: money entering an account."""

from fastapi import APIRouter

from app.deps import ConnDep, TenantDep, load_account
from app.errors import problem_responses
from app.repositories.transactions import record_deposit
from app.routing import JsonRoute
from app.schemas.transactions import DepositCreate, TransactionPublic

router = APIRouter(
    route_class=JsonRoute,
    prefix="/v1/deposits",
    tags=["money"],
    responses=problem_responses(400, 401, 404, 422),
)


@router.post("", status_code=201)
def post_deposit(payload: DepositCreate, conn: ConnDep, tenant: TenantDep) -> TransactionPublic:
    """Credit an account with ``amount`` minor units of its currency."""
    account = load_account(conn, tenant, payload.account_id)
    transaction = record_deposit(
        conn,
        tenant_id=tenant.id,
        account=account,
        amount=payload.amount,
        description=payload.description,
    )
    return TransactionPublic.model_validate(transaction)
