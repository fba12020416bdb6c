"""Transfers between two accounts of one tenant, singly or in all-or-nothing batches."""

from fastapi import APIRouter

from app.deps import TenantDep
from app.errors import not_implemented, problem_responses
from app.routing import JsonRoute
from app.schemas.transactions import TransactionPublic, TransferBatchCreate, TransferCreate

router = APIRouter(
    route_class=JsonRoute,
    prefix="/v1/transfers",
    tags=["money"],
    responses=problem_responses(401, 422, 501),
)


@router.post("", status_code=201)
def post_transfer(payload: TransferCreate, tenant: TenantDep) -> TransactionPublic:
    """Move money between two accounts of the same currency."""
    raise not_implemented("POST /v1/transfers")


@router.post("/batch", status_code=201)
def post_transfer_batch(payload: TransferBatchCreate, tenant: TenantDep) -> None:
    """Apply up to 1000 transfers in order, all or nothing."""
    raise not_implemented("POST /v1/transfers/batch")
