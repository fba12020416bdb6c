"""Canary strings planted in the grader-only material, and finding them in a tree of files.

`hidden_tests/canaries.toml` lists each token and the file (relative to hidden_tests/) that
carries it on a `# ledger-grader canary: <token>` line. Anything shaped like a token counts
when scanning, so a rotated-out canary is still recognised.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.errors import InfrastructureError
from grader.paths import HIDDEN_TESTS_DIR

CANARIES_PATH = HIDDEN_TESTS_DIR / "canaries.toml"
CANARY_RE = re.compile(rb"lgc-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")
SKIPPED_DIRS = frozenset({".git"})
# Larger files are read only this far: a token is short, and intake caps files anyway.
MAX_SCANNED_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Canary:
    """One planted token and the grader-only file that carries it."""

    token: str
    path: PurePosixPath


@dataclass(frozen=True, slots=True)
class CanaryHit:
    """A canary-shaped token found in a scanned tree."""

    path: PurePosixPath
    line: int
    token: str


def load_canaries(path: Path = CANARIES_PATH) -> tuple[Canary, ...]:
    """The declared canaries; a missing or malformed list is the grader's own problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        entries = data["canaries"]
        canaries = tuple(
            Canary(token=str(e["token"]), path=PurePosixPath(str(e["path"]))) for e in entries
        )
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise InfrastructureError(
            f"Cannot read the canary list at {path}: {exc}",
            tip="Restore hidden_tests/canaries.toml from the grader's repository.",
        ) from exc
    malformed = [c.token for c in canaries if not CANARY_RE.fullmatch(c.token.encode())]
    if malformed or not canaries:
        raise InfrastructureError(
            f"The canary list at {path} has malformed or no tokens: {malformed}",
            tip='Tokens look like lgc-<uuid4>, e.g. python -c "import uuid; print(uuid.uuid4())".',
        )
    return canaries


def canary_line(token: str) -> str:
    """The comment line that plants a token in a Python file."""
    return f"# ledger-grader canary: {token}"


def find_canaries(root: Path) -> list[CanaryHit]:
    """Every canary-shaped token in the files under root, in walk order (links not followed)."""
    hits: list[CanaryHit] = []
    for relative, path in walk_files(root):
        try:
            with path.open("rb") as handle:
                content = handle.read(MAX_SCANNED_BYTES)
        except OSError:
            continue  # unreadable files cannot carry a token into the grade either
        hits.extend(_hits_in(relative, content))
    return hits


def _hits_in(relative: PurePosixPath, content: bytes) -> Iterator[CanaryHit]:
    for match in CANARY_RE.finditer(content):
        line = content.count(b"\n", 0, match.start()) + 1
        yield CanaryHit(path=relative, line=line, token=match.group().decode("ascii"))


def walk_files(root: Path) -> Iterator[tuple[PurePosixPath, Path]]:
    """Regular files under root as (relative posix path, path), sorted, skipping .git."""
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        base = Path(directory)
        for name in sorted(files):
            path = base / name
            if path.is_file() and not path.is_symlink():
                yield PurePosixPath(path.relative_to(root).as_posix()), path
