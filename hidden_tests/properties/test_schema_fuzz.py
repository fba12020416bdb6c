"""Schema-driven fuzzing with Schemathesis (requests generated from the contract's openapi.yaml).

* ``reliability.fuzz.no_server_errors``: valid and invalid generated requests to every operation
  never get a 5xx (a 501 ``not_implemented`` stub is a missing feature, charged elsewhere).
* ``api_design.contract.response_schemas``: responses to valid generated requests match the
  documented status codes, content types and schemas.

Generation is derandomized with a fixed number of examples per operation, so every run sends the
same requests. Path ids are a fresh tenant's real ids half of the time so requests get past 404.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from support import env
from support.client import ExchangeLog
from support.ledger import Tenant, create_account, fund

POSITIVE_EXAMPLES = 20
NEGATIVE_EXAMPLES = 15
SKIP_OPERATIONS = {"GET /metrics"}  # plain text, covered by the observability checks


def _load_schema() -> Any:
    try:
        import schemathesis
    except ImportError:  # pragma: no cover - the harness image has it
        pytest.fail("schemathesis is not installed in the test environment", pytrace=False)
    path = env.openapi_path()
    schema = schemathesis.openapi.from_path(str(path))
    return schema


def _operations(schema: Any) -> list[Any]:
    out = []
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label not in SKIP_OPERATIONS:
            out.append(operation)
    return out


def _headers(operation: Any, tenant: Tenant) -> dict[str, str]:
    headers = {"Idempotency-Key": f"fuzz-{uuid.uuid4().hex}"}
    if operation.path.startswith("/admin/"):
        headers["X-Admin-Token"] = env.admin_token()
    else:
        headers["Authorization"] = f"Bearer {tenant.api_key}"
    return headers


def _record(log: ExchangeLog, response: Any) -> None:
    request = response.request
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    log.record_raw(
        method=request.method or "",
        path=request.path_url,
        request_headers=dict(request.headers),
        request_body=body,
        status=response.status_code,
        response_headers={k: ", ".join(v) for k, v in response.headers.items()},
        response_body=response.content or b"",
    )


def _fuzz(
    tenant: Tenant,
    log: ExchangeLog,
    mode_name: str,
    examples: int,
    judge: Callable[[Any, Any], str | None],
) -> list[str]:
    """Run every operation; returns one candidate-safe sentence per failing operation."""
    from schemathesis import GenerationMode

    schema = _load_schema()
    base_url = env.base_url()
    mode = GenerationMode.POSITIVE if mode_name == "positive" else GenerationMode.NEGATIVE
    account = create_account(tenant.api)["id"]
    txn = fund(tenant.api, account, 1_000_000)["id"]
    peers = [create_account(tenant.api)["id"], create_account(tenant.api, "EUR")["id"]]
    real_ids = {"account_id": account, "transaction_id": txn}
    problems: list[str] = []
    for operation in _operations(schema):
        label = f"{operation.method.upper()} {operation.path}"
        names = {p.name for p in operation.path_parameters}
        fixed = {k: v for k, v in real_ids.items() if k in names}
        strategies = [operation.as_strategy(generation_mode=mode)]
        if fixed:
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
        found = _run_operation(
            st.one_of(strategies), examples, tenant, base_url, judge, [account, *peers]
        )
        if found:
            _record(log, found[1])
            problems.append(f"{label}: {found[0]}")
    return problems


def _run_operation(
    strategy: Any,
    examples: int,
    tenant: Tenant,
    base_url: str,
    judge: Callable[[Any, Any], str | None],
    accounts: list[str],
) -> tuple[str, Any] | None:
    """The first failing verdict (and its response) among ``examples`` generated cases."""
    found: list[tuple[str, Any]] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, real=st.booleans(), pick=st.integers(0, 2))
    def run(case: Any, real: bool, pick: int) -> None:
        if found:
            return
        if real:
            _use_real_accounts(case.body, accounts, pick)
        response = case.call(
            base_url=base_url, headers=_headers(case.operation, tenant), timeout=10
        )
        verdict = judge(case, response)
        if verdict:
            found.append((verdict, response))

    try:
        run()
    except Unsatisfiable:
        return None  # nothing invalid can be generated for this operation (e.g. no inputs)
    return found[0] if found else None


def _use_real_accounts(body: Any, accounts: list[str], pick: int) -> None:
    """Point generated account ids at real accounts so requests reach the business rules."""
    items = body.get("transfers") if isinstance(body, dict) else None
    targets = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else [body]
    for item in targets:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("account_id"), str):
            item["account_id"] = accounts[0]
        if isinstance(item.get("from_account_id"), str):
            item["from_account_id"] = accounts[0]
        if isinstance(item.get("to_account_id"), str):
            item["to_account_id"] = accounts[pick]


def _not_a_server_error(_case: Any, response: Any) -> str | None:
    status = response.status_code
    if status < 500:
        return None
    if status == 501 and b"not_implemented" in (response.content or b""):
        return None
    return f"answered {status} to a generated request"


def _conformance(case: Any, response: Any) -> str | None:
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    if response.status_code == 501 and b"not_implemented" in (response.content or b""):
        return None  # a missing feature, charged to its own checks
    try:
        case.validate_response(
            response,
            checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
        )
    except AssertionError as exc:
        title = getattr(exc, "exceptions", [exc])[0]
        kind = getattr(title, "title", "does not match the contract")
        return f"a {response.status_code} response that violates the contract ({kind})"
    return None


@pytest.mark.check("reliability.fuzz.no_server_errors")
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_generated_requests_never_get_a_server_error(
    tenant: Tenant, exchange_log: ExchangeLog, mode: str
) -> None:
    examples = POSITIVE_EXAMPLES if mode == "positive" else NEGATIVE_EXAMPLES
    problems = _fuzz(tenant, exchange_log, mode, examples, _not_a_server_error)
    assert not problems, (
        f"expected no 5xx for {'valid' if mode == 'positive' else 'invalid'} generated requests; "
        + "; ".join(problems)
    )


@pytest.mark.check("api_design.contract.response_schemas")
def test_responses_match_the_documented_schemas(tenant: Tenant, exchange_log: ExchangeLog) -> None:
    problems = _fuzz(tenant, exchange_log, "positive", POSITIVE_EXAMPLES, _conformance)
    assert not problems, (
        "expected every response to match the documented status codes and schemas; "
        + "; ".join(problems)
    )
