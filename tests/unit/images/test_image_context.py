"""build_context: only what an image needs; the reference solution never enters the harness."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from grader.images import build_context, content_hash, ensure_wheelhouse


def _files(context: Path) -> set[str]:
    return {p.relative_to(context).as_posix() for p in context.rglob("*") if p.is_file()}


def test_runtime_context_holds_dockerfile_requirements_and_wheels(
    project: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    context = build_context(
        "runtime", workdir=tmp_path / "ctx", root=project, wheelhouse=wheelhouse
    )
    assert _files(context) == {
        "Dockerfile",
        "requirements.txt",
        "wheelhouse/fastapi-0.165.0-py3-none-any.whl",
    }
    assert (context / "requirements.txt").read_text() == "fastapi==0.165.0\n"
    assert (context / "Dockerfile").read_text() == "FROM ${BASE_IMAGE}\n"


def test_harness_context_leaves_out_the_reference_and_caches(
    project: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    context = build_context(
        "harness", workdir=tmp_path / "ctx", root=project, wheelhouse=wheelhouse
    )
    assert _files(context) == {
        "Dockerfile",
        "requirements.txt",
        "wheelhouse/fastapi-0.165.0-py3-none-any.whl",
        "harness/openapi.yaml",
        "harness/grader/__init__.py",
        "harness/grader/harness/__init__.py",
        "harness/grader/harness/plugin.py",
        "harness/hidden_tests/rubric.toml",
        "harness/hidden_tests/test_api.py",
        "harness/hidden_tests/support/data.json",
    }
    assert not (context / "harness/hidden_tests/reference").exists()
    everything = b"".join(p.read_bytes() for p in context.rglob("*") if p.is_file())
    assert b"SECRET_REFERENCE" not in everything


def test_a_symlink_into_the_reference_is_not_followed(
    project: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    hidden = project / "hidden_tests"
    (hidden / "leak.py").symlink_to(hidden / "reference/app/main.py")
    (hidden / "leakdir").symlink_to(hidden / "reference", target_is_directory=True)
    context = build_context(
        "harness", workdir=tmp_path / "ctx", root=project, wheelhouse=wheelhouse
    )
    assert not any("leak" in name for name in _files(context))


def test_a_symlink_to_another_hidden_file_is_copied_as_a_file(
    project: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    hidden = project / "hidden_tests"
    (hidden / "alias.json").symlink_to(hidden / "support/data.json")
    context = build_context(
        "harness", workdir=tmp_path / "ctx", root=project, wheelhouse=wheelhouse
    )
    copied = context / "harness/hidden_tests/alias.json"
    assert copied.is_file()
    assert not copied.is_symlink()


def test_missing_harness_sources_still_give_the_directories_the_dockerfile_copies(
    project: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    for name in ("grader/harness/__init__.py", "grader/harness/plugin.py"):
        (project / name).unlink()
    context = build_context(
        "harness", workdir=tmp_path / "ctx", root=project, wheelhouse=wheelhouse
    )
    assert (context / "harness/grader/harness").is_dir()


def test_context_modes_are_normalized(project: Path, wheelhouse: Path, tmp_path: Path) -> None:
    (project / "hidden_tests/test_api.py").chmod(0o777)
    context = build_context(
        "harness", workdir=tmp_path / "ctx", root=project, wheelhouse=wheelhouse
    )
    for path in [context, *context.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), path


@pytest.mark.parametrize("role", ["runtime", "harness"])
def test_the_hash_covers_exactly_the_context_sources(
    project: Path, wheelhouse: Path, tmp_path: Path, role: str
) -> None:
    # Adding a file that the context would not take must not change the hash, and vice versa.
    context = build_context(role, workdir=tmp_path / "ctx", root=project, wheelhouse=wheelhouse)
    before = content_hash(role, base_image="b", root=project)
    (project / "hidden_tests/reference/new.py").write_text("x = 1\n")
    assert content_hash(role, base_image="b", root=project) == before
    assert "harness/hidden_tests/reference/new.py" not in _files(context)


def test_a_complete_cached_wheelhouse_is_reused_without_pip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls: list[str] = []
    monkeypatch.setattr(
        "grader.images._collect_wheels",
        lambda *, requirements, wheel_dir, say: (
            calls.append(str(requirements))
            or (wheel_dir / "x-1-py3-none-any.whl").write_bytes(b"PK")
        ),
    )
    first = ensure_wheelhouse(requirements=b"x==1\n")
    second = ensure_wheelhouse(requirements=b"x==1\n")
    other = ensure_wheelhouse(requirements=b"x==2\n")
    assert first == second != other
    assert len(calls) == 2
    assert (first / "x-1-py3-none-any.whl").is_file()
    assert first.parent == tmp_path / "cache" / "ledger-grader" / "wheelhouse"
