"""Signed keyset cursors."""

import base64

import pytest

from app.errors import ProblemError
from app.pagination import CursorCodec, Slice

codec = CursorCodec(b"k" * 32)


def test_round_trip_is_opaque() -> None:
    cursor = codec.encode("entries:acc_1", 12345)
    assert "12345" not in cursor
    assert codec.decode("entries:acc_1", cursor) == 12345


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "%%%",
        "x" * 129,
        base64.urlsafe_b64encode(b"v1:5").decode(),
        codec.encode("entries:acc_2", 5),
        CursorCodec(b"other" * 8).encode("entries:acc_1", 5),
    ],
)
def test_foreign_or_broken_cursors_are_rejected(cursor: str) -> None:
    with pytest.raises(ProblemError) as raised:
        codec.decode("entries:acc_1", cursor)
    assert (raised.value.status, raised.value.code) == (400, "invalid_cursor")


def test_every_single_byte_change_is_detected() -> None:
    token = bytearray(base64.urlsafe_b64decode(codec.encode("s", 42) + "=="))
    for position in range(len(token)):
        forged = bytearray(token)
        forged[position] ^= 1
        cursor = base64.urlsafe_b64encode(bytes(forged)).decode().rstrip("=")
        with pytest.raises(ProblemError):
            codec.decode("s", cursor)


def test_next_cursor_only_when_more_follow() -> None:
    assert codec.next_cursor("s", Slice(items=[1], last_seq=None)) is None
    cursor = codec.next_cursor("s", Slice(items=[1], last_seq=7))
    assert cursor is not None
    assert codec.decode("s", cursor) == 7
