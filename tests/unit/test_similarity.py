"""Similarity flags: renamed copies are caught, independent work and starter code are not."""

from __future__ import annotations

import io
import itertools
import keyword
import textwrap
import tokenize
from pathlib import Path

import pytest

from grader.paths import EXERCISE_DIR, REFERENCE_DIR
from grader.similarity import (
    K_GRAM,
    REFERENCE_ID,
    WINDOW,
    CodePrint,
    Starter,
    code_print,
    cohort_similarity,
    compare,
    kgram_hashes,
    normalized_tokens,
    similarity_document,
    starter_of,
    winnow,
)

STARTER_MODULE = textwrap.dedent(
    '''
    """Accounts of a tenant."""

    import sqlite3


    def connect(path: str) -> sqlite3.Connection:
        connection = sqlite3.connect(path)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = ON")
        return connection


    def list_accounts(connection: sqlite3.Connection, tenant: str) -> list[dict[str, object]]:
        rows = connection.execute(
            "SELECT id, name, currency FROM accounts WHERE tenant = ? ORDER BY id", (tenant,)
        ).fetchall()
        return [dict(row) for row in rows]
    '''
)

# One candidate's transfer logic: a loop with explicit checks and early returns.
SOLUTION_A = textwrap.dedent(
    '''
    """Transfers between accounts."""

    from decimal import Decimal


    class TransferError(Exception):
        """A transfer that cannot happen."""


    def transfer(balances, source, target, amount, currency, currencies):
        if amount <= 0:
            raise TransferError("amount must be positive")
        if source == target:
            raise TransferError("source and target must differ")
        for account in (source, target):
            if account not in balances:
                raise TransferError(f"unknown account {account}")
            if currencies[account] != currency:
                raise TransferError(f"{account} holds another currency")
        if balances[source] < amount:
            raise TransferError("insufficient funds")
        balances[source] -= amount
        balances[target] += amount
        return {"source": balances[source], "target": balances[target]}


    def total(balances, accounts):
        result = Decimal(0)
        for account in accounts:
            result += balances.get(account, Decimal(0))
        return result


    def history(entries, account, limit=50, cursor=None):
        selected = []
        for entry in sorted(entries, key=lambda e: (e["at"], e["id"])):
            if entry["account"] != account:
                continue
            if cursor is not None and entry["id"] <= cursor:
                continue
            selected.append(entry)
            if len(selected) == limit:
                break
        next_cursor = selected[-1]["id"] if len(selected) == limit else None
        return {"items": selected, "next": next_cursor}
    '''
)

# Another candidate's, written independently: validation table, dataclasses, comprehensions.
SOLUTION_B = textwrap.dedent(
    '''
    """Moving money."""

    from dataclasses import dataclass, replace
    from itertools import islice


    @dataclass(frozen=True)
    class Account:
        id: str
        currency: str
        cents: int


    RULES = (
        (lambda s, t, amt: amt > 0, "amount_not_positive"),
        (lambda s, t, amt: s.id != t.id, "same_account"),
        (lambda s, t, amt: s.currency == t.currency, "currency_mismatch"),
        (lambda s, t, amt: s.cents >= amt, "insufficient_funds"),
    )


    def move(src: Account, dst: Account, amt: int) -> tuple[Account, Account]:
        broken = [code for rule, code in RULES if not rule(src, dst, amt)]
        if broken:
            raise ValueError(broken[0])
        return replace(src, cents=src.cents - amt), replace(dst, cents=dst.cents + amt)


    def page(items, after=None, size=20):
        ordered = sorted(items, key=lambda item: (item.created, item.id))
        remaining = (item for item in ordered if after is None or (item.created, item.id) > after)
        chunk = list(islice(remaining, size + 1))
        more = len(chunk) > size
        chunk = chunk[:size]
        return chunk, ((chunk[-1].created, chunk[-1].id) if more else None)


    def summed(accounts: list[Account]) -> dict[str, int]:
        sums: dict[str, int] = {}
        for acc in accounts:
            sums[acc.currency] = sums.get(acc.currency, 0) + acc.cents
        return sums
    '''
)


def renamed(source: str) -> str:
    """The source with every identifier renamed, comments reworded and strings changed."""
    out = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        text = token.string
        if token.type == tokenize.NAME and not keyword.iskeyword(text):
            text = f"renamed_{text}"
        elif token.type == tokenize.STRING:
            text = repr(f"changed {len(text)}")
        elif token.type == tokenize.COMMENT:
            text = "# reworded"
        out.append(token._replace(string=text))
    return tokenize.untokenize(out)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def starter(tmp_path: Path) -> Starter:
    return starter_of(write(tmp_path / "starter", {"app/accounts.py": STARTER_MODULE}))


def submission(tmp_path: Path, name: str, files: dict[str, str], starter: Starter) -> CodePrint:
    root = write(tmp_path / name, {"app/accounts.py": STARTER_MODULE, **files})
    return code_print(name, root, starter=starter)


def test_a_copy_with_renamed_variables_is_flagged(tmp_path: Path, starter: Starter) -> None:
    original = submission(tmp_path, "alice", {"app/transfers.py": SOLUTION_A}, starter)
    copy = submission(tmp_path, "bob", {"app/money.py": renamed(SOLUTION_A)}, starter)

    match = compare(original, copy)

    assert match.flagged
    assert match.jaccard > 0.9
    region = match.regions[0]
    assert (region.left.file, region.right.file) == ("app/transfers.py", "app/money.py")
    assert region.left.last - region.left.first > 20
    assert region.left_snippet.splitlines()[0] in SOLUTION_A
    assert "renamed_" in region.right_snippet


