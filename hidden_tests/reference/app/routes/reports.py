"""Account reports: balance as of a moment and an activity summary, both computed in SQL."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.db import from_us, now_us, to_us
from app.deps import AccountDep, ConnDep
from app.errors import problem_responses, validation_error
from app.repositories.entries import Period, balance_as_of, totals
from app.schemas.reports import BalancePublic, BalanceQuery, SummaryPublic, SummaryQuery

router = APIRouter(
    prefix="/v1/accounts", tags=["reports"], responses=problem_responses(401, 404, 422)
)


@router.get("/{account_id}/balance")
def get_balance(
    account: AccountDep, conn: ConnDep, query: Annotated[BalanceQuery, Query()]
) -> BalancePublic:
    """The balance after the last entry created at or before ``as_of`` (default: now)."""
    as_of_us = now_us() if query.as_of is None else to_us(query.as_of)
    return BalancePublic(
        account_id=account.id,
        currency=account.currency,
        balance=balance_as_of(conn, account_id=account.id, as_of_us=as_of_us),
        as_of=from_us(as_of_us),
    )


@router.get("/{account_id}/summary")
def get_summary(
    account: AccountDep, conn: ConnDep, query: Annotated[SummaryQuery, Query()]
) -> SummaryPublic:
    """Credits, debits, net and count of the entries with ``from <= created_at < to``."""
    if query.from_ > query.to:
        raise validation_error([{"field": "from", "message": "must not be after to"}])
    period = Period(start_us=to_us(query.from_), end_us=to_us(query.to))
    result = totals(conn, account_id=account.id, period=period)
    return SummaryPublic(
        account_id=account.id,
        currency=account.currency,
        from_=query.from_,
        to=query.to,
        credits=result.credits,
        debits=result.debits,
        net=result.credits - result.debits,
        count=result.count,
    )
