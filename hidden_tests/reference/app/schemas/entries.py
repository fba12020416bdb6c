"""Entry schemas: the signed postings of transactions on accounts."""

from app.schemas.common import PageQuery, PublicModel, Timestamp, UtcDatetime


class EntryQuery(PageQuery):
    """Pagination plus an optional ``since <= created_at < until`` window."""

    since: UtcDatetime | None = None
    until: UtcDatetime | None = None


class EntryPublic(PublicModel):
    """One posting: a signed amount on one account and the balance right after it."""

    id: str
    transaction_id: str
    account_id: str
    amount: int
    balance_after: int
    created_at: Timestamp


class EntryPage(PublicModel):
    """One page of an account's entries, newest first."""

    data: list[EntryPublic]
    next_cursor: str | None
