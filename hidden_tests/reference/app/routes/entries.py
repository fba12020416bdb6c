"""An account's entries, newest first, with keyset pagination and an optional time window."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.db import to_us
from app.deps import AccountDep, ConnDep, CursorsDep
from app.errors import problem_responses, validation_error
from app.repositories.entries import Period, list_entries
from app.schemas.entries import EntryPage, EntryQuery

router = APIRouter(prefix="/v1/accounts", tags=["entries"], responses=problem_responses(401))


@router.get("/{account_id}/entries", responses=problem_responses(400, 404, 422))
def get_entries(
    account: AccountDep, conn: ConnDep, cursors: CursorsDep, query: Annotated[EntryQuery, Query()]
) -> EntryPage:
    """The account's entries, newest first; walking the cursors never skips nor repeats one."""
    if query.since and query.until and query.since > query.until:
        raise validation_error([{"field": "since", "message": "must not be after until"}])
    period = Period(
        start_us=None if query.since is None else to_us(query.since),
        end_us=None if query.until is None else to_us(query.until),
    )
    scope = f"entries:{account.id}"
    before = None if query.cursor is None else cursors.decode(scope, query.cursor)
    page = list_entries(
        conn, account_id=account.id, period=period, before_seq=before, limit=query.limit
    )
    return EntryPage.model_validate(
        {"data": page.items, "next_cursor": cursors.next_cursor(scope, page)}
    )
