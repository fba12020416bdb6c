"""An account's entries, newest first, with pagination and an optional time window."""

import base64
from typing import Annotated

from fastapi import APIRouter, Query

from app.db import MAX_INT64, timestamp
from app.deps import AccountDep, ConnDep
from app.errors import invalid_cursor, problem_responses, validation_error
from app.repositories.entries import Period, list_entries
from app.schemas.entries import EntryPage, EntryPublic, EntryQuery

router = APIRouter(prefix="/v1/accounts", tags=["accounts"], responses=problem_responses(401))


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        offset = int(base64.urlsafe_b64decode(cursor))
    except ValueError:
        raise invalid_cursor() from None
    if not 0 <= offset <= MAX_INT64:
        raise invalid_cursor()
    return offset


@router.get("/{account_id}/entries", responses=problem_responses(400, 404, 422))
def get_entries(
    account: AccountDep, conn: ConnDep, query: Annotated[EntryQuery, Query()]
) -> EntryPage:
    """The account's entries, newest first, one page at a time."""
    if query.since and query.until and query.since > query.until:
        raise validation_error([{"field": "since", "message": "must not be after until"}])
    period = Period(
        start=None if query.since is None else timestamp(query.since),
        end=None if query.until is None else timestamp(query.until),
    )
    offset = 0 if query.cursor is None else _decode_cursor(query.cursor)
    entries = list_entries(
        conn, account_id=account.id, period=period, offset=offset, limit=query.limit + 1
    )
    more = len(entries) > query.limit
    return EntryPage(
        data=[EntryPublic.model_validate(entry) for entry in entries[: query.limit]],
        next_cursor=_encode_cursor(offset + query.limit) if more else None,
    )
