"""The `grader` command as a hiring team runs it: a git ref, exit codes, and doctor."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.paths import EXERCISE_DIR

pytestmark = pytest.mark.docker
GIT = ["git", "-c", "user.name=Hiring Team", "-c", "user.email=team@example.com"]


def grader(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def candidate_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The exercise as a candidate's repository: an initial commit, then a branch with work."""
    repo = tmp_path_factory.mktemp("candidate") / "repo"
    shutil.copytree(
        EXERCISE_DIR, repo, ignore=shutil.ignore_patterns(".venv", "data", "__pycache__")
    )
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "Initial exercise"], cwd=repo, check=True)
    subprocess.run([*GIT, "checkout", "-qb", "solution"], cwd=repo, check=True)
    (repo / "NOTES.md").write_text("# Notes\n\nDecisions: keyset pagination.\n")
    subprocess.run([*GIT, "commit", "-qam", "Write the design notes"], cwd=repo, check=True)
    return repo


def test_grading_a_git_ref_records_its_history(
    candidate_repo: Path, tmp_path: Path, grader_images: Any
) -> None:
    done = grader(
        "grade",
        f"{candidate_repo}@solution",
        "--base",
        "main",
        "--only",
        "reliability.service",
        "--format",
        "json",
        "--out",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    git = document["submission"]["git"]
    assert document["submission"]["kind"] == "git"
    assert git["ref"] == "solution"
    assert [c["subject"] for c in git["commits"]] == ["Write the design notes"]
    assert document["status"] == "graded"


def test_an_unknown_ref_is_a_usage_error(candidate_repo: Path, tmp_path: Path) -> None:
    done = grader("grade", f"{candidate_repo}@no-such-branch", cwd=tmp_path)
    assert done.returncode == 2
    assert "Tip:" in done.stderr
    assert "solution" in done.stderr  # the refs that do exist are listed
    assert "Traceback" not in done.stderr


def test_pass_mark_turns_a_low_grade_into_exit_1(
    candidate_repo: Path, tmp_path: Path, grader_images: Any
) -> None:
    # The untouched starter has no idempotency: graded, and below any pass mark.
    done = grader(
        "grade",
        f"{candidate_repo}@main",
        "--only",
        "data.idempotency",
        "--pass-mark",
        "50",
        "--format",
        "json",
        "--out",
        str(tmp_path),
        cwd=tmp_path,
    )
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["status"] == "graded"
    assert document["total"]["passed"] is False
    assert done.returncode == 1, done.stderr


def test_doctor_reports_a_ready_machine(grader_images: Any, tmp_path: Path) -> None:
    done = grader("doctor", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert "docker engine" in done.stdout
    assert "FAIL" not in done.stdout
