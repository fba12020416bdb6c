"""Property-based contract test: generated requests, responses validated against openapi.yaml."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings

from app.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_TOKEN, serve

OPENAPI = Path(__file__).resolve().parents[1] / "openapi.yaml"


@pytest.fixture(scope="module")
def contract_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A live server and the API key of a tenant with two funded accounts."""
    data_dir = tmp_path_factory.mktemp("contract")
    with serve(create_app(Settings(admin_token=ADMIN_TOKEN, data_dir=data_dir))) as url:
        tenant = httpx.post(
            f"{url}/admin/tenants",
            json={"name": "contract"},
            headers={"X-Admin-Token": ADMIN_TOKEN},
        ).json()
        yield url, tenant["api_key"]


schemathesis = pytest.importorskip("schemathesis", reason="dev tool (requirements-dev.txt)")
if not OPENAPI.is_file():
    pytest.skip(f"the contract {OPENAPI} does not exist yet", allow_module_level=True)
schema = schemathesis.openapi.from_path(OPENAPI)


@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_matches_the_contract(
    case: schemathesis.Case, contract_server: tuple[str, str]
) -> None:
    url, api_key = contract_server
    headers = {"X-Admin-Token": ADMIN_TOKEN}
    if case.path.startswith("/v1/"):
        headers["Authorization"] = f"Bearer {api_key}"
    # positive_data_acceptance is left out on purpose: JSON Schema calls 1.0 an integer and any
    # string a valid cursor, while the contract's prose rejects float amounts (422) and cursors
    # this service did not issue (400). Every other check, negative data included, applies.
    excluded = [schemathesis.checks.positive_data_acceptance]
    case.call_and_validate(base_url=url, headers=headers, excluded_checks=excluded)
