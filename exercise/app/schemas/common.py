"""Shared schema building blocks: base models, money, currency, ids, timestamps, problems."""

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
)

from app.schemas.currencies import CURRENCIES

MAX_AMOUNT = 1_000_000_000_000
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _check_currency(code: str) -> str:
    if code not in CURRENCIES:
        raise ValueError("not an active ISO 4217 currency code")
    return code


def _check_rfc3339(value: object) -> object:
    # Without this, pydantic would also read numbers ("1700000000") as Unix timestamps.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 timestamp with an offset, e.g. 2026-11-01T00:00:00Z")
    return value


def _to_utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be within years 0001..9999 once converted to UTC") from None


Amount = Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT, description="Minor units, e.g. cents.")]
Currency = Annotated[
    StrictStr, Field(pattern=r"^[A-Z]{3}$", examples=["USD"]), AfterValidator(_check_currency)
]
Name = Annotated[StrictStr, Field(min_length=1, max_length=100)]
Description = Annotated[StrictStr, Field(max_length=140)]
ResourceId = Annotated[StrictStr, Field(min_length=1, max_length=64)]
# A query-string instant: RFC 3339 with an offset, normalised to UTC.
UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_check_rfc3339), AfterValidator(_to_utc)]
TransactionKind = Literal["deposit", "withdrawal", "transfer"]


class CreateModel(BaseModel):
    """Base of request bodies: strict types, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", strict=True)


class QueryModel(BaseModel):
    """Base of query-string models: values arrive as text and are parsed (not strict)."""


class PageQuery(QueryModel):
    """Keyset pagination parameters."""

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, description="next_cursor of the previous page.")


class PublicModel(BaseModel):
    """Base of response bodies, built from repository records."""

    model_config = ConfigDict(from_attributes=True)


class FieldError(PublicModel):
    """One schema violation."""

    field: str
    message: str


class Problem(PublicModel):
    """RFC 9457 problem details, as returned for every error."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = None
