"""Deposits: money entering an account (idempotent)."""

from fastapi import APIRouter, Response

from app.deps import MovementRequestDep
from app.errors import problem_responses
from app.limits import JsonRoute
from app.repositories.transactions import Movement
from app.schemas.transactions import DepositCreate, TransactionPublic

router = APIRouter(
    route_class=JsonRoute,
    prefix="/v1/deposits",
    tags=["money"],
    responses=problem_responses(400, 401, 404, 409, 422),
)


@router.post("", status_code=201, response_model=TransactionPublic)
def post_deposit(payload: DepositCreate, request: MovementRequestDep) -> Response:
    """Credit an account. A retry with the same Idempotency-Key replays the first answer."""
    movement = Movement.deposit(
        account_id=payload.account_id, amount=payload.amount, description=payload.description
    )
    return request.submit(payload, [movement])
