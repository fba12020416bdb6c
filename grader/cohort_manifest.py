"""The submissions of a cohort: a folder of them or a manifest (TOML, CSV), and shards of it."""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.submission import ARCHIVE_SUFFIXES, parse_spec

MANIFEST_KEYS = frozenset({"id", "spec", "base"})
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")
# The URL forms `grader grade` accepts (scheme://..., user@host:path): never relative to a file.
_URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://|[^/@:]+@[^/:]+:)")
MANIFEST_TIP = (
    'TOML: [[submission]] tables with id = "alice", spec = "alice.tar.gz" (a folder, archive '
    "or PATH_OR_URL@REF, relative to the manifest) and optional base = REF. "
    "CSV: a header id,spec,base."
)
ID_TIP = "Ids name folders: letters, digits and . _ + - only, not starting with a dot."


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """One submission of a cohort: its id, what `grader grade` takes, and an optional base ref."""

    id: str
    spec: str
    base: str | None = None


def entries_of(target: Path, *, exclude: Path | None = None) -> tuple[BatchEntry, ...]:
    """The submissions a MANIFEST (.toml, .csv) lists or a folder holds (one per entry)."""
    if target.is_dir():
        entries = entries_in_folder(target, exclude=exclude)
    elif target.suffix == ".toml":
        entries = toml_entries(target)
    elif target.suffix == ".csv":
        entries = csv_entries(target)
    else:
        raise UsageError(
            f"{target} is neither a folder nor a .toml or .csv manifest.",
            tip="Pass a folder with one subfolder or archive per submission, or a manifest "
            "listing id and spec per submission.",
        )
    if not entries:
        raise UsageError(f"{target} lists no submission.", tip="Add at least one submission.")
    return unique(entries, source=target)


def entries_in_folder(folder: Path, *, exclude: Path | None) -> list[BatchEntry]:
    """Every subfolder and archive of a folder, hidden ones and `exclude` left out."""
    found = []
    skipped = exclude.resolve() if exclude is not None else None
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or child.resolve() == skipped:
            continue
        name = child.name if child.is_dir() else _archive_stem(child.name)
        if name is not None:
            spec = str(child.resolve())
            found.append(BatchEntry(id=valid_id(name, where=str(child)), spec=spec))
    return found


def _archive_stem(name: str) -> str | None:
    return next((name[: -len(s)] for s in ARCHIVE_SUFFIXES if name.endswith(s)), None)


def valid_id(value: object, *, where: str) -> str:
    """A submission id that is safe as a folder name; anything else is a usage error."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise UsageError(f"{where}: {value!r} is not a usable submission id.", tip=ID_TIP)
    return value


def toml_entries(path: Path) -> list[BatchEntry]:
    """`[[submission]]` tables with `id`, `spec` and optionally `base`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"Cannot read the manifest {path}: {exc}", tip=MANIFEST_TIP) from exc
    tables = data.get("submission", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise UsageError(f"{path}: `submission` must be an array of tables.", tip=MANIFEST_TIP)
    return [
        manifest_entry(table, where=f"{path}: submission {index}", folder=path.parent)
        for index, table in enumerate(tables, start=1)
    ]


def csv_entries(path: Path) -> list[BatchEntry]:
    """A header `id,spec[,base]` and one row per submission."""
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"Cannot read the manifest {path}: {exc}", tip=MANIFEST_TIP) from exc
    return [
        manifest_entry(
            {key: value for key, value in row.items() if value not in (None, "")},
            where=f"{path}: line {index}",
            folder=path.parent,
        )
        for index, row in enumerate(rows, start=2)
    ]


def manifest_entry(raw: Mapping[str | None, object], *, where: str, folder: Path) -> BatchEntry:
    """One manifest entry, checked: known keys only, an id, a spec; relative paths resolved."""
    unknown = sorted(str(key) for key in raw if key not in MANIFEST_KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown field(s) {', '.join(unknown)}.", tip=MANIFEST_TIP)
    spec, base = raw.get("spec"), raw.get("base")
    if not isinstance(spec, str) or not spec.strip():
        raise UsageError(f"{where}: `spec` is missing or not text.", tip=MANIFEST_TIP)
    if base is not None and not isinstance(base, str):
        raise UsageError(f"{where}: `base` must be text (a git ref).", tip=MANIFEST_TIP)
    return BatchEntry(
        id=valid_id(raw.get("id"), where=where), spec=resolved_spec(spec, folder), base=base
    )


def resolved_spec(spec: str, folder: Path) -> str:
    """A manifest's spec with relative paths made absolute against the manifest's folder."""
    if _URL_RE.match(spec) or Path(spec).expanduser().is_absolute():
        return spec
    return str(folder.resolve() / spec)


def unique(entries: Sequence[BatchEntry], *, source: Path) -> tuple[BatchEntry, ...]:
    """The entries, refusing two with the same id (their reports would overwrite each other)."""
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise UsageError(f"{source}: the id {entry.id!r} appears twice.", tip=ID_TIP)
        seen.add(entry.id)
    return tuple(entries)


def shard_of(entries: Sequence[BatchEntry], shard: str) -> tuple[BatchEntry, ...]:
    """The entries of shard `INDEX/COUNT` (0-based): every COUNT-th entry from position INDEX.

    One CI matrix job or Kubernetes Job index per shard spreads a cohort over machines.
    """
    index_text, _, count_text = shard.partition("/")
    if not (index_text.isdigit() and count_text.isdigit()) or int(index_text) >= int(count_text):
        raise UsageError(
            f"--shard {shard!r} is not INDEX/COUNT with 0 <= INDEX < COUNT.",
            tip="For example --shard 0/4 grades entries 1, 5, 9, ... of the manifest.",
        )
    return tuple(entries[int(index_text) :: int(count_text)])


def refuse_overlap(entries: Iterable[BatchEntry], out: Path) -> None:
    """Refuse an output folder inside a submission or holding one: reports and code would mix."""
    top = out.resolve()
    for entry in entries:
        if _URL_RE.match(entry.spec):
            continue
        location = Path(parse_spec(entry.spec)[0]).expanduser().resolve()
        if location.is_relative_to(top) or top.is_relative_to(location):
            raise UsageError(
                f"The output folder {out} and the submission {entry.id} ({location}) overlap.",
                tip="Pass --out with a folder outside the submissions.",
            )
