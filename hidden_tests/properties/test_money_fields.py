"""Out-of-contract numbers a real client might send in every money field: never a 5xx.

The schema fuzzer generates amounts from the contract's integer type, so it never sends what a
careless client does (``10.5``, ``1e3``, numbers beyond 64 bits, strings, ``null``). Which 4xx
each value deserves is judged by ``api_design.validation.amounts``; here only a server error
counts, and it fails ``reliability.input.no_server_errors`` outright.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from support.client import Api, new_key
from support.ledger import (
    BATCH,
    DEPOSITS,
    TRANSFERS,
    WITHDRAWALS,
    create_account,
    funded_account,
)
from support.problems import assert_not_server_error, problem_code

# Raw JSON text, sent in place of the amount: fractions, exponents, beyond 64 bits, other types.
HOSTILE_AMOUNTS = (
    "10.5",
    "0.5",
    "1e3",
    "1E2",
    "1.0",
    "-0.5",
    "1e400",
    "-1e400",
    "9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    '"100"',
    '"10.5"',
    '"1e3"',
    "null",
    "true",
    "[]",
    "{}",
)
PLACEHOLDER = "__amount__"

BodyFor = Callable[[str, str], dict]
BODIES: dict[str, tuple[str, BodyFor]] = {
    "deposit": (DEPOSITS, lambda a, b: {"account_id": a, "amount": PLACEHOLDER}),
    "withdrawal": (WITHDRAWALS, lambda a, b: {"account_id": a, "amount": PLACEHOLDER}),
    "transfer": (
        TRANSFERS,
        lambda a, b: {"from_account_id": a, "to_account_id": b, "amount": PLACEHOLDER},
    ),
    "batch": (
        BATCH,
        lambda a, b: {
            "transfers": [
                {"from_account_id": a, "to_account_id": b, "amount": 1},
                {"from_account_id": a, "to_account_id": b, "amount": PLACEHOLDER},
            ]
        },
    ),
}


def _raw_body(template: dict, raw_amount: str) -> bytes:
    """``template`` as JSON with its placeholder replaced by ``raw_amount`` verbatim."""
    return json.dumps(template).replace(json.dumps(PLACEHOLDER), raw_amount).encode("utf-8")


@pytest.mark.check("reliability.input.no_server_errors")
@pytest.mark.parametrize("operation", sorted(BODIES))
def test_hostile_amounts_never_get_a_server_error(api: Api, operation: str) -> None:
    path, body_for = BODIES[operation]
    source = funded_account(api, 1_000_000)
    target = create_account(api)
    template = body_for(source["id"], target["id"])
    for raw in HOSTILE_AMOUNTS:
        response = api.post(
            path,
            content=_raw_body(template, raw),
            headers={"Content-Type": "application/json"},
            idem=new_key(),
        )
        if response.status_code == 501 and problem_code(response) == "not_implemented":
            return  # a missing feature, charged to its own checks
        assert_not_server_error(response, f"for a {operation} whose amount is {raw}")
