"""/metrics: exposition format, exact request counting, bounded labels, business counters.

Counters are shared by the whole service, so each delta is measured around a known burst of
requests (retried a few times in case a test running in parallel adds to the same series).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import uuid

import pytest
from support.client import Api, new_key
from support.ledger import (
    ACCOUNTS,
    DEPOSITS,
    Tenant,
    batch,
    create_account,
    deposit,
    fake_id_like,
    fund,
    funded_account,
    transfer,
    withdraw,
)
from support.metrics import exact_delta, scrape
from support.problems import expect_status, expect_success

ACCOUNT_ROUTE = "/v1/accounts/{account_id}"


def _describe_mismatch(observed: dict[str, tuple[float, int]]) -> str:
    wrong = [(k, d, e) for k, (d, e) in observed.items() if abs(d - e) > 1e-9]
    name, delta, expected = wrong[0]
    return f"expected {name} to grow by exactly {expected}, it grew by {delta:g}"


@pytest.mark.check("observability.metrics.exposition")
def test_metrics_is_prometheus_text_with_required_families(api: Api, anon: Api) -> None:
    account = create_account(api)
    fund(api, account["id"], 1)
    response = anon.get("/metrics", auth=False)
    expect_status(response, 200, "from GET /metrics without authentication")
    ctype = response.headers.get("content-type", "")
    assert ctype.startswith("text/plain"), (
        f"expected the Prometheus text format (text/plain) from /metrics, got {ctype!r}"
    )
    parsed = scrape(anon)
    expected = {
        "http_requests": "counter",
        "http_request_duration_seconds": "histogram",
        "ledger_transactions": "counter",
        "ledger_idempotent_replays": "counter",
    }
    for name, kind in expected.items():
        family = parsed.family(name)
        shown = f"{name}_total" if kind == "counter" else name
        assert family is not None, f"expected the metric {shown} on /metrics"
        assert family.type == kind, f"expected {shown} to be a {kind}, got {family.type}"


@pytest.mark.check("observability.metrics.exposition")
def test_metric_label_names(api: Api, anon: Api) -> None:
    account = create_account(api)
    fund(api, account["id"], 1)
    api.get(f"{ACCOUNTS}/{account['id']}")
    parsed = scrape(anon)
    requests = parsed.family("http_requests")
    assert requests is not None and requests.samples, "expected samples of http_requests_total"
    for sample in requests.samples:
        if sample.name == "http_requests_total":
            assert set(sample.labels) == {"method", "route", "status"}, (
                "expected http_requests_total labels to be exactly method, route and status, "
                f"got {sorted(sample.labels)}"
            )
    duration = parsed.family("http_request_duration_seconds")
    assert duration is not None, "expected the http_request_duration_seconds histogram"
    for sample in duration.samples:
        if sample.name == "http_request_duration_seconds_count":
            assert set(sample.labels) == {"method", "route"}, (
                "expected http_request_duration_seconds labels to be method and route, "
                f"got {sorted(sample.labels)}"
            )
    kinds = parsed.family("ledger_transactions")
    assert kinds is not None, "expected the ledger_transactions_total counter"
    for sample in kinds.samples:
        if sample.name == "ledger_transactions_total":
            assert set(sample.labels) == {"kind"}, (
                "expected ledger_transactions_total to have one label, kind; "
                f"got {sorted(sample.labels)}"
            )


@pytest.mark.check("observability.metrics.http_requests")
def test_request_counter_and_histogram_move_by_exactly_n(api: Api, anon: Api) -> None:
    account = create_account(api)
    ghost = fake_id_like(account["id"], seed=61)
    # count creations under the status the service answers (the exact 201 is api_design's)
    probe = api.post(ACCOUNTS, json={"name": "probe", "currency": "USD"})
    created = str(probe.status_code)

    def burst() -> None:
        for _ in range(7):
            api.get(f"{ACCOUNTS}/{account['id']}")
        for _ in range(3):
            api.get(f"{ACCOUNTS}/{ghost}")
        for i in range(4):
            api.post(ACCOUNTS, json={"name": f"m{i}", "currency": "USD"})

    series = [
        ("http_requests_total", {"method": "GET", "route": ACCOUNT_ROUTE, "status": "200"}, 7),
        ("http_requests_total", {"method": "GET", "route": ACCOUNT_ROUTE, "status": "404"}, 3),
        ("http_requests_total", {"method": "POST", "route": "/v1/accounts", "status": created}, 4),
        ("http_request_duration_seconds_count", {"method": "GET", "route": ACCOUNT_ROUTE}, 10),
        ("http_request_duration_seconds_count", {"method": "POST", "route": "/v1/accounts"}, 4),
    ]
    observed = exact_delta(anon, burst, series)
    assert all(abs(d - e) < 1e-9 for d, e in observed.values()), _describe_mismatch(observed)


@pytest.mark.check("observability.metrics.http_requests")
def test_histogram_buckets_are_consistent(api: Api, anon: Api) -> None:
    api.get(ACCOUNTS)
    parsed = scrape(anon)
    duration = parsed.family("http_request_duration_seconds")
    assert duration is not None, "expected the http_request_duration_seconds histogram"
    labels = {"method": "GET", "route": "/v1/accounts"}
    count = parsed.value("http_request_duration_seconds_count", labels)
    inf = sum(
        s.value
        for s in duration.samples
        if s.name == "http_request_duration_seconds_bucket"
        and s.labels.get("le") in ("+Inf", "inf")
        and all(s.labels.get(k) == v for k, v in labels.items())
    )
    assert count >= 1, "expected GET /v1/accounts to be counted in the duration histogram"
    assert inf == count, "expected the +Inf bucket of the duration histogram to equal its count"


@pytest.mark.check("observability.metrics.route_labels")
def test_labels_use_route_templates_never_ids(tenant: Tenant, anon: Api) -> None:
    api = tenant.api
    real = create_account(api)
    ids = [fake_id_like(real["id"], seed=1000 + i) for i in range(45)]
    ids += [create_account(api)["id"] for _ in range(5)]
    unknown = [f"/v1/unknown/{uuid.uuid4().hex}" for _ in range(5)]

    def burst() -> None:
        for account_id in ids:
            api.get(f"{ACCOUNTS}/{account_id}")
            api.get(f"{ACCOUNTS}/{account_id}/entries")
        for path in unknown:
            api.get(path)

    observed = exact_delta(
        anon,
        burst,
        [
            ("http_request_duration_seconds_count", {"method": "GET", "route": ACCOUNT_ROUTE}, 50),
            (
                "http_request_duration_seconds_count",
                {"method": "GET", "route": f"{ACCOUNT_ROUTE}/entries"},
                50,
            ),
            ("http_request_duration_seconds_count", {"method": "GET", "route": "unmatched"}, 5),
        ],
    )
    assert all(abs(d - e) < 1e-9 for d, e in observed.values()), _describe_mismatch(observed)
    parsed = scrape(anon)
    secrets_in_labels = [real["id"], tenant.id, *ids, *(p.rsplit("/", 1)[1] for p in unknown)]
    for name, value in parsed.label_values(""):
        for forbidden in secrets_in_labels:
            assert forbidden not in value, (
                "expected bounded metric labels (route templates), "
                f"found an id in the {name!r} label"
            )


@pytest.mark.check("observability.metrics.business")
def test_deposits_and_replays_are_counted(api: Api, anon: Api) -> None:
    account = create_account(api)

    def burst() -> None:
        for _ in range(5):
            deposit(api, account["id"], 2)
        key = new_key()
        for _ in range(3):  # one deposit, then two replays
            api.post(DEPOSITS, json={"account_id": account["id"], "amount": 9}, idem=key)

    observed = exact_delta(
        anon,
        burst,
        [
            ("ledger_transactions_total", {"kind": "deposit"}, 6),
            ("ledger_idempotent_replays_total", {}, 2),
        ],
    )
    assert all(abs(d - e) < 1e-9 for d, e in observed.values()), _describe_mismatch(observed)


@pytest.mark.check("observability.metrics.transaction_kinds")
def test_withdrawals_transfers_and_batch_items_are_counted(api: Api, anon: Api) -> None:
    def burst() -> None:
        a = funded_account(api, 1_000)
        b = create_account(api)
        expect_success(withdraw(api, a["id"], 10), "for a covered withdrawal")
        expect_success(withdraw(api, a["id"], 10), "for a covered withdrawal")
        withdraw(api, b["id"], 10)  # refused: insufficient funds, not counted
        expect_success(transfer(api, a["id"], b["id"], 10), "for a valid transfer")
        expect_success(
            batch(api, [(a["id"], b["id"], 1), (a["id"], b["id"], 2), (b["id"], a["id"], 3)]),
            "for a valid batch",
        )

    observed = exact_delta(
        anon,
        burst,
        [
            ("ledger_transactions_total", {"kind": "withdrawal"}, 2),
            ("ledger_transactions_total", {"kind": "transfer"}, 4),
            ("ledger_transactions_total", {"kind": "deposit"}, 1),
        ],
    )
    assert all(abs(d - e) < 1e-9 for d, e in observed.values()), _describe_mismatch(observed)
