"""The performance stage end to end in the Docker sandbox, at the small scale.

The reference graded against itself keeps its growth flat and serves the load without errors;
a copy of it with LIMIT/OFFSET pagination loses the entries growth check.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.checks import performance
from grader.checks.base import CheckContext
from grader.model import CheckResult, Status
from grader.paths import EXERCISE_DIR, REFERENCE_DIR, RUBRIC_PATH
from grader.rubric import load_rubric
from grader.sandbox.docker import DockerSandbox
from grader.submission import load_submission

pytestmark = [pytest.mark.docker, pytest.mark.slow]

KEYSET = """        " ORDER BY seq DESC LIMIT ?",
        (
            account_id,
            MAX_INT64 if before_seq is None else before_seq,
            *period.bounds(),
            limit + 1,
        ),
    ).fetchall()
    return slice_rows(rows, limit, entry_from_row)"""
OFFSET = """        " ORDER BY seq DESC LIMIT ? OFFSET ?",
        (account_id, MAX_INT64, *period.bounds(), limit + 1, before_seq or 0),
    ).fetchall()
    page = slice_rows(rows, limit, entry_from_row)
    return Slice(page.items, (before_seq or 0) + limit if page.last_seq is not None else None)"""


def quiet(message: str) -> None:
    """Progress goes nowhere in tests."""


@pytest.fixture(autouse=True)
def small_scale(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(performance.SCALE_ENV, "small")
    # A calibration cached by an earlier grade must not stand in for this test's reference.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def docker_sandbox(docker_client: Any, grader_images: dict[str, Any]) -> Iterator[DockerSandbox]:
    yield DockerSandbox(
        docker_client,
        runtime_image=grader_images["runtime"].tag,
        harness_image=grader_images["harness"].tag,
    )


def measure(
    sandbox: DockerSandbox, root: Path, tmp_path: Path, only: tuple[str, ...]
) -> dict[str, CheckResult]:
    submission = load_submission(str(root), workdir=tmp_path / "intake")
    context = CheckContext(
        rubric=load_rubric(RUBRIC_PATH), submission=submission, exercise=EXERCISE_DIR, only=only
    )
    outcome = performance.run(context, sandbox=sandbox, seed=0, progress=quiet)
    assert not outcome.problems
    return {check.id: check for check in outcome.checks}


def offset_variant(tmp_path: Path) -> Path:
    root = tmp_path / "offset"
    shutil.copytree(REFERENCE_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    entries = root / "app" / "repositories" / "entries.py"
    source = entries.read_text(encoding="utf-8")
    assert source.count(KEYSET) == 1, "the reference's entries query changed; update this test"
    entries.write_text(source.replace(KEYSET, OFFSET), encoding="utf-8")
    return root


def test_the_reference_against_itself_is_flat_and_error_free(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    checks = measure(docker_sandbox, REFERENCE_DIR, tmp_path, ("performance",))
    assert set(checks) == set(performance.CHECK_IDS)
    for check_id in (
        "performance.growth.entries",
        "performance.growth.summary",
        "performance.growth.balance_as_of",
        "performance.load.errors",
    ):
        assert checks[check_id].status is Status.PASSED, checks[check_id].message
    # Same code on both sides: only a burst of load on a shared machine separates them.
    for check_id in ("performance.load.throughput", "performance.load.latency"):
        check = checks[check_id]
        assert check.points >= 0.5 * check.max_points, check.message
        assert [e for e in check.evidence if e["kind"] == "load"]


def test_offset_pagination_loses_the_entries_growth_check(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    checks = measure(docker_sandbox, offset_variant(tmp_path), tmp_path, ("performance.growth",))
    entries = checks["performance.growth.entries"]
    assert entries.status is Status.FAILED, entries.message
    assert entries.points < 0.5 * entries.max_points
    assert checks["performance.growth.balance_as_of"].status is Status.PASSED
