"""Where the grader finds the project's own material (exercise, hidden suite, images)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("GRADER_PROJECT_ROOT", Path(__file__).resolve().parent.parent))
EXERCISE_DIR = PROJECT_ROOT / "exercise"
HIDDEN_TESTS_DIR = PROJECT_ROOT / "hidden_tests"
REFERENCE_DIR = HIDDEN_TESTS_DIR / "reference"
RUBRIC_PATH = HIDDEN_TESTS_DIR / "rubric.toml"
OPENAPI_PATH = EXERCISE_DIR / "openapi.yaml"
DOCKER_DIR = PROJECT_ROOT / "docker"


def cache_dir() -> Path:
    """The grader's cache (wheelhouses, local-runner virtualenvs)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "ledger-grader"
    path.mkdir(parents=True, exist_ok=True)
    return path
