"""Withdrawals: money leaving an account, never below zero (idempotent)."""

from fastapi import APIRouter, Response

from app.deps import MovementRequestDep
from app.errors import problem_responses
from app.limits import JsonRoute
from app.repositories.transactions import Movement
from app.schemas.transactions import TransactionPublic, WithdrawalCreate

router = APIRouter(
    route_class=JsonRoute,
    prefix="/v1/withdrawals",
    tags=["money"],
    responses=problem_responses(400, 401, 404, 409, 422),
)


@router.post("", status_code=201, response_model=TransactionPublic)
def post_withdrawal(payload: WithdrawalCreate, request: MovementRequestDep) -> Response:
    """Debit an account; 422 insufficient_funds if the balance would go negative."""
    movement = Movement.withdrawal(
        account_id=payload.account_id, amount=payload.amount, description=payload.description
    )
    return request.submit(payload, [movement])
