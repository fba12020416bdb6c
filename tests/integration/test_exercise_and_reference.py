"""The exercise works as its brief says, and the reference meets its own bar, on this machine."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from grader.paths import EXERCISE_DIR, OPENAPI_PATH, REFERENCE_DIR
from grader.sandbox.local import ensure_venv

pytestmark = pytest.mark.slow
IGNORED = shutil.ignore_patterns(".venv", "data", "__pycache__", ".pytest_cache", ".ruff_cache")


def copy_of(source: Path, tmp_path: Path) -> Path:
    """A scratch copy, so nothing a run writes lands in the repository."""
    target = tmp_path / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, ignore=IGNORED)
    return target


def run(command: list[str], *, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def exercise_python() -> Path:
    """Python with exactly what the brief's `make install` installs."""
    return ensure_venv(
        role="exercise-dev",
        requirements=EXERCISE_DIR / "requirements-dev.txt",
        progress=lambda message: None,
    )


def test_openapi_contract_is_valid() -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    spec, _ = read_from_filename(str(OPENAPI_PATH))
    validate(spec)


def test_exercise_self_check_passes(exercise_python: Path, tmp_path: Path) -> None:
    exercise = copy_of(EXERCISE_DIR, tmp_path)
    done = run([str(exercise_python), "scripts/self_check.py"], cwd=exercise)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "The grader can start your service" in done.stdout


def test_reference_tests_pass_with_high_branch_coverage(tmp_path: Path) -> None:
    python = ensure_venv(
        role="reference-dev",
        requirements=REFERENCE_DIR / "requirements-dev.txt",
        progress=lambda message: None,
    )
    # The reference's tests read the contract at ../../exercise/openapi.yaml, as in the repo.
    reference = copy_of(REFERENCE_DIR, tmp_path / "hidden_tests")
    (tmp_path / "exercise").mkdir()
    shutil.copy(OPENAPI_PATH, tmp_path / "exercise" / "openapi.yaml")
    tests = run(
        [str(python), "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=reference,
        timeout=900,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert "skipped" not in tests.stdout.splitlines()[-1], tests.stdout[-2000:]
    report = run([str(python), "-m", "coverage", "report"], cwd=reference)
    assert report.returncode == 0, report.stdout[-2000:]


def test_reference_is_clean_under_the_graders_lint(exercise_python: Path) -> None:
    ruff = exercise_python.parent / "ruff"
    for command in (["check", "."], ["format", "--check", "."]):
        done = run([str(ruff), *command, "--no-cache"], cwd=REFERENCE_DIR)
        assert done.returncode == 0, done.stdout[-3000:]
