"""The git stage: history shape, commit subjects, generated files; from GitInfo and a real repo."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from grader.checks import git_hygiene
from grader.checks.base import CheckContext
from grader.model import CheckResult, Status
from grader.paths import EXERCISE_DIR, RUBRIC_PATH
from grader.rubric import load_rubric
from grader.submission import CommitInfo, GitInfo, Submission, load_submission

HISTORY = "collaboration.git.history"
MESSAGES = "collaboration.git.messages"
NO_GENERATED = "collaboration.git.no_generated"


def commit(
    subject: str = "Add the statement route",
    *,
    lines: int = 10,
    files: tuple[str, ...] = ("app/main.py",),
    sha: str = "a" * 40,
) -> CommitInfo:
    return CommitInfo(sha, "2026-11-27T10:00:00+00:00", subject, files, lines, 0)


def git_info(*commits: CommitInfo, base: str | None = "b" * 40) -> GitInfo:
    return GitInfo(ref="main", commit="c" * 40, tree="d" * 40, base=base, commits=commits)


def grade(git: GitInfo | None, root: Path = Path()) -> dict[str, CheckResult]:
    submission = Submission("x", "git" if git else "directory", root, "0" * 64, 1, 0, git, ())
    context = CheckContext(
        rubric=load_rubric(RUBRIC_PATH), submission=submission, exercise=EXERCISE_DIR
    )
    return {result.id: result for result in git_hygiene.run(context).checks}


def test_without_git_every_check_is_skipped() -> None:
    results = grade(None)
    assert set(results) == {HISTORY, MESSAGES, NO_GENERATED}
    for result in results.values():
        assert result.status is Status.SKIPPED
        assert result.message == "Not a git submission: git hygiene was not assessed."
        assert result.points == 0.0


@pytest.mark.parametrize(
    ("sizes", "share"),
    [
        ((), 0.0),
        ((500,), 0.25),
        ((50, 50), 0.5 * 2 / 4 + 0.5),
        ((90, 10), 0.5 * 2 / 4 + 0.5 * 0.2),
        ((40, 30, 20, 10), 1.0),
        ((10, 10, 10, 10, 10, 50), 1.0),
        ((70, 10, 10, 10), 0.5 + 0.5 * 0.6),
        ((0, 0), 0.25),
    ],
)
def test_history_curve(sizes: tuple[int, ...], share: float) -> None:
    commits = [commit(lines=size) for size in sizes]
    assert git_hygiene.history_share(commits) == pytest.approx(share)


def test_one_giant_commit_is_named() -> None:
    result = grade(git_info(commit(lines=3000)))[HISTORY]
    assert result.message.startswith("One giant commit")
    assert result.points == pytest.approx(result.max_points * 0.25)


def test_an_unknown_base_is_said() -> None:
    results = grade(git_info(commit(), commit(), base=None))
    assert "initial commit is unknown" in results[HISTORY].message
    assert "initial commit is unknown" in results[MESSAGES].message


@pytest.mark.parametrize(
    "subject",
    [
        "Add the CSV statement export",
        "Fix the inclusive until bound",
        "feat(api): add cursor pagination",
        "Embed the request id in every log line",
        "Bring the openapi contract up to date",
        "Merge branch 'feature/export'",
    ],
)
def test_good_subjects(subject: str) -> None:
    assert git_hygiene.subject_problems(subject) == []


@pytest.mark.parametrize(
    ("subject", "problem"),
    [
        ("wip", "marked work in progress"),
        ("WIP: transfers", "marked work in progress"),
        ("fix", "says nothing about the change"),
        ("Update", "says nothing about the change"),
        ("changes", "says nothing about the change"),
        ("stuff", "says nothing about the change"),
        (".", "says nothing about the change"),
        ("", "empty subject"),
        ("Added pagination", "not imperative ('Added')"),
        ("Adding pagination", "not imperative ('Adding')"),
        ("Adds pagination", "not imperative ('Adds')"),
        ("Add pagination to the entries listing.", "ends with a period"),
        ("Add " + "very " * 20 + "long subject", "longer than 72 characters"),
        ("3 tweaks to the API", "does not start with a verb"),
    ],
)
def test_weak_subjects(subject: str, problem: str) -> None:
    assert problem in git_hygiene.subject_problems(subject)


def test_messages_share_and_evidence() -> None:
    commits = (
        commit("Add the statement route", sha="1" * 40),
        commit("wip", sha="2" * 40),
        commit("Fixed tests.", sha="3" * 40),
        commit("Validate timestamps at the edge", sha="4" * 40),
    )
    result = grade(git_info(*commits))[MESSAGES]
    assert result.points == pytest.approx(result.max_points * 0.5)
    assert result.message.startswith("2 of 4 commit subjects")
    listing = result.evidence[0]["text"]
    assert "2222222222 wip: marked work in progress" in listing
    assert "3333333333 Fixed tests.: not imperative ('Fixed'), ends with a period" in listing


@pytest.mark.parametrize(
    "path",
    [
        "app/__pycache__/main.cpython-311.pyc",
        ".venv/bin/python",
        "venv/lib/site.py",
        "ledger.db",
        "data/ledger.sqlite3",
        ".coverage",
        "htmlcov/index.html",
        ".pytest_cache/v/cache/nodeids",
        "node_modules/x/index.js",
        "docs/.DS_Store",
        "dist/ledger-1.0.tar.gz",
        "build/lib/app/main.py",
        "ledger.egg-info/PKG-INFO",
    ],
)
def test_generated_paths(path: str) -> None:
    assert git_hygiene.is_generated(path)


@pytest.mark.parametrize(
    "path", ["app/main.py", "tests/test_db.py", "docker/Dockerfile", "app/builders.py", "README.md"]
)
def test_source_paths(path: str) -> None:
    assert not git_hygiene.is_generated(path)


def test_generated_files_fail_with_the_commit_named() -> None:
    dirty = commit(files=("app/main.py", "app/__pycache__/main.cpython-311.pyc"), sha="9" * 40)
    result = grade(git_info(commit(), dirty))[NO_GENERATED]
    assert result.status is Status.FAILED
    assert result.evidence[0]["title"] == "Commit 9999999999: generated files"
    assert result.evidence[0]["text"] == "app/__pycache__/main.cpython-311.pyc"
    assert grade(git_info(commit()))[NO_GENERATED].status is Status.PASSED


# --------------------------------------------------------------------------- a real repository


def git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Candidate",
        "GIT_AUTHOR_EMAIL": "candidate@example.com",
        "GIT_COMMITTER_NAME": "Candidate",
        "GIT_COMMITTER_EMAIL": "candidate@example.com",
        "GIT_AUTHOR_DATE": "2026-11-27T10:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-11-27T10:00:00+00:00",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def commit_files(repo: Path, message: str, files: dict[str, str]) -> str:
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", message, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


def test_a_real_repository_since_its_base(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    base = commit_files(repo, "Start from the exercise", {"app/main.py": "x = 1\n" * 200})
    commit_files(repo, "Add the statement route", {"app/routes.py": "y = 2\n" * 30})
    commit_files(repo, "wip", {"app/routes.py": "y = 3\n" * 30})
    commit_files(repo, "Added tests", {"tests/test_routes.py": "z = 1\n" * 20})
    commit_files(
        repo,
        "Cache the compiled module",
        {"app/__pycache__/routes.cpython-311.pyc": "bytes\n"},
    )

    submission = load_submission(f"{repo}@main", workdir=tmp_path / "work", base_ref=base)
    assert submission.git is not None
    results = grade(submission.git, submission.root)

    # Four commits since the base; the largest (the "wip" rewrite, 60 lines) holds 60/111.
    spread = (1 - 60 / 111) / 0.5
    history = results[HISTORY]
    assert history.points == pytest.approx(history.max_points * (0.5 + 0.5 * spread), abs=1e-3)
    assert results[MESSAGES].points == pytest.approx(results[MESSAGES].max_points * 0.5)
    assert results[NO_GENERATED].status is Status.FAILED
    assert "routes.cpython-311.pyc" in results[NO_GENERATED].evidence[0]["text"]
