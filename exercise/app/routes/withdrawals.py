"""Withdrawals: money leaving an account, never below zero."""

from fastapi import APIRouter

from app.deps import TenantDep
from app.errors import not_implemented, problem_responses
from app.routing import JsonRoute
from app.schemas.transactions import TransactionPublic, WithdrawalCreate

router = APIRouter(
    route_class=JsonRoute,
    prefix="/v1/withdrawals",
    tags=["money"],
    responses=problem_responses(401, 422, 501),
)


@router.post("", status_code=201)
def post_withdrawal(payload: WithdrawalCreate, tenant: TenantDep) -> TransactionPublic:
    """Debit an account; 422 insufficient_funds if the balance would go negative."""
    raise not_implemented("POST /v1/withdrawals")
