"""What a committee needs to re-run a grade: versions, hashes, machine, seed and timings."""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.model import ImageInfo, PhaseTiming

SUITE_IGNORED = frozenset({"reference", "__pycache__", ".pytest_cache", ".hypothesis"})


def tree_sha256(root: Path, *, ignored: frozenset[str] = SUITE_IGNORED) -> str:
    """A content hash of a folder: sorted relative paths and file bytes."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if ignored.intersection(relative.parts) or not path.is_file():
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def machine_info() -> dict[str, str | int]:
    """The machine the grade ran on (no host names: reports travel)."""
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count() or 0,
    }


@dataclass(frozen=True, slots=True)
class Provenance:
    """Identity of everything that went into one grade."""

    grader_version: str
    runner: str
    seed: int
    only: tuple[str, ...]
    rubric_sha256: str
    hidden_suite_sha256: str
    started_at: str
    finished_at: str
    timings: tuple[PhaseTiming, ...]
    images: tuple[ImageInfo, ...]
    machine: dict[str, str | int]

    @classmethod
    def collect(
        cls,
        *,
        runner: str,
        seed: int,
        only: tuple[str, ...],
        rubric_sha256: str,
        hidden_suite: Path,
        started_at: str,
        finished_at: str,
        timings: tuple[PhaseTiming, ...],
        images: tuple[ImageInfo, ...],
    ) -> Provenance:
        return cls(
            grader_version=__version__,
            runner=runner,
            seed=seed,
            only=only,
            rubric_sha256=rubric_sha256,
            hidden_suite_sha256=tree_sha256(hidden_suite),
            started_at=started_at,
            finished_at=finished_at,
            timings=timings,
            images=images,
            machine=machine_info(),
        )
