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


Source = Literal["hidden", "harness", "static", "git", "candidate_tests", "review", "notes"]


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


class Rubric(_Strict):
    """The whole rubric, cross-checked: known skills, unique check ids."""

    schema_version: Literal[1]
    bands: Bands = Bands()
    skills: dict[str, Skill]
    checks: tuple[Check, ...]
    human: dict[str, HumanDimension] = Field(default_factory=dict)
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
