"""Keyset pagination: walking the cursor while new items are written never skips nor repeats.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import pytest
from support.client import Api
from support.ledger import ACCOUNTS, create_account, fund
from support.problems import expect_status


def _walk(api: Api, path: str, limit: int, between: object) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        params: dict = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = expect_status(api.get(path, params=params), 200, "for a page of a listing")
        seen.extend(item["id"] for item in page["data"])
        cursor = page["next_cursor"]
        if not cursor:
            return seen
        between()  # type: ignore[operator]
    raise AssertionError("expected the listing to end (next_cursor null) after a bounded walk")


@pytest.mark.check("data.pagination.entries_stable")
@pytest.mark.parametrize("limit", [7, 1])
def test_entries_walk_while_writing_no_skip_no_repeat(api: Api, limit: int) -> None:
    account = create_account(api)
    original = [fund(api, account["id"], 1)["entries"][0]["id"] for _ in range(15)]
    written_during: list[str] = []

    def write() -> None:
        for _ in range(2):
            written_during.append(fund(api, account["id"], 1)["entries"][0]["id"])

    seen = _walk(api, f"{ACCOUNTS}/{account['id']}/entries", limit, write)
    repeated = len(seen) - len(set(seen))
    assert repeated == 0, (
        f"expected no entry twice while walking the cursor during writes, {repeated} repeated"
    )
    missing = [i for i in original if i not in seen]
    assert not missing, (
        f"expected every entry that existed when the walk began, {len(missing)} were skipped"
    )
    assert seen == list(reversed(original)), (
        "expected the walk to return the entries that existed when it began, newest first"
    )


@pytest.mark.check("data.pagination.accounts_stable")
def test_accounts_walk_while_creating_no_skip_no_repeat(api: Api) -> None:
    original = [create_account(api)["id"] for _ in range(12)]

    def write() -> None:
        create_account(api)
        create_account(api)

    seen = _walk(api, ACCOUNTS, 5, write)
    assert len(seen) == len(set(seen)), "expected no account twice while walking during creations"
    assert seen == list(reversed(original)), (
        "expected the walk to return the accounts that existed when it began, newest first, "
        "with none skipped or repeated"
    )
