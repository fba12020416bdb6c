"""Hand out, solve, push, grade: the git workflow end to end with real git and the real CLI.

The exercise is exported, a candidate commits twice on top of it and pushes a branch to a bare
repository, and the branch is graded with --since-exercise (host-side checks only, no Docker):
the git checks must see exactly the candidate's commits. The GitHub workflow's own grade and
status steps run unchanged against the same repository. A planted leak stops an export made
through the CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.export import export_exercise
from grader.leaks import hidden_material
from grader.paths import EXERCISE_DIR, PROJECT_ROOT, REFERENCE_DIR

pytestmark = pytest.mark.slow

GIT = ["git", "-c", "user.name=Candidate", "-c", "user.email=candidate@example.org"]
ONLY = "collaboration,code_quality.repo,code_quality.integrity"
WORKFLOW = PROJECT_ROOT / "ci" / "github" / "grade-submissions.yml"
CANDIDATE_SUBJECTS = ["Implement withdrawals", "Store idempotent outcomes"]


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run([*GIT, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def grader(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def pushed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A bare repository with the candidate's branch: export, two commits, push."""
    root = tmp_path_factory.mktemp("workflow")
    handout = export_exercise(root / "candidate", message="Hand out the ledger exercise")
    work = handout.out
    for relative, subject in zip(
        ("app/routes/withdrawals.py", "app/idempotency.py"), CANDIDATE_SUBJECTS, strict=True
    ):
        shutil.copyfile(REFERENCE_DIR / relative, work / relative)
        git("add", "--all", cwd=work)
        git("commit", "-qm", subject, cwd=work)
    bare = root / "submissions.git"
    git("init", "-q", "--bare", str(bare), cwd=root)
    git("push", "-q", str(bare), "main:refs/heads/submissions/ann", cwd=work)
    # Another branch with other work: grading one branch must not see the other's commits.
    git("switch", "-q", "-c", "bob", handout.commit, cwd=work)
    (work / "NOTES.md").write_text("Bob's notes\n")
    git("commit", "-qam", "Write notes", cwd=work)
    git("push", "-q", str(bare), "bob:refs/heads/submissions/bob", cwd=work)
    return {"root": root, "bare": bare, "handout": handout}


def graded(pushed: dict[str, Any], *extra: str) -> tuple[int, dict[str, Any]]:
    out = pushed["root"] / f"grade-{len(list(pushed['root'].iterdir()))}"
    spec = f"{pushed['bare']}@submissions/ann"
    done = grader("grade", spec, "--only", ONLY, "--format", "json", "--out", str(out), *extra)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads((out / "results.json").read_text())


def check(document: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in document["checks"] if c["id"] == check_id)


def test_since_exercise_judges_exactly_the_candidates_commits(pushed: dict[str, Any]) -> None:
    _, document = graded(pushed, "--since-exercise")
    history = document["submission"]["git"]
    assert history["base"] == pushed["handout"].commit
    assert [c["subject"] for c in history["commits"]] == CANDIDATE_SUBJECTS
    assert check(document, "collaboration.git.messages")["status"] == "passed"
    assert check(document, "collaboration.git.history")["message"].startswith("2 commit(s)")
    assert (
        "initial commit is unknown" not in check(document, "collaboration.git.history")["message"]
    )


def test_without_since_exercise_the_handout_commit_counts_too(pushed: dict[str, Any]) -> None:
    _, document = graded(pushed)
    history = document["submission"]["git"]
    assert history["base"] is None
    assert [c["subject"] for c in history["commits"]] == [
        "Hand out the ledger exercise",
        *CANDIDATE_SUBJECTS,
    ]
    assert "initial commit is unknown" in check(document, "collaboration.git.history")["message"]


def test_copied_reference_code_without_canary_is_not_an_integrity_flag(
    pushed: dict[str, Any],
) -> None:
    # withdrawals.py and idempotency.py carry no canary: similarity is another stage's job.
    _, document = graded(pushed, "--since-exercise")
    assert check(document, "code_quality.integrity.no_hidden_material")["status"] == "passed"


