"""Account schemas."""

from app.schemas.common import CreateModel, Currency, Name, PublicModel, Timestamp


class AccountCreate(CreateModel):
    """Body of ``POST /v1/accounts``."""

    name: Name
    currency: Currency


class AccountPublic(PublicModel):
    """An account and its current balance."""

    id: str
    name: str
    currency: str
    balance: int
    created_at: Timestamp


class AccountPage(PublicModel):
    """One page of accounts, newest first."""

    data: list[AccountPublic]
    next_cursor: str | None
