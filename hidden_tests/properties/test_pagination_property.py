"""Property: for any history and page size, walking the cursor yields every entry exactly once,
newest first, even when entries are written between pages.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from support.client import Api
from support.ledger import ACCOUNTS, create_account, fund


@pytest.mark.check("data.properties.pagination")
@settings(max_examples=12)
@given(
    amounts=st.lists(st.integers(1, 1_000), max_size=24),
    page=st.integers(1, 9),
    writes_between_pages=st.integers(0, 2),
)
def test_cursor_walk_yields_each_entry_once_newest_first(
    api: Api, amounts: list[int], page: int, writes_between_pages: int
) -> None:
    account = create_account(api)["id"]
    written = [fund(api, account, amount)["entries"][0]["id"] for amount in amounts]
    note(f"{len(written)} entries written, walking with limit={page}")
    seen: list[str] = []
    cursor = None
    for _ in range(len(written) + 3):
        params: dict = {"limit": page} | ({"cursor": cursor} if cursor else {})
        response = api.get(f"{ACCOUNTS}/{account}/entries", params=params)
        assert response.status_code == 200, (
            f"expected 200 for a page of entries, got {response.status_code}"
        )
        body = response.json()
        assert len(body["data"]) <= page, "expected at most `limit` entries on a page"
        seen.extend(e["id"] for e in body["data"])
        cursor = body["next_cursor"]
        if not cursor:
            break
        for _ in range(writes_between_pages):
            fund(api, account, 1)
    else:
        raise AssertionError("expected next_cursor to become null once every entry was listed")
    assert len(seen) == len(set(seen)), "expected no entry twice in a cursor walk"
    assert seen == list(reversed(written)), (
        "expected the cursor walk to yield every entry that existed when it began, exactly once, "
        "newest first"
    )
