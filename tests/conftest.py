"""Shared fixtures: a Docker client that must exist where Docker tests are required."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

REQUIRE_DOCKER = os.environ.get("GRADER_REQUIRE_DOCKER") == "1" or os.environ.get("CI") == "true"

# Whole grades in the grader's own tests measure performance at the small scale (seconds, not
# minutes); the full 200,000-entry scale is measured by bench/performance_stability.py. Grades run
# as subprocesses (`grader batch`) inherit it.
os.environ.setdefault("GRADER_PERFORMANCE_SCALE", "small")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Docker tests are `slow` too, so `-m "not slow"` is the fast tier."""
    for item in items:
        if item.get_closest_marker("docker"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def docker_client() -> Iterator[object]:
    """A live engine; where Docker is required (CI), its absence fails instead of skipping."""
    from grader.engine import docker_client as connect
    from grader.errors import DockerUnavailable

    try:
        client = connect()
    except DockerUnavailable as exc:
        if REQUIRE_DOCKER:
            pytest.fail(f"Docker is required here but unavailable: {exc}")
        pytest.skip(f"no Docker engine: {exc.message}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def grader_images(docker_client: object) -> dict[str, object]:
    """The runtime and harness images, built once per session (reused when unchanged)."""
    from grader.images import ensure_images

    return dict(ensure_images(docker_client, progress=lambda message: None))


_skipped_docker_tests: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "docker" in report.keywords:
        _skipped_docker_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped Docker test is a failure: the sandbox must really have been exercised."""
    if REQUIRE_DOCKER and _skipped_docker_tests:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REQUIRE_DOCKER and _skipped_docker_tests:
        terminalreporter.write_line(
            f"FAILED: {len(_skipped_docker_tests)} Docker test(s) skipped where Docker is required:"
        )
        for nodeid in _skipped_docker_tests:
            terminalreporter.write_line(f"  {nodeid}")
