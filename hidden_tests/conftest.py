"""Fixtures and configuration shared by the hidden suites.

Every test carries exactly one ``@pytest.mark.check("<skill>.<area>.<name>")`` naming a check of
``rubric.toml``. Every test records its HTTP exchanges (last 20, secrets masked) in
``item.user_properties`` under ``"exchanges"``; the grader's plugin turns them into evidence.
"""
# ledger-grader canary: lgc-752e416f-e822-4238-bcf9-61b5b5f428e6

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from support import env  # noqa: E402
from support.client import Api, ExchangeLog  # noqa: E402
from support.ledger import SetupError, Tenant, create_tenant  # noqa: E402

collect_ignore = ["reference"]

# Hypothesis keeps caches on disk: never in the (possibly read-only) working tree.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "grader-hidden-tests-hypothesis")

HYPOTHESIS_PROFILE = "grader"
settings.register_profile(
    HYPOTHESIS_PROFILE,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    report_multiple_bugs=False,
    max_examples=15,
    stateful_step_count=20,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)
settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "check(check_id): the rubric check (hidden_tests/rubric.toml) this test feeds"
    )
    settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    bad = [
        item.nodeid
        for item in items
        if item.path.resolve().is_relative_to(HERE) and len(list(item.iter_markers("check"))) != 1
    ]
    if bad:
        raise pytest.UsageError(
            "hidden tests must carry exactly one @pytest.mark.check: " + ", ".join(bad)
        )


@pytest.fixture(autouse=True)
def exchange_log(request: pytest.FixtureRequest) -> ExchangeLog:
    log = ExchangeLog()
    # the list is shared, so exchanges recorded later in the test still reach the report
    request.node.user_properties.append(("exchanges", log.items))
    return log


@pytest.fixture
def base_url() -> str:
    return env.base_url()


@pytest.fixture
def anon(base_url: str, exchange_log: ExchangeLog) -> Iterator[Api]:
    api = Api(base_url, exchange_log)
    yield api
    api.close()


@pytest.fixture
def admin(base_url: str, exchange_log: ExchangeLog) -> Iterator[Api]:
    api = Api(base_url, exchange_log, admin_token=env.admin_token())
    yield api
    api.close()


@pytest.fixture
def make_tenant(admin: Api) -> Callable[[], Tenant]:
    def factory() -> Tenant:
        try:
            return create_tenant(admin)
        except SetupError as exc:
            pytest.fail(str(exc), pytrace=False)

    return factory


@pytest.fixture
def tenant(make_tenant: Callable[[], Tenant]) -> Tenant:
    return make_tenant()


@pytest.fixture
def other_tenant(make_tenant: Callable[[], Tenant]) -> Tenant:
    return make_tenant()


@pytest.fixture
def api(tenant: Tenant) -> Api:
    """The authenticated client of this test's own tenant."""
    return tenant.api
