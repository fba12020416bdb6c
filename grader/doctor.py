"""`grader doctor`: what grading needs on this machine, and a Tip for whatever is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from grader.errors import GraderError
from grader.paths import RUBRIC_PATH


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing doctor looked at."""

    name: str
    ok: bool
    detail: str
    tip: str = ""


def _rubric() -> Finding:
    from grader.rubric import load_rubric

    rubric = load_rubric(RUBRIC_PATH)
    return Finding("rubric", True, f"{len(rubric.checks)} checks over {len(rubric.skills)} skills")


def _engine() -> Finding:
    from grader.engine import docker_client

    version = docker_client().version().get("Version", "?")
    return Finding("docker engine", True, f"answers (version {version})")


def _images() -> Finding:
    from grader.engine import docker_client
    from grader.images import find_images

    found = find_images(docker_client())
    if not found:
        return Finding(
            "grader images",
            False,
            "the runtime and harness images for this checkout are not built",
            tip="Run `grader images build` (it reuses images when nothing changed).",
        )
    return Finding("grader images", True, ", ".join(image.tag for image in found.values()))


def _debootstrap() -> Finding:
    if shutil.which("debootstrap"):
        return Finding("debootstrap", True, "installed (for `grader images bootstrap-base`)")
    return Finding(
        "debootstrap",
        True,
        "not installed; only needed on hosts that cannot pull python:3.11-slim",
    )


def _privileges() -> Finding:
    if os.geteuid() == 0 or os.access("/var/run/docker.sock", os.R_OK | os.W_OK):
        return Finding("docker socket", True, "this user may use the engine")
    return Finding(
        "docker socket",
        False,
        "this user cannot open /var/run/docker.sock",
        tip="Add the user to the `docker` group, or run the grader as root.",
    )


CHECKS: tuple[tuple[str, Callable[[], Finding]], ...] = (
    ("rubric", _rubric),
    ("docker socket", _privileges),
    ("docker engine", _engine),
    ("grader images", _images),
    ("debootstrap", _debootstrap),
)


def diagnose() -> list[Finding]:
    """Run every check; a failing one becomes a finding, never an exception."""
    findings = []
    for name, check in CHECKS:
        try:
            findings.append(check())
        except GraderError as exc:
            findings.append(Finding(name, False, exc.message, tip=exc.tip))
    return findings
