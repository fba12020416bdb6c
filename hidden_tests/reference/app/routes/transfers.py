"""Transfers between two accounts of one tenant, singly or in all-or-nothing batches."""
# ledger-grader canary: lgc-681d2f4a-6692-451d-899a-fa087c39d0ab

from fastapi import APIRouter, Response

from app.deps import MovementRequestDep
from app.errors import problem_responses
from app.limits import JsonRoute
from app.repositories.transactions import Movement
from app.schemas.transactions import (
    TransactionBatchPublic,
    TransactionPublic,
    TransferBatchCreate,
    TransferCreate,
)

router = APIRouter(
    route_class=JsonRoute,
    prefix="/v1/transfers",
    tags=["money"],
    responses=problem_responses(400, 401, 404, 409, 422),
)


def _movement(transfer: TransferCreate) -> Movement:
    return Movement.transfer(
        from_account_id=transfer.from_account_id,
        to_account_id=transfer.to_account_id,
        amount=transfer.amount,
        description=transfer.description,
    )


@router.post("", status_code=201, response_model=TransactionPublic)
def post_transfer(payload: TransferCreate, request: MovementRequestDep) -> Response:
    """Move money between two accounts of the same currency."""
    return request.submit(payload, [_movement(payload)])


@router.post("/batch", status_code=201, response_model=TransactionBatchPublic)
def post_transfer_batch(payload: TransferBatchCreate, request: MovementRequestDep) -> Response:
    """Apply up to 1000 transfers in order, all or nothing; a failure names its ``index``."""
    return request.submit(payload, [_movement(item) for item in payload.transfers], batch=True)
