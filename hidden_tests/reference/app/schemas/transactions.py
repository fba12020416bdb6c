"""Money-movement schemas: deposits, withdrawals, transfers (single and batch), transactions."""

from pydantic import Field

from app.schemas.common import (
    Amount,
    CreateModel,
    Description,
    PublicModel,
    ResourceId,
    Timestamp,
    TransactionKind,
)
from app.schemas.entries import EntryPublic

MAX_BATCH = 1000


class MovementCreate(CreateModel):
    """A movement of money into or out of one account."""

    account_id: ResourceId
    amount: Amount
    description: Description | None = None


class DepositCreate(MovementCreate):
    """Body of ``POST /v1/deposits``."""


class WithdrawalCreate(MovementCreate):
    """Body of ``POST /v1/withdrawals``."""


class TransferCreate(CreateModel):
    """Body of ``POST /v1/transfers`` and one item of a batch."""

    from_account_id: ResourceId
    to_account_id: ResourceId
    amount: Amount
    description: Description | None = None


class TransferBatchCreate(CreateModel):
    """Body of ``POST /v1/transfers/batch``: applied in order, all or nothing."""

    transfers: list[TransferCreate] = Field(min_length=1, max_length=MAX_BATCH)


class TransactionPublic(PublicModel):
    """A committed money movement and its entries (debit first for transfers)."""

    id: str
    kind: TransactionKind
    amount: int
    currency: str
    description: str | None
    created_at: Timestamp
    entries: list[EntryPublic]


class TransactionBatchPublic(PublicModel):
    """The transactions of a batch, in input order."""

    data: list[TransactionPublic]
