"""The reference's performance summary, cached per machine, images, reference code and load.

Measuring the reference costs as much as measuring a candidate. Batch grading reuses one
calibration for a bounded time: the key covers everything that changes the numbers (host,
CPU count, sandbox images, the reference's files, the load parameters), and an entry older
than the rubric's `calibration_max_age_hours` is measured again.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path
from typing import Any

CACHE_VERSION = 1
SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".venv"})


def tree_hash(root: Path) -> str:
    """sha256 over the relative paths and bytes of a folder's files, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if SKIPPED_PARTS.intersection(relative.parts):
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def machine() -> str:
    """What makes this machine's numbers its own: host name, CPU count and architecture."""
    return f"{platform.node()}/{os.cpu_count()}cpu/{platform.machine()}"


def cache_key(*, machine_id: str, sandbox_id: str, reference: str, load: dict[str, Any]) -> str:
    """A stable key over everything a reference measurement depends on."""
    material = {
        "version": CACHE_VERSION,
        "machine": machine_id,
        "sandbox": sandbox_id,
        "reference": reference,
        "load": load,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:32]


def cached(
    folder: Path, key: str, *, now: float, max_age_s: float
) -> tuple[dict[str, Any], float] | None:
    """The cached summary and its age in seconds, if fresh and readable."""
    path = folder / f"{key}.json"
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    measured_at, summary = entry.get("measured_at"), entry.get("summary")
    if not isinstance(measured_at, int | float) or not isinstance(summary, dict):
        return None
    age = now - float(measured_at)
    if age < 0 or age > max_age_s:
        return None
    return summary, age


def store(folder: Path, key: str, summary: dict[str, Any], *, now: float) -> None:
    """Write a summary atomically (a reader never sees half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{key}.{os.getpid()}.tmp"
    partial.write_text(
        json.dumps({"key": key, "measured_at": now, "summary": summary}), encoding="utf-8"
    )
    partial.replace(folder / f"{key}.json")
