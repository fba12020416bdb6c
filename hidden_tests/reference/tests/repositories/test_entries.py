"""Entry queries: open-ended periods."""

from app.db import MAX_INT64, MIN_INT64
from app.repositories.entries import Period


def test_open_period_bounds() -> None:
    assert Period().bounds() == (MIN_INT64, MAX_INT64)
    assert Period(start_us=5).bounds() == (5, MAX_INT64)
    assert Period(end_us=7).bounds() == (MIN_INT64, 7)
