"""Archives: extracted member by member; hostile members are rejected by name."""

from __future__ import annotations

import contextlib
import io
import random
import stat
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader.submission import Limits, load_submission

from .builders import (
    leftovers,
    rejected,
    snapshot_files,
    tar_bytes,
    tar_file,
    tar_special,
    zip_bytes,
    zip_info,
)

MIB = 1024 * 1024


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_tar_gz_with_a_single_top_folder_is_stripped(tmp_path: Path, workdir: Path) -> None:
    spec = write(
        tmp_path / "sub.tar.gz",
        tar_bytes(
            [
                tar_special("project", tarfile.DIRTYPE),
                tar_file("project/README.md", b"hi\n"),
                tar_file("./project/bin/run", b"#!/bin/sh\n", mode=0o755),
                tar_file("project/.git/config", b"[core]\n"),
            ]
        ),
    )

    sub = load_submission(spec, workdir=workdir)

    assert sub.kind == "archive"
    assert sub.git is None
    assert snapshot_files(sub.root) == {"README.md": b"hi\n", "bin/run": b"#!/bin/sh\n"}
    assert sub.skipped == (".git/ (version control metadata)",)
    assert stat.S_IMODE((sub.root / "bin" / "run").stat().st_mode) == 0o755
    assert stat.S_IMODE((sub.root / "README.md").stat().st_mode) == 0o644
    assert stat.S_IMODE((sub.root / "bin").stat().st_mode) == 0o755
    assert stat.S_IMODE(sub.root.stat().st_mode) == 0o755
    assert [p.name for p in workdir.iterdir()] == [sub.root.name]


def test_plain_tar_with_several_top_entries_is_kept_whole(tmp_path: Path, workdir: Path) -> None:
    spec = write(
        tmp_path / "sub.tar",
        tar_bytes([tar_file("a/x.py", b"1"), tar_file("b.py", b"2")], gz=False),
    )

    sub = load_submission(spec, workdir=workdir)

    assert snapshot_files(sub.root) == {"a/x.py": b"1", "b.py": b"2"}


