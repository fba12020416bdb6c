"""Fixtures for the submission-intake tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .builders import PROJECT, run_git, write_files


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The grader's work directory, where snapshots are written."""
    return tmp_path / "work"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A plain project directory (no git) with an executable script and a binary file."""
    root = tmp_path / "project"
    write_files(root, PROJECT)
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree holding PROJECT after three commits, tagged v1 at the second."""
    root = tmp_path / "repo"
    root.mkdir()
    run_git("init", "-q", str(root), cwd=tmp_path)
    write_files(root, {"README.md": "# Ledger\n", "src/ledger/__init__.py": ""})
    run_git("add", "-A", cwd=root)
    run_git("commit", "-q", "-m", "Start the ledger", cwd=root)
    write_files(
        root, {"src/ledger/app.py": "def main():\n    return 42\n", "run.sh*": PROJECT["run.sh*"]}
    )
    run_git("add", "-A", cwd=root)
    run_git("commit", "-q", "-m", "Add the app\n\nWith a body that is not the subject.", cwd=root)
    run_git("tag", "v1", cwd=root)
    write_files(root, {"data/seed.bin": PROJECT["data/seed.bin"]})
    run_git("add", "-A", cwd=root)
    run_git("commit", "-q", "-m", "Seed data", cwd=root)
    return root
