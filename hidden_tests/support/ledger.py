"""Domain helpers: tenants, accounts, money movements and cursor walks over the HTTP API."""

from __future__ import annotations

import random
import string
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from support.client import Api, body_of, new_key
from support.problems import problem_code

ACCOUNTS = "/v1/accounts"
DEPOSITS = "/v1/deposits"
WITHDRAWALS = "/v1/withdrawals"
TRANSFERS = "/v1/transfers"
BATCH = "/v1/transfers/batch"
TRANSACTIONS = "/v1/transactions"

RFC3339_MICRO_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"


class SetupError(AssertionError):
    """A step the test needs before it can check anything failed."""


def is_success(response: httpx.Response) -> bool:
    """Any 2xx: setup steps accept it, so an exact status is charged only by the check owning it."""
    return 200 <= response.status_code < 300


@dataclass
class Tenant:
    id: str
    name: str
    api_key: str
    api: Api
    created: dict[str, Any]


def unique_name(prefix: str = "grader") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def create_tenant(admin: Api, name: str | None = None) -> Tenant:
    name = name or unique_name("tenant")
    response = admin.post("/admin/tenants", json={"name": name})
    body = body_of(response)
    if not is_success(response) or not isinstance(body, dict):
        raise SetupError(
            f"could not create a tenant: POST /admin/tenants answered {response.status_code}"
        )
    for field in ("id", "api_key"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise SetupError(
                f"POST /admin/tenants answered {response.status_code} without a string {field!r}"
            )
    return Tenant(
        id=body["id"],
        name=name,
        api_key=body["api_key"],
        api=admin.as_key(body["api_key"]),
        created=body,
    )


def _setup_step(response: httpx.Response, what: str) -> dict[str, Any]:
    """The JSON object of a successful (any 2xx) setup request; a SetupError otherwise."""
    body = body_of(response)
    if not is_success(response) or not isinstance(body, dict):
        code = problem_code(response)
        suffix = f" ({code})" if code else ""
        raise SetupError(f"setup step failed: {what} answered {response.status_code}{suffix}")
    return body


def create_account(api: Api, currency: str = "USD", name: str | None = None) -> dict[str, Any]:
    response = api.post(ACCOUNTS, json={"name": name or unique_name("acct"), "currency": currency})
    body = _setup_step(response, "creating an account (POST /v1/accounts)")
    if not isinstance(body.get("id"), str):
        raise SetupError("setup step failed: POST /v1/accounts returned no string id")
    return body


def get_account(api: Api, account_id: str) -> dict[str, Any]:
    return _setup_step(api.get(f"{ACCOUNTS}/{account_id}"), "reading an account")


def balance_of(api: Api, account_id: str) -> int:
    body = get_account(api, account_id)
    balance = body.get("balance")
    if type(balance) is not int:
        raise SetupError("setup step failed: GET /v1/accounts/{account_id} has no integer balance")
    return balance


def deposit(api: Api, account_id: str, amount: int, **kw: Any) -> httpx.Response:
    body: dict[str, Any] = {"account_id": account_id, "amount": amount}
    if "description" in kw:
        body["description"] = kw.pop("description")
    return api.post(DEPOSITS, json=body, idem=kw.pop("idem", new_key("dep")), **kw)


def withdraw(api: Api, account_id: str, amount: int, **kw: Any) -> httpx.Response:
    body: dict[str, Any] = {"account_id": account_id, "amount": amount}
    if "description" in kw:
        body["description"] = kw.pop("description")
    return api.post(WITHDRAWALS, json=body, idem=kw.pop("idem", new_key("wd")), **kw)


def transfer(api: Api, src: str, dst: str, amount: int, **kw: Any) -> httpx.Response:
    body: dict[str, Any] = {"from_account_id": src, "to_account_id": dst, "amount": amount}
    if "description" in kw:
        body["description"] = kw.pop("description")
    return api.post(TRANSFERS, json=body, idem=kw.pop("idem", new_key("tr")), **kw)


def batch(api: Api, items: list[tuple[str, str, int]], **kw: Any) -> httpx.Response:
    body = {
        "transfers": [{"from_account_id": s, "to_account_id": d, "amount": a} for s, d, a in items]
    }
    return api.post(BATCH, json=body, idem=kw.pop("idem", new_key("batch")), **kw)


def fund(api: Api, account_id: str, amount: int) -> dict[str, Any]:
    """Deposit as a setup step (deposits exist in the starter, so this never hides a feature)."""
    return _setup_step(deposit(api, account_id, amount), "depositing into an account")


def funded_account(api: Api, amount: int, currency: str = "USD") -> dict[str, Any]:
    account = create_account(api, currency)
    if amount:
        fund(api, account["id"], amount)
    return account


def entries_page(
    api: Api, account_id: str, **params: Any
) -> tuple[httpx.Response, dict[str, Any] | None]:
    response = api.get(f"{ACCOUNTS}/{account_id}/entries", params=params or None)
    body = body_of(response)
    return response, body if isinstance(body, dict) else None


def all_entries(api: Api, account_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """Every entry of an account, newest first, following the cursor (setup/verification step)."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(1000):
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = _setup_step(
            api.get(f"{ACCOUNTS}/{account_id}/entries", params=params), "listing entries"
        )
        data = body.get("data")
        if not isinstance(data, list):
            raise SetupError("listing entries returned no 'data' list")
        out.extend(data)
        cursor = body.get("next_cursor")
        if not cursor:
            return out
    raise SetupError("listing entries never ended (next_cursor never became null)")


def fake_id_like(real_id: str, seed: int | None = None) -> str:
    """An id with the same prefix and shape as ``real_id`` that almost surely does not exist."""
    rng = random.Random(seed)
    prefix, sep, rest = real_id.rpartition("_")
    if not sep:
        prefix, rest = "", real_id
    out = []
    for ch in rest:
        if ch.isdigit():
            out.append(rng.choice(string.digits))
        elif ch.isupper():
            out.append(rng.choice(string.ascii_uppercase))
        elif ch.islower():
            out.append(rng.choice(string.ascii_lowercase))
        else:
            out.append(ch)
    candidate = prefix + sep + "".join(out)
    if candidate == real_id:  # astronomically unlikely; flip the last char
        candidate = candidate[:-1] + ("0" if candidate[-1] != "0" else "1")
    return candidate


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def fmt_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shift_ts(value: str, microseconds: int) -> str:
    return fmt_ts(parse_ts(value) + timedelta(microseconds=microseconds))
