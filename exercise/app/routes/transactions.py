"""Transaction lookup: a transaction is visible to the tenant owning its accounts."""

from fastapi import APIRouter

from app.deps import TenantDep
from app.errors import not_implemented, problem_responses
from app.schemas.transactions import TransactionPublic

router = APIRouter(
    prefix="/v1/transactions", tags=["money"], responses=problem_responses(401, 404, 501)
)


@router.get("/{transaction_id}")
def get_transaction(transaction_id: str, tenant: TenantDep) -> TransactionPublic:
    """One transaction with its entries."""
    raise not_implemented("GET /v1/transactions/{transaction_id}")
