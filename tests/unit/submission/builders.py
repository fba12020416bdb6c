"""Builders for the submission-intake tests: git repositories, files and hand-made archives."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from grader.errors import SubmissionError

# Fixed identity and dates keep commit shas reproducible and spare any global git config.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Candidate",
    "GIT_AUTHOR_EMAIL": "candidate@example.com",
    "GIT_COMMITTER_NAME": "Candidate",
    "GIT_COMMITTER_EMAIL": "candidate@example.com",
    "GIT_AUTHOR_DATE": "2024-05-01T10:00:00+02:00",
    "GIT_COMMITTER_DATE": "2024-05-01T10:00:00+02:00",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def run_git(*args: str, cwd: Path) -> str:
    """Run git for a test's own setup and return its stdout."""
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Create files (and their folders) under root; names ending in '*' become executable."""
    for name, content in files.items():
        path = root / name.rstrip("*")
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(data)
        path.chmod(0o755 if name.endswith("*") else 0o644)


PROJECT: dict[str, str | bytes] = {
    "README.md": "# Ledger\n",
    "src/ledger/__init__.py": "",
    "src/ledger/app.py": "def main():\n    return 42\n",
    "run.sh*": "#!/bin/sh\nexec python -m ledger\n",
    "data/seed.bin": bytes(range(256)) * 4,
}


def tar_bytes(members: Iterable[tuple[tarfile.TarInfo, bytes | None]], *, gz: bool = True) -> bytes:
    """A tar(.gz) built member by member, so hostile headers can be written on purpose."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if gz else "w") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def tar_file(name: str, data: bytes = b"x", *, mode: int = 0o644) -> tuple[tarfile.TarInfo, bytes]:
    """A regular tar member."""
    info = tarfile.TarInfo(name)
    info.mode = mode
    return info, data


def tar_special(name: str, kind: bytes, *, linkname: str = "") -> tuple[tarfile.TarInfo, None]:
    """A non-regular tar member: link, device, fifo or directory."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = 0o755
    return info, None


def zip_bytes(members: Iterable[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    """A zip built member by member (deflated), with unix modes when a ZipInfo is given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_info(name: str, mode: int) -> zipfile.ZipInfo:
    """A zip member header carrying a unix mode (file type and permission bits)."""
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def snapshot_files(root: Path) -> dict[str, bytes]:
    """Every file of a snapshot by relative posix path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def leftovers(workdir: Path) -> list[str]:
    """Snapshot or clone directories a failed intake left behind."""
    return sorted(p.name for p in workdir.iterdir()) if workdir.exists() else []


@contextlib.contextmanager
def rejected(fragment: str) -> Iterator[pytest.ExceptionInfo[SubmissionError]]:
    """Expect a SubmissionError whose message contains `fragment` (plain text, not a regex)."""
    with pytest.raises(SubmissionError) as caught:
        yield caught
    assert fragment in caught.value.message, caught.value.message
    assert caught.value.tip, "every rejection carries a tip"
