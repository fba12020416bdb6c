"""The tree hash: the same content gives the same hash whichever way it was delivered."""

from __future__ import annotations

import re
import stat
import tarfile
from pathlib import Path

from grader.submission import load_submission

from .builders import PROJECT, run_git, tar_bytes, tar_file, zip_bytes, zip_info


def _as_bytes(content: str | bytes) -> bytes:
    return content.encode() if isinstance(content, str) else content


def test_same_content_same_hash_across_kinds(
    project: Path, repo: Path, tmp_path: Path, workdir: Path
) -> None:
    tgz = tmp_path / "sub.tgz"
    tgz.write_bytes(
        tar_bytes(
            [
                tar_file(
                    f"ledger-main/{name.rstrip('*')}",
                    _as_bytes(content),
                    mode=0o775 if name.endswith("*") else 0o664,
                )
                for name, content in PROJECT.items()
            ]
        )
    )
    flat_zip = tmp_path / "sub.zip"
    flat_zip.write_bytes(
        zip_bytes(
            [
                (
                    zip_info(
                        name.rstrip("*"), stat.S_IFREG | (0o755 if name.endswith("*") else 0o644)
                    ),
                    _as_bytes(content),
                )
                for name, content in PROJECT.items()
            ]
        )
    )
    bare = tmp_path / "remote.git"
    run_git("clone", "-q", "--bare", str(repo), str(bare), cwd=tmp_path)

    subs = {
        "plain directory": load_submission(str(project), workdir=workdir),
        "git work tree": load_submission(str(repo), workdir=workdir),
        "git ref": load_submission(f"{repo}@main", workdir=workdir),
        "file url": load_submission(f"file://{bare}@main", workdir=workdir),
        "tar.gz": load_submission(str(tgz), workdir=workdir),
        "zip": load_submission(str(flat_zip), workdir=workdir),
    }

    hashes = {kind: sub.tree_hash for kind, sub in subs.items()}
    assert len(set(hashes.values())) == 1, hashes
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", hashes["git ref"])
    assert {sub.file_count for sub in subs.values()} == {len(PROJECT)}
    assert {sub.total_bytes for sub in subs.values()} == {
        sum(map(len, map(_as_bytes, PROJECT.values())))
    }


def _hash_of(tmp_path: Path, name: str, members: list[tuple[str, bytes, int]]) -> str:
    archive = tmp_path / f"{name}.tar"
    archive.write_bytes(tar_bytes([tar_file(n, d, mode=m) for n, d, m in members], gz=False))
    return load_submission(str(archive), workdir=tmp_path / "work").tree_hash


def test_hash_sees_content_paths_and_exec_bit_but_not_other_modes(tmp_path: Path) -> None:
    base = [("a.py", b"1", 0o644), ("b/c.py", b"2", 0o644)]
    reference = _hash_of(tmp_path, "base", base)

    assert _hash_of(tmp_path, "reordered", base[::-1]) == reference
    assert _hash_of(tmp_path, "group-write", [("a.py", b"1", 0o664), base[1]]) == reference
    assert _hash_of(tmp_path, "content", [("a.py", b"X", 0o644), base[1]]) != reference
    assert _hash_of(tmp_path, "renamed", [("A.py", b"1", 0o644), base[1]]) != reference
    assert _hash_of(tmp_path, "moved", [base[0], ("b/d/c.py", b"2", 0o644)]) != reference
    assert _hash_of(tmp_path, "exec", [("a.py", b"1", 0o755), base[1]]) != reference


def test_directory_entries_do_not_change_the_hash(tmp_path: Path) -> None:
    with_dirs = tmp_path / "dirs.tar"
    info = tarfile.TarInfo("b")
    info.type = tarfile.DIRTYPE
    with_dirs.write_bytes(
        tar_bytes([(info, None), tar_file("a.py", b"1"), tar_file("b/c.py", b"2")], gz=False)
    )
    plain = _hash_of(tmp_path, "plain", [("a.py", b"1", 0o644), ("b/c.py", b"2", 0o644)])
    assert load_submission(str(with_dirs), workdir=tmp_path / "work").tree_hash == plain
