"""content_hash: stable for the same inputs, sensitive to everything that shapes an image."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.errors import InfrastructureError
from grader.images import content_hash


def _hash(root: Path, role: str = "harness", **kwargs: str) -> str:
    return content_hash(
        role,
        base_image=kwargs.get("base", "python:3.11-slim"),
        base_id=kwargs.get("base_id", "sha256:aaa"),
        root=root,
    )


def test_hash_is_16_hex_chars_and_stable(project: Path) -> None:
    first = _hash(project)
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert _hash(project) == first


def test_roles_hash_differently(project: Path) -> None:
    assert _hash(project, "runtime") != _hash(project, "harness")


@pytest.mark.parametrize(
    ("role", "changed"),
    [
        ("runtime", "docker/runtime.Dockerfile"),
        ("runtime", "exercise/requirements.txt"),
        ("harness", "docker/harness.Dockerfile"),
        ("harness", "docker/harness-requirements.txt"),
        ("harness", "exercise/openapi.yaml"),
        ("harness", "grader/__init__.py"),
        ("harness", "grader/harness/plugin.py"),
        ("harness", "hidden_tests/rubric.toml"),
        ("harness", "hidden_tests/support/data.json"),
    ],
)
def test_a_change_to_any_context_file_changes_the_hash(
    project: Path, role: str, changed: str
) -> None:
    before = _hash(project, role)
    with (project / changed).open("a") as handle:
        handle.write("# changed\n")
    assert _hash(project, role) != before


def test_a_new_hidden_test_changes_the_hash(project: Path) -> None:
    before = _hash(project)
    (project / "hidden_tests" / "test_new.py").write_text("def test_new(): ...\n")
    assert _hash(project) != before


def test_renaming_a_file_changes_the_hash(project: Path) -> None:
    before = _hash(project)
    (project / "hidden_tests/test_api.py").rename(project / "hidden_tests/test_api2.py")
    assert _hash(project) != before


@pytest.mark.parametrize("role", ["runtime", "harness"])
def test_the_base_image_name_and_id_change_the_hash(project: Path, role: str) -> None:
    base = _hash(project, role)
    assert _hash(project, role, base="ledger-grader/base:bookworm") != base
    assert _hash(project, role, base_id="sha256:bbb") != base


@pytest.mark.parametrize(
    "ignored",
    [
        "hidden_tests/reference/app/main.py",
        "hidden_tests/__pycache__/test_api.cpython-311.pyc",
        "grader/cli.py",
        "exercise/app/main.py",
    ],
)
def test_files_outside_the_context_do_not_change_the_hash(project: Path, ignored: str) -> None:
    before = {role: _hash(project, role) for role in ("runtime", "harness")}
    (project / ignored).write_text("# changed\n")
    assert {role: _hash(project, role) for role in ("runtime", "harness")} == before


def test_missing_exercise_requirements_is_an_infrastructure_error(project: Path) -> None:
    (project / "exercise/requirements.txt").unlink()
    with pytest.raises(InfrastructureError) as caught:
        _hash(project, "runtime")
    assert "exercise/requirements.txt" in caught.value.message
    assert caught.value.tip


def test_missing_openapi_is_an_infrastructure_error(project: Path) -> None:
    (project / "exercise/openapi.yaml").unlink()
    with pytest.raises(InfrastructureError, match=r"exercise/openapi\.yaml"):
        _hash(project, "harness")


def test_an_unknown_role_is_a_programming_error(project: Path) -> None:
    with pytest.raises(ValueError, match="unknown image role"):
        _hash(project, "database")
