"""Opaque keyset-pagination cursors, signed so that only cursors issued here are accepted."""

import base64
import hashlib
import hmac
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.errors import invalid_cursor

T = TypeVar("T")

_MAC_BYTES = 16
_MAX_CURSOR_CHARS = 128
_PAYLOAD = re.compile(rb"v1:([1-9][0-9]{0,18})")


@dataclass(frozen=True, slots=True)
class Slice(Generic[T]):
    """One page of records; ``last_seq`` is the sequence number to continue after, if any."""

    items: list[T]
    last_seq: int | None


def slice_rows(
    rows: Sequence[sqlite3.Row], limit: int, build: Callable[[sqlite3.Row], T]
) -> Slice[T]:
    """Turn up to ``limit + 1`` rows (with a ``seq`` column) into a page and its continuation."""
    items = [build(row) for row in rows[:limit]]
    return Slice(items, rows[limit - 1]["seq"] if len(rows) > limit else None)


class CursorCodec:
    """Encode and decode cursors bound to one listing (``scope``) with an HMAC."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def encode(self, scope: str, seq: int) -> str:
        """The cursor pointing after the item with sequence number ``seq`` in ``scope``."""
        payload = f"v1:{seq}".encode()
        token = payload + self._mac(scope, payload)
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def decode(self, scope: str, cursor: str) -> int:
        """The sequence number carried by ``cursor``; ``invalid_cursor`` if it is not ours."""
        if len(cursor) > _MAX_CURSOR_CHARS:
            raise invalid_cursor()
        try:  # ValueError covers binascii.Error and non-ASCII input
            token = base64.b64decode(cursor + "=" * (-len(cursor) % 4), b"-_", validate=True)
        except ValueError:
            raise invalid_cursor() from None
        payload, mac = token[:-_MAC_BYTES], token[-_MAC_BYTES:]
        match = _PAYLOAD.fullmatch(payload)
        if not match or not hmac.compare_digest(mac, self._mac(scope, payload)):
            raise invalid_cursor()
        return int(match.group(1))

    def next_cursor(self, scope: str, page: Slice[T]) -> str | None:
        """The cursor of the page after ``page``, or None on the last page."""
        return None if page.last_seq is None else self.encode(scope, page.last_seq)

    def _mac(self, scope: str, payload: bytes) -> bytes:
        message = scope.encode() + b"\x00" + payload
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:_MAC_BYTES]
