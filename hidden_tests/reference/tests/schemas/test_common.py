"""Shared schema types: currencies (against the contract), amounts, timestamps."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from app.schemas.common import Amount, Currency, UtcDatetime, format_timestamp
from app.schemas.currencies import CURRENCIES

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"


@pytest.mark.skipif(not OPENAPI.is_file(), reason="the contract does not exist yet")
def test_currencies_are_exactly_the_contracts() -> None:
    yaml = pytest.importorskip("yaml", reason="dev tool (requirements-dev.txt)")
    contract = yaml.safe_load(OPENAPI.read_text())
    assert set(contract["components"]["schemas"]["Currency"]["enum"]) == CURRENCIES


@pytest.mark.parametrize("code", ["usd", "ABC", "XXX", "XTS", "XAU", "XDR", "HRK", "EU", "EURO"])
def test_currency_rejects(code: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Currency).validate_python(code)


@pytest.mark.parametrize("amount", [True, 1.0, "1", 0, 1_000_000_000_001])
def test_amount_rejects(amount: object) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Amount).validate_python(amount)


def test_timestamps_always_carry_microseconds() -> None:
    assert (
        format_timestamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"
    )
    plus_one = timezone(timedelta(hours=1))
    assert format_timestamp(datetime(2026, 1, 1, 0, 30, 0, 7, tzinfo=plus_one)) == (
        "2025-12-31T23:30:00.000007Z"
    )


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_query_instants_must_fit_in_utc_years(value: str) -> None:
    with pytest.raises(ValidationError, match=r"0001\.\.9999"):
        TypeAdapter(UtcDatetime).validate_python(value)


@pytest.mark.parametrize(
    "text",
    [
        "1700000000",
        "0",
        "-1",
        "0.5",
        "2026-01-01T00:00:00+0100",
        "2026-01-01 00:00:00Z",
        "2026-01-01T00:00Z",
        "2026-01-01T00:00:00",
    ],
)
def test_query_instants_must_be_rfc3339(text: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(UtcDatetime).validate_python(text)


def test_query_instants_are_normalised_to_utc() -> None:
    moment = TypeAdapter(UtcDatetime).validate_python("2026-01-01T01:00:00.5+01:00")
    assert moment.isoformat() == "2026-01-01T00:00:00.500000+00:00"
