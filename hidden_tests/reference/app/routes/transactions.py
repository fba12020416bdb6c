"""Transaction lookup: a transaction is visible to the tenant owning its accounts."""

from fastapi import APIRouter

from app.deps import ConnDep, TenantDep
from app.errors import not_found, problem_responses
from app.repositories.transactions import find_transaction
from app.schemas.transactions import TransactionPublic

router = APIRouter(
    prefix="/v1/transactions", tags=["transactions"], responses=problem_responses(401, 404)
)


@router.get("/{transaction_id}")
def get_transaction(transaction_id: str, conn: ConnDep, tenant: TenantDep) -> TransactionPublic:
    """One transaction with its entries."""
    transaction = find_transaction(conn, tenant_id=tenant.id, transaction_id=transaction_id)
    if transaction is None:
        raise not_found("Transaction")
    return TransactionPublic.model_validate(transaction)
