"""Result vocabulary shared by every pipeline stage: frozen, serialized only at the edges."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    """Outcome of one check. `failed` blames the submission, `error` blames the grader."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One rubric check's verdict with the reasons behind it."""

    id: str
    skill: str
    title: str
    status: Status
    points: float
    max_points: float
    message: str = ""
    evidence: tuple[dict[str, Any], ...] = ()
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class PhaseTiming:
    """Wall time of one pipeline phase."""

    name: str
    seconds: float


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """An image the grade ran with, by role."""

    role: str
    tag: str
    id: str


@dataclass(frozen=True, slots=True)
class GradeRun:
    """Everything one grading produced before scoring: the checks and how they were obtained."""

    checks: tuple[CheckResult, ...]
    runner: str
    seed: int
    timings: tuple[PhaseTiming, ...] = ()
    images: tuple[ImageInfo, ...] = ()
    notes: tuple[str, ...] = field(default=())