def test_zip_keeps_exec_bits_and_strips_the_top_folder(tmp_path: Path, workdir: Path) -> None:
    spec = write(
        tmp_path / "Sub.ZIP",
        zip_bytes(
            [
                ("proj/", b""),
                (zip_info("proj/run.sh", stat.S_IFREG | 0o755), b"#!/bin/sh\n"),
                (zip_info("proj/src/app.py", stat.S_IFREG | 0o600), b"print()\n"),
                ("proj\\docs\\notes.txt", b"windows separators\n"),
            ]
        ),
    )

    sub = load_submission(spec, workdir=workdir)

    assert snapshot_files(sub.root) == {
        "run.sh": b"#!/bin/sh\n",
        "src/app.py": b"print()\n",
        "docs/notes.txt": b"windows separators\n",
    }
    assert stat.S_IMODE((sub.root / "run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((sub.root / "src" / "app.py").stat().st_mode) == 0o644


TarMembers = list[tuple[tarfile.TarInfo, bytes | None]]
ZipMembers = list[tuple[str | zipfile.ZipInfo, bytes]]

HOSTILE_TARS: dict[str, tuple[TarMembers, str]] = {
    "absolute": ([tar_file("/etc/cron.d/evil")], "'/etc/cron.d/evil' has an absolute path"),
    "dotdot": ([tar_file("project/../../escape.txt")], "'project/../../escape.txt' has a '..'"),
    "symlink": (
        [tar_special("passwd", tarfile.SYMTYPE, linkname="/etc/passwd")],
        "'passwd': is a symlink to '/etc/passwd'; links are not accepted",
    ),
    "inner symlink": (
        [tar_file("a.py"), tar_special("b.py", tarfile.SYMTYPE, linkname="a.py")],
        "'b.py': is a symlink",
    ),
    "hardlink": (
        [tar_file("a.py"), tar_special("h", tarfile.LNKTYPE, linkname="/etc/shadow")],
        "'h': is a hard link",
    ),
    "chardev": ([tar_special("dev/null", tarfile.CHRTYPE)], "'dev/null': is a device or fifo"),
    "fifo": ([tar_special("p", tarfile.FIFOTYPE)], "'p': is a device or fifo"),
    "duplicate": ([tar_file("a.py", b"1"), tar_file("a.py", b"2")], "'a.py': duplicates"),
    "file then dir": ([tar_file("a", b"1"), tar_file("a/b", b"2")], "'a/b': is both a file"),
}


@pytest.mark.parametrize("case", HOSTILE_TARS, ids=list(HOSTILE_TARS))
def test_hostile_tar_members_are_rejected_by_name(tmp_path: Path, workdir: Path, case: str) -> None:
    members, message = HOSTILE_TARS[case]
    spec = write(tmp_path / "evil.tgz", tar_bytes([tar_file("ok.txt"), *members]))

    with rejected(message):
        load_submission(spec, workdir=workdir)

    assert leftovers(workdir) == []
    assert not (tmp_path / "escape.txt").exists()


HOSTILE_ZIPS: dict[str, tuple[ZipMembers, str]] = {
    "absolute": ([("/abs.txt", b"x")], "'/abs.txt' has an absolute path"),
    "dotdot": ([("../escape.txt", b"x")], "'../escape.txt' has a '..'"),
    "backslash dotdot": ([("..\\escape.txt", b"x")], "has a '..'"),
    "symlink": (
        [(zip_info("passwd", stat.S_IFLNK | 0o777), b"/etc/passwd")],
        "'passwd': is a symlink; links are not accepted",
    ),
    "fifo": ([(zip_info("p", stat.S_IFIFO | 0o644), b"")], "'p': is a device"),
    "duplicate": ([("a.py", b"1"), ("a.py", b"2")], "'a.py': duplicates"),
}


@pytest.mark.parametrize("case", HOSTILE_ZIPS, ids=list(HOSTILE_ZIPS))
def test_hostile_zip_members_are_rejected_by_name(tmp_path: Path, workdir: Path, case: str) -> None:
    members, message = HOSTILE_ZIPS[case]
    with pytest.warns(UserWarning) if case == "duplicate" else contextlib.nullcontext():
        data = zip_bytes([("ok.txt", b"ok"), *members])
    spec = write(tmp_path / "evil.zip", data)

    with rejected(message):
        load_submission(spec, workdir=workdir)

    assert leftovers(workdir) == []


def test_too_many_members(tmp_path: Path, workdir: Path) -> None:
    spec = write(tmp_path / "many.tgz", tar_bytes([tar_file(f"f{i}.txt") for i in range(6)]))
    with rejected("'f5.txt': the submission has more than 5 files"):
        load_submission(spec, workdir=workdir, limits=Limits(max_files=5))


def test_zip_bomb_is_stopped_at_the_total_limit(tmp_path: Path, workdir: Path) -> None:
    # 8 MiB of zeros deflate to ~8 KiB; each member is under the per-file limit.
    zeros = bytes(4 * MIB)
    spec = write(tmp_path / "bomb.zip", zip_bytes([("a.bin", zeros), ("b.bin", zeros)]))
    assert (tmp_path / "bomb.zip").stat().st_size < 64 * 1024

    with rejected("'b.bin': the submission passes the 6 MiB total"):
        load_submission(spec, workdir=workdir, limits=Limits(max_total_bytes=6 * MIB))
    assert leftovers(workdir) == []


def test_member_over_the_per_file_limit(tmp_path: Path, workdir: Path) -> None:
    spec = write(tmp_path / "big.tgz", tar_bytes([tar_file("big.bin", bytes(2 * MIB))]))
    with rejected("'big.bin': larger than the 1 MiB per-file limit"):
        load_submission(spec, workdir=workdir, limits=Limits(max_file_bytes=MIB))


def _patch_sizes(data: bytes, declared: int) -> bytes:
    """Rewrite every uncompressed-size field (local and central headers) to `declared`."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = out.find(signature)
        while start >= 0:
            struct.pack_into("<I", out, start + offset, declared)
            start = out.find(signature, start + 4)
    return bytes(out)


def test_zip_header_understating_the_size_is_caught(tmp_path: Path, workdir: Path) -> None:
    spec = write(tmp_path / "liar.zip", _patch_sizes(zip_bytes([("liar.bin", bytes(MIB))]), 100))
    with rejected("'liar.bin': is corrupt"):
        load_submission(spec, workdir=workdir, limits=Limits(max_total_bytes=MIB // 2))
    assert leftovers(workdir) == []


def test_zip_header_overstating_the_size_does_not_count(tmp_path: Path, workdir: Path) -> None:
    # The limits judge bytes actually written; an honest-looking but wrong header that
    # claims more is refused up front, before any decompression.
    spec = write(tmp_path / "liar.zip", _patch_sizes(zip_bytes([("liar.bin", b"tiny")]), 5 * MIB))
    with rejected("'liar.bin': larger than"):
        load_submission(spec, workdir=workdir, limits=Limits(max_file_bytes=MIB))


def test_bzip2_zip_members_are_refused(tmp_path: Path, workdir: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("a.txt", b"abc")
    spec = write(tmp_path / "bz.zip", buffer.getvalue())
    with rejected("'a.txt': uses compression method 12"):
        load_submission(spec, workdir=workdir)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("fake.tar.gz", b"plain text, not gzip"),
        ("fake.zip", b"PK but not really"),
        ("trunc.tgz", tar_bytes([tar_file("a.txt", random.Random(0).randbytes(100_000))])[:5000]),
    ],
    ids=["not gzip", "not zip", "truncated"],
)
def test_corrupt_archives_are_rejected(
    tmp_path: Path, workdir: Path, name: str, data: bytes
) -> None:
    with rejected("corrupt or unreadable"):
        load_submission(write(tmp_path / name, data), workdir=workdir)
    assert leftovers(workdir) == []


def test_empty_archive_is_rejected(tmp_path: Path, workdir: Path) -> None:
    spec = write(tmp_path / "empty.zip", zip_bytes([("only/", b"")]))
    with rejected("no files to grade"):
        load_submission(spec, workdir=workdir)


def test_ref_after_an_archive_is_refused(tmp_path: Path, workdir: Path) -> None:
    spec = write(tmp_path / "sub.zip", zip_bytes([("a.txt", b"a")]))
    with rejected("@main cannot name a git ref"):
        load_submission(f"{spec}@main", workdir=workdir)
