"""Shared schema building blocks: base models, money, currency, ids, timestamps, problems."""

import functools
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
    PlainSerializer,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)

from app.schemas.currencies import CURRENCIES

MAX_AMOUNT = 1_000_000_000_000


def _check_currency(code: str) -> str:
    if code not in CURRENCIES:
        raise ValueError("not an active ISO 4217 currency code")
    return code


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339_text(value: object) -> object:
    """Only RFC 3339 text: no Unix times, no missing seconds, no offsets without a colon."""
    if not isinstance(value, str) or not RFC3339.match(value):
        raise ValueError("must be an RFC 3339 timestamp with an offset, e.g. 2026-01-31T12:00:00Z")
    return value


def _to_utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be within years 0001..9999 once converted to UTC") from None


@functools.lru_cache(maxsize=4096)  # entries of one transaction, or one batch, share a time
def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and ``Z``, e.g. ``2026-11-27T21:52:07.123456Z``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00"


Amount = Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT, description="Minor units, e.g. cents.")]
Currency = Annotated[
    StrictStr, Field(pattern=r"^[A-Z]{3}$", examples=["USD"]), AfterValidator(_check_currency)
]
Name = Annotated[StrictStr, Field(min_length=1, max_length=100)]
Description = Annotated[StrictStr, Field(max_length=140)]
ResourceId = Annotated[StrictStr, Field(min_length=1, max_length=64)]
Timestamp = Annotated[
    datetime,
    PlainSerializer(format_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
# A query-string instant: RFC 3339 with an offset, normalised to UTC.
UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text), AfterValidator(_to_utc)]
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
    index: int | None = None
