"""Shape checks of the contract's resources, with candidate-safe messages."""

from __future__ import annotations

TXN_FIELDS = ("id", "kind", "amount", "currency", "description", "created_at", "entries")
ENTRY_FIELDS = ("id", "transaction_id", "account_id", "amount", "balance_after", "created_at")


def check_transaction(body: object, kind: str, amount: int, currency: str, context: str) -> dict:
    assert isinstance(body, dict), f"expected a transaction object {context}"
    for field in TXN_FIELDS:
        assert field in body, f"expected the transaction {context} to have a {field!r} member"
    assert body["kind"] == kind, f"expected kind {kind!r} {context}, got {body['kind']!r}"
    assert body["amount"] == amount and type(body["amount"]) is int, (
        f"expected amount {amount} {context}, got {body['amount']!r}"
    )
    assert body["currency"] == currency, f"expected currency {currency} {context}"
    assert isinstance(body["entries"], list), f"expected an entries list {context}"
    for entry in body["entries"]:
        assert isinstance(entry, dict), f"expected entry objects {context}"
        for field in ENTRY_FIELDS:
            assert field in entry, f"expected each entry {context} to have a {field!r} member"
        assert entry["transaction_id"] == body["id"], (
            f"expected each entry's transaction_id {context} to be the transaction's id"
        )
    return body
