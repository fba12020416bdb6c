"""Prometheus series: HTTP requests by route template, durations, business counters."""

import re
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_TOKEN, Api, new_key


def _value(text: str, series: str) -> float:
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_http_requests_by_route_template(tenant: Api, client: TestClient) -> None:
    account = tenant.create_account()
    tenant.get(f"/v1/accounts/{account}")
    tenant.get("/v1/accounts/acc_missing")
    client.get(f"/v9/{account}")
    client.request("BREW", "/healthz")
    text = client.get("/metrics").text
    template = "/v1/accounts/{account_id}"
    assert _value(text, f'http_requests_total{{method="GET",route="{template}",status="200"}}') == 1
    assert _value(text, f'http_requests_total{{method="GET",route="{template}",status="404"}}') == 1
    assert _value(text, 'http_requests_total{method="GET",route="unmatched",status="404"}') == 1
    assert _value(text, 'http_requests_total{method="OTHER",route="/healthz",status="405"}') == 1
    assert (
        f'http_request_duration_seconds_bucket{{le="0.005",method="GET",route="{template}"}}'
        in text
    )
    assert account not in text
    assert tenant.tenant_id not in text


def test_business_counters(tenant: Api, client: TestClient) -> None:
    source, target = tenant.funded_account(100), tenant.create_account()
    key = new_key()
    tenant.withdraw(source, 1, key=key)
    tenant.withdraw(source, 1, key=key)  # replay: not a new transaction
    tenant.withdraw(source, 10_000)  # business failure: nothing committed
    items = [{"from_account_id": source, "to_account_id": target, "amount": 1}] * 3
    tenant.post("/v1/transfers/batch", {"transfers": items}, new_key())
    text = client.get("/metrics").text
    assert _value(text, 'ledger_transactions_total{kind="deposit"}') == 1
    assert _value(text, 'ledger_transactions_total{kind="withdrawal"}') == 1
    assert _value(text, 'ledger_transactions_total{kind="transfer"}') == 3
    assert _value(text, "ledger_idempotent_replays_total") == 1


def test_each_app_has_its_own_registry(tmp_path: Path, client: TestClient) -> None:
    client.get("/healthz")
    other = create_app(Settings(admin_token=ADMIN_TOKEN, data_dir=tmp_path / "other"))
    with TestClient(other) as fresh:
        text = fresh.get("/metrics").text
    assert 'route="/healthz"' not in text
