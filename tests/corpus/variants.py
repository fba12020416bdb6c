"""The seeded-bug corpus: variants of the reference solution, each carrying one realistic mistake.

`manifest.toml` lists the variants (which skill each must cost, how much at least, which rubric
checks should fail); `seeded/<id>.patch` holds each mistake as a unified diff against
`hidden_tests/reference/` (paths `a/...`, `b/...`). `materialize()` builds a variant as a folder
the grader can grade:

    python tests/corpus/variants.py <variant-id> <new-folder>
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CORPUS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = CORPUS_DIR.parents[1]
REFERENCE_DIR = PROJECT_ROOT / "hidden_tests" / "reference"
MANIFEST_PATH = CORPUS_DIR / "manifest.toml"
SEEDED_DIR = CORPUS_DIR / "seeded"

# Never copied from the reference: local environments, caches and databases.
_SKIPPED_NAMES = (".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache")
_SKIPPED_PATTERNS = ("*.db", "*.db-wal", "*.db-shm", "*.pyc", ".coverage")
# patch's default fuzz lets a hunk apply when a line of its context changed (e.g. a comment the
# reference gained later); a hunk whose changed lines no longer match still fails.
_PATCH_COMMAND = ("patch", "-p1", "--batch", "--forward", "--no-backup-if-mismatch")

Tier = Literal["hidden", "performance", "static", "review"]


class CorpusError(Exception):
    """A variant cannot be built: unknown id, missing patch, or a patch that does not apply."""


class Variant(BaseModel):
    """One seeded mistake and what the grader must make of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    patch: str
    description: str = Field(min_length=10)
    skill: str
    min_loss: float = Field(gt=0, le=100)
    expect_checks: tuple[str, ...] = ()
    tier: Tier

    @property
    def patch_path(self) -> Path:
        """The variant's diff file."""
        return CORPUS_DIR / self.patch


class Manifest(BaseModel):
    """The parsed `manifest.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    variants: tuple[Variant, ...]


def load_manifest(path: Path = MANIFEST_PATH) -> list[Variant]:
    """Every variant of the corpus, in manifest order."""
    with path.open("rb") as handle:
        return list(Manifest.model_validate(tomllib.load(handle)).variants)


def find_variant(variant_id: str, variants: list[Variant] | None = None) -> Variant:
    """The variant with this id."""
    for variant in load_manifest() if variants is None else variants:
        if variant.id == variant_id:
            return variant
    raise CorpusError(f"no variant {variant_id!r} in {MANIFEST_PATH.name}")


def copy_reference(dest: Path, reference: Path = REFERENCE_DIR) -> Path:
    """Copy the reference solution to the new folder ``dest``, without caches and databases."""
    shutil.copytree(
        reference, dest, ignore=shutil.ignore_patterns(*_SKIPPED_NAMES, *_SKIPPED_PATTERNS)
    )
    return dest


def apply_patch(patch: Path, dest: Path) -> None:
    """Apply ``patch`` to the folder ``dest``: all of it, or nothing (checked by a dry run)."""
    if not patch.is_file():
        raise CorpusError(f"patch file {patch} does not exist")
    for extra in (("--dry-run",), ()):
        result = subprocess.run(
            [*_PATCH_COMMAND, *extra, "-d", str(dest), "-i", str(patch)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            raise CorpusError(f"{patch.name} does not apply to the reference:\n{output}")


def materialize(variant: Variant, dest: Path) -> Path:
    """Build ``variant`` in the new folder ``dest``: the reference with the variant's patch."""
    if dest.exists():
        raise CorpusError(f"{dest} already exists; materialize() builds a new folder")
    copy_reference(dest)
    apply_patch(variant.patch_path, dest)
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python tests/corpus/variants.py <variant-id> <new-folder>")
    try:
        built = materialize(find_variant(sys.argv[1]), Path(sys.argv[2]))
    except CorpusError as exc:
        sys.exit(str(exc))
    sys.stdout.write(f"{built}\n")
