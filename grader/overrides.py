"""A reviewer's adjustments: skill overrides and human-rubric scores, each with a mandatory reason.

The file is TOML, written by a person after reading the reviewer report:

    schema_version = 1
    reviewer = "Engineering manager, payments team"

    [skills.collaboration]
    percent = 80
    reason = "The review comments teach; the machine missed two valid findings."

    [human.clarity]
    score = 3
    reason = "Each decision is tied to a risk; the locking section is vague."

Automatic scores are never lost: reports show both, and who changed what and why.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from grader.errors import UsageError
from grader.rubric import Rubric

TIP = (
    'An overrides file needs schema_version = 1, reviewer = "<role>", and tables '
    "[skills.<skill>] with percent (0-100) and reason, or [human.<dimension>] with score (0-4) "
    "and reason; see README, 'Reviewer overrides'."
)


class OverridesError(UsageError):
    """The overrides file cannot be read or does not fit the rubric."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Reasoned(_Strict):
    reason: str

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a reason is mandatory")
        return value.strip()


class SkillOverride(_Reasoned):
    """A skill's adjusted percentage."""

    percent: float = Field(ge=0, le=100)


class HumanScore(_Reasoned):
    """A 0-4 score on one dimension of the human rubric."""

    score: int = Field(ge=0, le=4)


class Overrides(_Strict):
    """Everything one reviewer adjusted."""

    schema_version: Literal[1]
    reviewer: str = Field(min_length=1)
    skills: dict[str, SkillOverride] = Field(default_factory=dict)
    human: dict[str, HumanScore] = Field(default_factory=dict)

    def check_against(self, rubric: Rubric, path: Path) -> Overrides:
        """Refuse skills and dimensions the rubric does not declare."""
        unknown = [f"skills.{s}" for s in self.skills if s not in rubric.skills] + [
            f"human.{d}" for d in self.human if d not in rubric.human
        ]
        if unknown:
            known = ", ".join([*rubric.skills, *(f"human.{d}" for d in rubric.human)])
            raise OverridesError(
                f"The overrides file {path} names {', '.join(unknown)}, which the rubric does not "
                f"declare.",
                tip=f"Use one of: {known}.",
            )
        return self


def load_overrides(path: Path, rubric: Rubric) -> Overrides:
    """Read and validate an overrides file; every problem is one OverridesError with a Tip."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OverridesError(
            f"Cannot read the overrides file {path}: {exc.strerror or exc}", tip=TIP
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OverridesError(
            f"The overrides file {path} is not valid TOML: {exc}", tip=TIP
        ) from exc
    try:
        overrides = Overrides.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise OverridesError(f"The overrides file {path} is invalid: {problems}", tip=TIP) from exc
    return overrides.check_against(rubric, path)
