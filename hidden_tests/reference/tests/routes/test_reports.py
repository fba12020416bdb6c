"""Balance as of a moment and period summaries, on known histories and at their boundaries."""

from datetime import timedelta, timezone

import pytest

from tests.conftest import T0, Api, Clock, iso, new_key

MINUTE = timedelta(minutes=1)


@pytest.fixture
def history(tenant: Api, clock: Clock) -> tuple[str, str]:
    """Account A: +100 at T0, -30 at T0+1m, +50 (transfer in) and -20 (transfer out) at T0+2m."""
    account, other = tenant.create_account(), tenant.funded_account(500)
    tenant.deposit(account, 100)
    clock.set(T0 + MINUTE)
    tenant.withdraw(account, 30)
    clock.set(T0 + 2 * MINUTE)
    items = [
        {"from_account_id": other, "to_account_id": account, "amount": 50},
        {"from_account_id": account, "to_account_id": other, "amount": 20},
    ]
    assert tenant.post("/v1/transfers/batch", {"transfers": items}, new_key()).status_code == 201
    return account, other


@pytest.mark.parametrize(
    ("as_of", "balance"),
    [
        (T0 - timedelta(microseconds=1), 0),
        (T0, 100),
        (T0 + MINUTE - timedelta(microseconds=1), 100),
        (T0 + MINUTE, 70),
        (T0 + 2 * MINUTE, 100),  # both batch entries share the timestamp: the later one counts
        (T0 + timedelta(days=365), 100),
    ],
)
def test_balance_as_of(tenant: Api, history: tuple[str, str], as_of: object, balance: int) -> None:
    account, _ = history
    response = tenant.get(f"/v1/accounts/{account}/balance", as_of=iso(as_of))
    assert response.status_code == 200
    assert response.json() == {
        "account_id": account,
        "currency": "USD",
        "balance": balance,
        "as_of": iso(as_of),
    }


def test_balance_defaults_to_now(tenant: Api, history: tuple[str, str]) -> None:
    account, _ = history
    body = tenant.get(f"/v1/accounts/{account}/balance").json()
    assert body["balance"] == tenant.balance(account) == 100
    assert body["as_of"].endswith("Z")


def test_as_of_with_offset_is_normalised(tenant: Api, history: tuple[str, str]) -> None:
    account, _ = history
    plus_two = (T0 + MINUTE).astimezone(timezone(timedelta(hours=2))).isoformat()
    body = tenant.get(f"/v1/accounts/{account}/balance", as_of=plus_two).json()
    assert (body["balance"], body["as_of"]) == (70, iso(T0 + MINUTE))


@pytest.mark.parametrize("as_of", ["2026-03-01T12:00:00", "soon", "2026-13-01T00:00:00Z"])
def test_bad_as_of_is_422(tenant: Api, as_of: str) -> None:
    account = tenant.create_account()
    response = tenant.get(f"/v1/accounts/{account}/balance", as_of=as_of)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "as_of"


def _summary(tenant: Api, account: str, start: object, end: object) -> dict[str, object]:
    response = tenant.get(f"/v1/accounts/{account}/summary", **{"from": iso(start), "to": iso(end)})
    assert response.status_code == 200, response.text
    return response.json()


def test_summary_over_everything(tenant: Api, history: tuple[str, str]) -> None:
    account, _ = history
    assert _summary(tenant, account, T0, T0 + 3 * MINUTE) == {
        "account_id": account,
        "currency": "USD",
        "from": iso(T0),
        "to": iso(T0 + 3 * MINUTE),
        "credits": 150,
        "debits": 50,
        "net": 100,
        "count": 4,
    }


@pytest.mark.parametrize(
    ("start", "end", "credits", "debits", "count"),
    [
        (T0, T0 + MINUTE, 100, 0, 1),  # `to` is exclusive
        (T0 + timedelta(microseconds=1), T0 + MINUTE, 0, 0, 0),  # `from` is inclusive
        (T0 + MINUTE, T0 + 2 * MINUTE + timedelta(microseconds=1), 50, 50, 3),
        (T0, T0, 0, 0, 0),
    ],
)
def test_summary_boundaries(
    tenant: Api,
    history: tuple[str, str],
    start: object,
    end: object,
    credits: int,
    debits: int,
    count: int,
) -> None:
    account, _ = history
    body = _summary(tenant, account, start, end)
    assert (body["credits"], body["debits"], body["net"], body["count"]) == (
        credits,
        debits,
        credits - debits,
        count,
    )


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"},
        {"from": "2026-03-01T00:00:00Z"},
        {"to": "2026-03-01T00:00:00Z"},
        {"from": "2026-03-01T00:00:00", "to": "2026-03-02T00:00:00Z"},
    ],
)
def test_bad_summary_query_is_422(tenant: Api, params: dict[str, str]) -> None:
    account = tenant.create_account()
    response = tenant.get(f"/v1/accounts/{account}/summary", **params)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_reports_of_foreign_account_are_404(tenant: Api, other_tenant: Api) -> None:
    foreign = other_tenant.funded_account(10)
    window = {"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}
    assert tenant.get(f"/v1/accounts/{foreign}/balance").status_code == 404
    assert tenant.get(f"/v1/accounts/{foreign}/summary", **window).status_code == 404