def test_a_planted_hidden_test_name_stops_the_cli_export(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXERCISE_DIR, project / "exercise", ignore=shutil.ignore_patterns(".venv"))
    for shared in ("hidden_tests", "docker"):
        (project / shared).symlink_to(PROJECT_ROOT / shared, target_is_directory=True)
    name = sorted(hidden_material().test_names)[0]
    notes = project / "exercise" / "NOTES.md"
    notes.write_text(notes.read_text() + f"\nHint: look at {name}.\n")
    out = tmp_path / "handout"
    done = grader("export-exercise", str(out), env={"GRADER_PROJECT_ROOT": str(project)})
    assert done.returncode == 3, done.stdout + done.stderr
    assert "NOTES.md" in done.stderr and name in done.stderr and "hidden test name" in done.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


# --------------------------------------------------------------------------- the CI workflow


def workflow_step(name: str) -> dict[str, Any]:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return next(s for s in jobs["grade"]["steps"] if s.get("name") == name)


def run_step(name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One `run` step of the workflow, as the runner runs it (bash -e), with its own env."""
    step = workflow_step(name)
    script = cwd / f"{name.replace(' ', '-')}.sh"
    script.write_text(step["run"])
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    full_env = {**os.environ, **step.get("env", {}), **env, "PATH": path}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def runner_workspace(pushed: dict[str, Any], tmp_path: Path) -> dict[str, Path]:
    """What the workflow's checkouts leave: the submission branch cloned into submission/."""
    git(
        "clone",
        "-q",
        "--branch",
        "submissions/ann",
        str(pushed["bare"]),
        "submission",
        cwd=tmp_path,
    )
    files = {"output": tmp_path / "github_output", "summary": tmp_path / "step_summary"}
    for path in files.values():
        path.write_text("")
    return {"dir": tmp_path, **files}


def github_env(workspace: dict[str, Path], pass_mark: str) -> dict[str, str]:
    return {
        "GRADER_ONLY": ONLY,
        "PASS_MARK": pass_mark,
        "FAIL_BELOW_PASS_MARK": "false",
        "GITHUB_OUTPUT": str(workspace["output"]),
        "GITHUB_STEP_SUMMARY": str(workspace["summary"]),
    }


def test_the_workflows_grade_step_grades_the_branch(runner_workspace: dict[str, Path]) -> None:
    done = run_step("Grade", runner_workspace["dir"], github_env(runner_workspace, ""))
    assert done.returncode == 0, done.stderr
    assert runner_workspace["output"].read_text() == "exit_code=0\n"
    report = runner_workspace["dir"] / "grade-report"
    assert sorted(p.name for p in report.iterdir()) == [
        "junit.xml",
        "report.html",
        "report.md",
        "results.json",
    ]
    summary = runner_workspace["summary"].read_text()
    assert summary == (report / "report.md").read_text() and "commits: 2" in summary
    document = json.loads((report / "results.json").read_text())
    assert [c["subject"] for c in document["submission"]["git"]["commits"]] == CANDIDATE_SUBJECTS


def test_below_the_pass_mark_is_recorded_and_the_status_step_decides(
    runner_workspace: dict[str, Path],
) -> None:
    env = github_env(runner_workspace, "100")
    done = run_step("Grade", runner_workspace["dir"], env)
    assert done.returncode == 0, done.stderr
    assert runner_workspace["output"].read_text() == "exit_code=1\n"
    status = "Set the job status from the grade"
    assert run_step(status, runner_workspace["dir"], {**env, "GRADE_EXIT": "1"}).returncode == 0
    strict = {**env, "GRADE_EXIT": "1", "FAIL_BELOW_PASS_MARK": "true"}
    assert run_step(status, runner_workspace["dir"], strict).returncode == 1


@pytest.mark.parametrize(("code", "fails"), [("0", False), ("3", True), ("", True)])
def test_the_status_step_fails_on_a_grader_failure(
    runner_workspace: dict[str, Path], code: str, fails: bool
) -> None:
    env = {**github_env(runner_workspace, "60"), "GRADE_EXIT": code}
    done = run_step("Set the job status from the grade", runner_workspace["dir"], env)
    assert (done.returncode != 0) is fails