def test_two_independent_solutions_are_not_flagged(tmp_path: Path, starter: Starter) -> None:
    first = submission(tmp_path, "alice", {"app/transfers.py": SOLUTION_A}, starter)
    second = submission(tmp_path, "carol", {"app/transfers.py": SOLUTION_B}, starter)

    match = compare(first, second)

    assert not match.flagged
    assert match.jaccard < 0.1


def test_a_copy_inside_more_code_is_flagged_by_containment(
    tmp_path: Path, starter: Starter
) -> None:
    original = submission(tmp_path, "alice", {"app/transfers.py": SOLUTION_A}, starter)
    extended = submission(
        tmp_path, "dave", {"app/transfers.py": SOLUTION_A, "app/extra.py": SOLUTION_B}, starter
    )

    match = compare(original, extended)

    assert match.left_in_right == 1.0
    assert match.jaccard < 0.6
    assert match.flagged


def test_starter_code_is_never_a_match(tmp_path: Path, starter: Starter) -> None:
    # Both keep the starter (one moved it to another file): nothing of it may count.
    untouched = submission(tmp_path, "erin", {}, starter)
    moved = submission(tmp_path, "frank", {"app/db.py": STARTER_MODULE + "\nX = 1\n"}, starter)

    assert untouched.hashes == frozenset()
    assert compare(untouched, moved).shared == 0
    assert not compare(untouched, moved).flagged


def test_identifiers_literals_comments_and_layout_do_not_change_the_tokens() -> None:
    plain, _ = normalized_tokens("total = price * 3  # cents\n")
    other, _ = normalized_tokens("amount=cost*7.5\n\n")

    assert [t.text for t in plain] == [t.text for t in other] == ["V", "=", "V", "*", "N"]


def test_a_file_that_does_not_parse_is_compared_up_to_the_error(
    tmp_path: Path, starter: Starter
) -> None:
    broken = SOLUTION_A + '\ndef unfinished(:\n    """never closed\n'
    result = submission(tmp_path, "gina", {"app/transfers.py": broken}, starter)
    reference = submission(tmp_path, "alice", {"app/transfers.py": SOLUTION_A}, starter)

    assert any("tokenized up to line" in note for note in result.notes)
    assert compare(result, reference).flagged


def test_unreadable_files_are_noted_not_fatal(tmp_path: Path, starter: Starter) -> None:
    root = write(tmp_path / "hal", {"app/ok.py": SOLUTION_A})
    (root / "app" / "latin1.py").write_bytes(b"name = '\xe9t\xe9'\n")
    (root / "app" / "huge.py").write_bytes(b"x = 1\n" * 200_000)

    result = code_print("hal", root, starter=starter)

    assert sorted(note.split(":")[0] for note in result.notes) == ["app/huge.py", "app/latin1.py"]
    assert result.hashes


def test_winnowing_keeps_a_shared_fingerprint_for_any_long_enough_match() -> None:
    tokens, _ = normalized_tokens(SOLUTION_A)
    hashes = kgram_hashes(tokens)
    kept = winnow(hashes)

    assert len(hashes) == len(tokens) - K_GRAM + 1
    assert kept == sorted(set(kept))
    assert all(later - earlier <= WINDOW for earlier, later in itertools.pairwise(kept))


def test_the_same_code_gives_the_same_fingerprints(tmp_path: Path, starter: Starter) -> None:
    first = submission(tmp_path, "one", {"app/transfers.py": SOLUTION_A}, starter)
    again = submission(tmp_path, "two", {"app/transfers.py": SOLUTION_A}, starter)

    assert dict(first.spans) == dict(again.spans)


def test_the_cohort_report_lists_flags_once_in_id_order(tmp_path: Path, starter: Starter) -> None:
    prints = [
        submission(tmp_path, "zed", {"app/t.py": renamed(SOLUTION_A)}, starter),
        submission(tmp_path, "amy", {"app/t.py": SOLUTION_A}, starter),
        submission(tmp_path, "kim", {"app/t.py": SOLUTION_B}, starter),
    ]
    reference = submission(tmp_path, "ref", {"app/t.py": SOLUTION_B}, starter)
    reference = CodePrint(REFERENCE_ID, reference.spans, reference.lines)

    report = cohort_similarity(prints, reference=reference)

    assert [(m.left, m.right) for m in report.flags] == [("amy", "zed"), ("kim", REFERENCE_ID)]
    document = similarity_document(report)
    assert document["computed"] is True
    assert document["flags"][0]["regions"][0]["left"]["file"] == "app/t.py"
    assert similarity_document(None)["computed"] is False


def test_the_untouched_starter_is_not_flagged_against_the_reference() -> None:
    starter = starter_of(EXERCISE_DIR)
    reference = code_print(REFERENCE_ID, REFERENCE_DIR, starter=starter)
    untouched = code_print("starter", EXERCISE_DIR, starter=starter)
    copied = code_print("copier", REFERENCE_DIR, starter=starter)

    assert not compare(untouched, reference).flagged
    assert compare(copied, reference).jaccard == 1.0
