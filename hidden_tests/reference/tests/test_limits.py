"""The 1 MiB body limit, by Content-Length and while streaming, and over-long JSON numbers."""

from collections.abc import Iterator

import httpx
from fastapi.testclient import TestClient

from app.errors import MAX_BODY_BYTES
from tests.conftest import Api, new_key


def _oversized_json() -> bytes:
    return b'{"name": "' + b"x" * MAX_BODY_BYTES + b'", "currency": "USD"}'


def test_declared_oversized_body_is_413(tenant: Api, client: TestClient) -> None:
    response = client.post("/v1/accounts", content=_oversized_json(), headers=tenant.headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large"
    assert "x-request-id" in response.headers


def test_oversized_body_on_any_route_is_413(client: TestClient) -> None:
    assert client.post("/healthz", content=b"x" * (MAX_BODY_BYTES + 1)).status_code == 413


def test_body_at_the_limit_is_read(tenant: Api, client: TestClient) -> None:
    body = b'{"name": "n", "currency": "USD"}'
    padded = body[:-1] + b" " * (MAX_BODY_BYTES - len(body)) + b"}"
    headers = {**tenant.headers, "Content-Type": "application/json"}
    assert client.post("/v1/accounts", content=padded, headers=headers).status_code == 201


def test_streamed_oversized_body_is_413(tenant: Api, live_url: str) -> None:
    def chunks() -> Iterator[bytes]:
        data = _oversized_json()
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    headers = {**tenant.headers, "Content-Type": "application/json"}
    with httpx.Client(base_url=live_url) as http:
        response = http.post("/v1/accounts", content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_integer_longer_than_python_parses_is_422(tenant: Api, client: TestClient) -> None:
    account = tenant.create_account()
    content = f'{{"account_id": "{account}", "amount": {"9" * 5000}}}'.encode()
    headers = {**tenant.headers, "Idempotency-Key": new_key(), "Content-Type": "application/json"}
    response = client.post("/v1/deposits", content=content, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "amount"


def test_exponent_notation_is_422(tenant: Api, client: TestClient) -> None:
    account = tenant.create_account()
    content = f'{{"account_id": "{account}", "amount": 1e3}}'.encode()
    headers = {**tenant.headers, "Idempotency-Key": new_key(), "Content-Type": "application/json"}
    assert client.post("/v1/deposits", content=content, headers=headers).status_code == 422
