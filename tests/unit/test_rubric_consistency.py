"""hidden_tests/rubric.toml and the hidden tests' check markers agree in both directions.

The check ids of the hidden tests are collected statically (``ast`` over hidden_tests/**/*.py,
the reference implementation excluded), so this runs without a service and without importing
the hidden suites.
"""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import get_args

import pytest

from grader.paths import HIDDEN_TESTS_DIR as HIDDEN
from grader.paths import RUBRIC_PATH as RUBRIC
from grader.rubric import SKILLS, Source

CHECK_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
HARNESS_CHECKS = {"reliability.service.ready"}


def _rubric() -> dict:
    with RUBRIC.open("rb") as fh:
        return tomllib.load(fh)


def _is_check_marker(node: ast.expr) -> bool:
    """``pytest.mark.check(...)`` (or ``mark.check(...)``)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "check"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "mark"
    )


def _test_files() -> list[Path]:
    return sorted(
        p
        for p in HIDDEN.rglob("*.py")
        if "reference" not in p.relative_to(HIDDEN).parts and p.name.startswith("test_")
    )


def _markers() -> dict[str, list[str]]:
    """``{"path::test_name": [check ids...]}`` for every test function of the hidden suites."""
    found: dict[str, list[str]] = {}
    for path in _test_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if not node.name.startswith("test_"):
                continue
            ids = []
            for decorator in node.decorator_list:
                if _is_check_marker(decorator):
                    assert isinstance(decorator, ast.Call)
                    arg = decorator.args[0] if decorator.args else None
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        ids.append(arg.value)
                    else:
                        ids.append("<not a string literal>")
            found[f"{path.relative_to(HIDDEN.parent)}::{node.name}"] = ids
    return found


def test_rubric_parses_with_known_schema() -> None:
    rubric = _rubric()
    assert rubric["schema_version"] == 1
    assert rubric["bands"]["strong"] > rubric["bands"]["meets"] > 0
    assert set(rubric["skills"]) == set(SKILLS)
    for name, skill in rubric["skills"].items():
        assert skill["title"] and skill["requirement"], name
        assert isinstance(skill["weight"], int | float) and skill["weight"] > 0, name


def test_checks_are_well_formed_and_unique() -> None:
    checks = _rubric()["checks"]
    counts = Counter(c["id"] for c in checks)
    duplicates = [cid for cid, n in counts.items() if n > 1]
    assert not duplicates, f"duplicate check ids: {duplicates}"
    for check in checks:
        cid = check["id"]
        assert CHECK_ID.match(cid), f"malformed check id {cid!r}"
        assert check["skill"] in SKILLS, f"{cid}: unknown skill {check['skill']!r}"
        assert cid.split(".")[0] == check["skill"], f"{cid}: id prefix must be its skill"
        assert isinstance(check["points"], int | float) and check["points"] > 0, cid
        assert check["scoring"] in {"all", "fraction"}, cid
        assert check["source"] in get_args(Source), cid
        for field in ("title", "hint", "reviewer_note"):
            assert isinstance(check.get(field), str) and check[field].strip(), f"{cid}: {field}"


# The modules of grader/checks/ that answer each non-hidden source, by their CHECK_IDS.
STAGE_MODULES = {
    "static": ("static_code", "static_repo"),
    "candidate_tests": ("candidate_tests",),
    "git": ("git_hygiene",),
    "review": ("review",),
    "notes": ("notes",),
    "integrity": ("integrity",),
    "reliability": ("reliability",),
    "performance": ("performance",),
}


@pytest.mark.parametrize("source", sorted(STAGE_MODULES))
def test_each_stage_answers_exactly_its_rubric_checks(source: str) -> None:
    declared = {c["id"] for c in _rubric()["checks"] if c["source"] == source}
    answered: set[str] = set()
    for name in STAGE_MODULES[source]:
        answered |= set(importlib.import_module(f"grader.checks.{name}").CHECK_IDS)
    assert answered == declared


def test_harness_checks() -> None:
    harness = {c["id"] for c in _rubric()["checks"] if c["source"] == "harness"}
    assert harness == HARNESS_CHECKS


def test_every_hidden_test_has_exactly_one_known_check() -> None:
    markers = _markers()
    assert markers, "no hidden tests found"
    declared = {c["id"] for c in _rubric()["checks"]}
    wrong_count = [test for test, ids in markers.items() if len(ids) != 1]
    assert not wrong_count, f"tests without exactly one check marker: {wrong_count}"
    unknown = {ids[0] for ids in markers.values()} - declared
    assert not unknown, f"check ids used by tests but missing from rubric.toml: {sorted(unknown)}"


def test_every_hidden_check_has_a_test() -> None:
    used = {ids[0] for ids in _markers().values() if ids}
    hidden = {c["id"] for c in _rubric()["checks"] if c["source"] == "hidden"}
    orphans = hidden - used
    assert not orphans, f"hidden checks without any test: {sorted(orphans)}"
    harness = {c["id"] for c in _rubric()["checks"] if c["source"] == "harness"}
    assert not (harness & used), "harness checks must not be produced by hidden tests"


@pytest.mark.parametrize("skill", sorted(SKILLS))
def test_skills_are_declared_even_without_checks(skill: str) -> None:
    assert skill in _rubric()["skills"]
