"""The seeded-bug corpus (tests/corpus/) is consistent with the rubric and builds cleanly.

Every variant's patch applies to the reference solution and leaves Python that compiles; the
manifest names real checks of the variant's skill. Whether the grader catches each variant is
verified separately, by grading the built variants (tests/corpus/variants.py shows how).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from grader.paths import RUBRIC_PATH
from grader.rubric import load_rubric

CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"


def _load(name: str) -> ModuleType:
    """Import a module of tests/corpus/ (a folder of scripts, not a package)."""
    module_name = f"corpus_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, CORPUS_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load("variants")
strip_asserts = _load("strip_asserts")
VARIANTS = corpus.load_manifest()
RUBRIC = load_rubric(RUBRIC_PATH)
CHECK_SKILLS = {check.id: check.skill for check in RUBRIC.checks}


def _ids(variants: list) -> list[str]:
    return [variant.id for variant in variants]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every variant built once, keyed by id."""
    root = tmp_path_factory.mktemp("corpus")
    return {variant.id: corpus.materialize(variant, root / variant.id) for variant in VARIANTS}


def test_the_corpus_is_large_enough_and_covers_every_skill() -> None:
    assert len(VARIANTS) >= 25
    assert {variant.skill for variant in VARIANTS} == set(RUBRIC.skills)


def test_variant_ids_are_unique() -> None:
    duplicates = [vid for vid, count in Counter(_ids(VARIANTS)).items() if count > 1]
    assert duplicates == []


def test_every_patch_file_is_listed_once_and_every_listed_patch_exists() -> None:
    on_disk = sorted(
        path.relative_to(CORPUS_DIR).as_posix() for path in CORPUS_DIR.glob("seeded/*")
    )
    listed = sorted(variant.patch for variant in VARIANTS)
    assert listed == on_disk


@pytest.mark.parametrize("variant", VARIANTS, ids=_ids(VARIANTS))
def test_manifest_entry_names_a_skill_and_checks_of_that_skill(variant: object) -> None:
    assert variant.skill in RUBRIC.skills
    assert 0 < variant.min_loss <= 100
    unknown = [check for check in variant.expect_checks if check not in CHECK_SKILLS]
    assert unknown == [], "expect_checks must be check ids of hidden_tests/rubric.toml"
    foreign = [c for c in variant.expect_checks if CHECK_SKILLS[c] != variant.skill]
    assert foreign == [], f"expect_checks must belong to the skill {variant.skill!r}"
    if variant.tier in ("hidden", "static"):
        assert variant.expect_checks, "an automatically caught variant names the checks it fails"


@pytest.mark.parametrize("variant", VARIANTS, ids=_ids(VARIANTS))
def test_variant_builds_and_its_python_compiles(variant: object, built: dict[str, Path]) -> None:
    folder = built[variant.id]
    assert (folder / "app" / "main.py").is_file()
    for path in sorted(folder.rglob("*.py")):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


@pytest.mark.parametrize("variant", VARIANTS, ids=_ids(VARIANTS))
def test_variant_differs_from_the_reference(variant: object, built: dict[str, Path]) -> None:
    folder = built[variant.id]
    changed = [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and (
            not (corpus.REFERENCE_DIR / path.relative_to(folder)).is_file()
            or path.read_bytes() != (corpus.REFERENCE_DIR / path.relative_to(folder)).read_bytes()
        )
    ]
    assert changed, "the patch must change something"


def test_the_copy_leaves_out_caches_and_databases(built: dict[str, Path]) -> None:
    folder = built[VARIANTS[0].id]
    junk = [
        path
        for path in folder.rglob("*")
        if path.name in ("__pycache__", ".venv", ".hypothesis") or path.suffix == ".db"
    ]
    assert junk == []


def test_the_assertless_suite_patch_is_the_generator_output() -> None:
    stored = (CORPUS_DIR / "seeded" / "tests-assert-nothing.patch").read_text(encoding="utf-8")
    assert stored == strip_asserts.assertless_patch(corpus.REFERENCE_DIR), (
        "the reference's tests changed: regenerate the patch (see tests/corpus/strip_asserts.py)"
    )


def test_the_assertless_suite_has_no_assert_left(built: dict[str, Path]) -> None:
    folder = built["tests-assert-nothing"]
    tests = strip_asserts.test_files(folder)
    assert tests
    for path in tests:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not any(isinstance(node, ast.Assert) for node in ast.walk(tree)), path.name


def test_strip_asserts_keeps_blocks_valid_and_calls_running() -> None:
    source = (
        "def test_a():\n"
        "    x = 1\n"
        "    assert x == 1, (\n"
        '        "multi-line message"\n'
        "    )\n"
        "\n"
        "def test_b():\n"
        "    assert True\n"
        "\n"
        "def test_c():\n"
        "    assert main() == 0, 'exit status'\n"
        "    assert run(\n"
        "        1)\n"
        "    assert [f(x) for x in xs] == [1]\n"
    )
    expected = (
        "def test_a():\n"
        "    x = 1\n"
        "\n"
        "def test_b():\n"
        "    pass\n"
        "\n"
        "def test_c():\n"
        "    main()\n"
        "    run(\n"
        "        1)\n"
    )
    stripped = strip_asserts.strip_asserts(source)
    assert stripped == expected
    compile(stripped, "stripped", "exec")


def test_a_patch_that_does_not_apply_is_reported_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.patch"
    bad.write_text(
        "--- a/app/db.py\n+++ b/app/db.py\n@@ -1,1 +1,1 @@\n-no such line\n+replacement\n"
    )
    variant = VARIANTS[0].model_copy(update={"patch": str(bad)})
    dest = tmp_path / "variant"
    with pytest.raises(corpus.CorpusError, match=r"bad\.patch does not apply"):
        corpus.materialize(variant, dest)
    reference_db = corpus.REFERENCE_DIR / "app" / "db.py"
    assert (dest / "app" / "db.py").read_bytes() == reference_db.read_bytes()


def test_materialize_refuses_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(corpus.CorpusError, match="already exists"):
        corpus.materialize(VARIANTS[0], tmp_path)


def test_an_unknown_variant_id_is_reported() -> None:
    with pytest.raises(corpus.CorpusError, match="no variant 'no-such-variant'"):
        corpus.find_variant("no-such-variant")
