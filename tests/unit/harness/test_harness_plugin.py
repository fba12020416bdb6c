"""ResultsPlugin: each hidden test becomes one JSON line with its check, verdict and evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

SUITE = '''
import httpx
import pytest


class HarnessError(Exception):
    """The name the plugin reads as "the harness itself is broken"."""


@pytest.fixture
def tenant():
    raise RuntimeError("tenant creation failed\\nsecond line")


@pytest.mark.check("data.balance")
def test_passes():
    assert 1 + 1 == 2


@pytest.mark.check("data.balance")
def test_fails_with_message():
    balance = 90
    assert balance == 100, "Balance should be 100 after a deposit\\nthe service said 90"


@pytest.mark.check("data.transfers")
def test_connection_refused():
    raise httpx.ConnectError("All connection attempts failed")


@pytest.mark.check("data.transfers")
def test_read_timeout():
    raise httpx.ReadTimeout("timed out")


@pytest.mark.check("security.auth")
def test_harness_broken():
    raise HarnessError("GRADER_ADMIN_TOKEN is unset")


@pytest.mark.check("security.auth")
def test_skipped():
    pytest.skip("needs the admin API")


@pytest.mark.check("security.isolation")
def test_setup_fails(tenant):
    pass


@pytest.mark.check("security.isolation")
def test_records_exchanges(request):
    exchanges = [{"method": "GET", "path": "/accounts/1", "status": 404}]
    request.node.user_properties.append(("exchanges", exchanges))
    assert exchanges[0]["status"] == 200, "GET /accounts/1 should find the account"


def test_without_check():
    pass
'''

HYPOTHESIS_SUITE = """
import pytest
from hypothesis import given, settings, strategies as st


@pytest.mark.check("data.amounts")
@settings(database=None, derandomize=True, max_examples=50)
@given(st.integers(min_value=0, max_value=1000))
def test_amounts_round_trip(amount):
    assert amount < 10, "amounts of 10 or more are rejected"
"""

RunHarness = Callable[..., list[dict[str, Any]]]


def verdicts_of(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["nodeid"].split("::")[-1]: r for r in records if r["type"] == "test"}


@pytest.fixture(scope="module")
def suite_records(run_harness: RunHarness) -> list[dict[str, Any]]:
    return run_harness({"test_plugin_suite.py": SUITE})


@pytest.fixture(scope="module")
def verdicts(suite_records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return verdicts_of(suite_records)


def test_one_record_per_test_after_the_collected_count(
    suite_records: list[dict[str, Any]],
) -> None:
    tests = [r for r in suite_records if r["type"] == "test"]

    assert suite_records[0] == {"type": "collected", "count": 9}
    assert len(tests) == 9
    assert len({t["nodeid"] for t in tests}) == 9


def test_records_carry_the_declared_check(verdicts: dict[str, dict[str, Any]]) -> None:
    assert verdicts["test_passes"]["check"] == "data.balance"
    assert verdicts["test_records_exchanges"]["check"] == "security.isolation"
    assert verdicts["test_without_check"]["check"] is None


def test_passing_test_is_passed_without_message(verdicts: dict[str, dict[str, Any]]) -> None:
    record = verdicts["test_passes"]

    assert record["outcome"] == "passed"
    assert record["message"] == ""
    assert record["exception"] is None
    assert record["duration"] >= 0


def test_failed_assertion_keeps_the_first_line_of_its_message(
    verdicts: dict[str, dict[str, Any]],
) -> None:
    record = verdicts["test_fails_with_message"]

    assert record["outcome"] == "failed"
    assert record["message"] == "Balance should be 100 after a deposit"
    assert record["exception"] == "AssertionError"
    assert record["phase"] == "call"
    assert "the service said 90" in record["longrepr"]


@pytest.mark.parametrize(
    ("test", "message"),
    [
        ("test_connection_refused", "ConnectError: All connection attempts failed"),
        ("test_read_timeout", "ReadTimeout: timed out"),
    ],
)
def test_http_client_exception_fails_with_its_class_name(
    verdicts: dict[str, dict[str, Any]], test: str, message: str
) -> None:
    record = verdicts[test]

    assert record["outcome"] == "failed"
    assert record["message"] == message
    assert record["exception"] == message.partition(":")[0]


def test_harness_error_is_an_error_not_a_failure(verdicts: dict[str, dict[str, Any]]) -> None:
    record = verdicts["test_harness_broken"]

    assert record["outcome"] == "error"
    assert record["exception"] == "HarnessError"
    assert record["message"] == "HarnessError: GRADER_ADMIN_TOKEN is unset"


def test_skipped_test_is_skipped_with_its_reason(verdicts: dict[str, dict[str, Any]]) -> None:
    record = verdicts["test_skipped"]

    assert record["outcome"] == "skipped"
    assert record["message"] == "Skipped: needs the admin API"


def test_failing_fixture_fails_the_test_in_setup(verdicts: dict[str, dict[str, Any]]) -> None:
    record = verdicts["test_setup_fails"]

    assert record["outcome"] == "failed"
    assert record["phase"] == "setup"
    assert record["message"] == "RuntimeError: tenant creation failed"


def test_exchanges_from_user_properties_are_carried(
    verdicts: dict[str, dict[str, Any]],
) -> None:
    record = verdicts["test_records_exchanges"]

    assert record["outcome"] == "failed"
    assert record["message"] == "GET /accounts/1 should find the account"
    assert record["exchanges"] == [{"method": "GET", "path": "/accounts/1", "status": 404}]
    assert verdicts["test_passes"]["exchanges"] == []


def test_failing_property_carries_hypothesis_notes(run_harness: RunHarness) -> None:
    pytest.importorskip("hypothesis")

    record = verdicts_of(run_harness({"test_plugin_properties.py": HYPOTHESIS_SUITE}))[
        "test_amounts_round_trip"
    ]

    assert record["outcome"] == "failed"
    assert record["message"] == "amounts of 10 or more are rejected"
    assert any("amount=10" in note for note in record["notes"])


@pytest.mark.parametrize(
    ("only", "kept"),
    [
        pytest.param(
            "security",
            {"test_harness_broken", "test_skipped", "test_setup_fails", "test_records_exchanges"},
            id="by-skill",
        ),
        pytest.param(
            "data.transfers", {"test_connection_refused", "test_read_timeout"}, id="by-check-id"
        ),
        pytest.param(
            "data.balance,security.auth",
            {"test_passes", "test_fails_with_message", "test_harness_broken", "test_skipped"},
            id="several",
        ),
        pytest.param("data.bal", set(), id="prefix-must-end-at-a-dot"),
    ],
)
def test_only_deselects_other_checks(run_harness: RunHarness, only: str, kept: set[str]) -> None:
    records = run_harness({"test_plugin_suite.py": SUITE}, only=only)

    assert set(verdicts_of(records)) == kept
    assert records[0] == {"type": "collected", "count": len(kept)}


def test_collection_error_is_reported(run_harness: RunHarness) -> None:
    records = run_harness(
        {
            "test_plugin_ok.py": SUITE,
            "test_plugin_broken.py": "import no_such_module_for_the_harness\n",
        }
    )

    errors = [r for r in records if r["type"] == "collection_error"]
    assert [e["nodeid"] for e in errors] == ["test_plugin_broken.py"]
    assert "no_such_module_for_the_harness" in errors[0]["longrepr"]
    assert not [r for r in records if r["type"] == "test"]
