"""Report schemas: balance as of a moment, and an activity summary over a period."""

from pydantic import ConfigDict, Field

from app.schemas.common import PublicModel, QueryModel, Timestamp, UtcDatetime


class BalanceQuery(QueryModel):
    """The moment to report the balance at; now when omitted."""

    as_of: UtcDatetime | None = None


class SummaryQuery(QueryModel):
    """The period ``from <= created_at < to``; both required."""

    from_: UtcDatetime = Field(alias="from")
    to: UtcDatetime


class BalancePublic(PublicModel):
    """An account's balance at ``as_of`` (inclusive)."""

    account_id: str
    currency: str
    balance: int
    as_of: Timestamp


class SummaryPublic(PublicModel):
    """Credits, debits and entry count over ``from <= created_at < to``."""

    model_config = ConfigDict(
        validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    account_id: str
    currency: str
    from_: Timestamp = Field(alias="from")
    to: Timestamp
    credits: int
    debits: int
    net: int
    count: int
