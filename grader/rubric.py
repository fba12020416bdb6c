"""Load and validate `hidden_tests/rubric.toml`: the single source of skills, weights and checks."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grader.errors import RubricError

SKILLS = (
    "api_design",
    "data",
    "code_quality",
    "performance",
    "observability",
    "security",
    "reliability",
    "collaboration",
)


Source = Literal[
    "hidden",
    "harness",
    "static",
    "git",
    "candidate_tests",
    "review",
    "notes",
    "integrity",
    "reliability",
    "performance",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Skill(_Strict):
    """One skill the role asks for, and its weight in the total."""

    title: str = Field(min_length=1)
    requirement: str = Field(min_length=1)
    weight: float = Field(ge=0)


class Check(_Strict):
    """One check: what it is worth, where it comes from, and how to explain a failure."""

    id: str = Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)+$")
    skill: str
    points: float = Field(gt=0)
    title: str = Field(min_length=1)
    hint: str = Field(min_length=1)
    reviewer_note: str = ""
    scoring: Literal["all", "fraction"] = "all"
    source: Source = "hidden"


class HumanDimension(_Strict):
    """One dimension of the human rubric: what to read and what each score 0-4 means."""

    title: str = Field(min_length=1)
    read: str = Field(min_length=1)
    anchors: tuple[str, str, str, str, str]


class Bands(_Strict):
    """Percent thresholds of the bands; below `meets` is `below`."""

    strong: float = Field(default=80, ge=0, le=100)
    meets: float = Field(default=60, ge=0, le=100)


class Curve(_Strict):
    """A linear ramp of credit: nothing at `zero`, everything at `full` (either may be larger)."""

    full: float = Field(gt=0)
    zero: float = Field(gt=0)

    @model_validator(mode="after")
    def _distinct(self) -> Curve:
        if self.full == self.zero:
            raise ValueError("a curve's full and zero points must differ")
        return self


class PerformancePolicy(_Strict):
    """How measured ratios become credit, and how long a reference calibration may be reused.

    Throughput is candidate/reference requests per second (higher is better), latency is
    candidate/reference p95 (lower is better), growth is median latency at 10N over N entries
    of history (lower is better, machine-independent).
    """

    throughput: Curve = Curve(full=0.6, zero=0.2)
    latency: Curve = Curve(full=2.0, zero=5.0)
    growth: Curve = Curve(full=1.75, zero=3.0)
    max_error_rate: float = Field(default=0.01, ge=0, le=1)
    calibration_max_age_hours: float = Field(default=6.0, ge=0)

    @model_validator(mode="after")
    def _directions(self) -> PerformancePolicy:
        if self.throughput.full < self.throughput.zero:
            raise ValueError("performance.throughput: more throughput must earn more")
        for name in ("latency", "growth"):
            curve: Curve = getattr(self, name)
            if curve.full > curve.zero:
                raise ValueError(f"performance.{name}: a lower ratio must earn more")
        return self


class Rubric(_Strict):
    """The whole rubric, cross-checked: known skills, unique check ids."""

    schema_version: Literal[1]
    bands: Bands = Bands()
    skills: dict[str, Skill]
    checks: tuple[Check, ...]
    human: dict[str, HumanDimension] = Field(default_factory=dict)
    performance: PerformancePolicy = PerformancePolicy()
    sha256: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        unknown = sorted(set(self.skills) - set(SKILLS))
        if unknown:
            raise ValueError(f"unknown skills {unknown}; allowed: {', '.join(SKILLS)}")
        seen: set[str] = set()
        for check in self.checks:
            if check.skill not in self.skills:
                raise ValueError(f"check {check.id!r} names undeclared skill {check.skill!r}")
            # `--only` selects by id prefix in the harness, so the prefix must be the skill.
            if check.id.partition(".")[0] != check.skill:
                raise ValueError(f"check {check.id!r} must start with its skill {check.skill!r}")
            if check.id in seen:
                raise ValueError(f"check id {check.id!r} appears twice")
            seen.add(check.id)
        if self.bands.meets > self.bands.strong:
            raise ValueError("bands.meets must not exceed bands.strong")
        return self

    def check(self, check_id: str) -> Check | None:
        """The check with this id, if the rubric has one."""
        return next((c for c in self.checks if c.id == check_id), None)

    def by_source(self, source: str) -> tuple[Check, ...]:
        """Checks produced by one stage of the grader."""
        return tuple(c for c in self.checks if c.source == source)


def load_rubric(path: Path) -> Rubric:
    """Read and validate a rubric file; every problem becomes one RubricError with a Tip."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(
            f"Cannot read the rubric at {path}: {exc.strerror or exc}",
            tip="Run the grader from a checkout of the project, or set GRADER_PROJECT_ROOT.",
        ) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RubricError(
            f"The rubric at {path} is not valid TOML: {exc}",
            tip="Fix the line named above; `python -c 'import tomllib,sys; "
            'tomllib.load(open(sys.argv[1],"rb"))\' FILE` reproduces it.',
        ) from exc
    data["sha256"] = hashlib.sha256(raw).hexdigest()
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'rubric'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise RubricError(
            f"The rubric at {path} is inconsistent: {problems}",
            tip="Each [[checks]] entry needs id, skill, points, title and hint; "
            "skills must be declared under [skills.<id>].",
        ) from exc
