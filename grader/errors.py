"""The grader's own error tree; foreign errors are mapped onto it at one boundary.

    GraderError                  every error the CLI knows how to print (exit code on the class)
    ├── UsageError               the command line asks for something impossible (exit 2)
    │   └── SubmissionError      the submission cannot be taken in (bad path, archive, git ref)
    ├── RubricError              the rubric (or an overrides file) is unusable (exit 3)
    └── InfrastructureError      docker, images, the sandbox or the harness failed (exit 3)
        └── DockerUnavailable    no engine answers

A candidate's broken service is never an exception: it is data (a failed CheckResult).
"""

from __future__ import annotations


class GraderError(Exception):
    """An error with a person-readable cause and a tip on what to do next."""

    exit_code = 3

    def __init__(self, message: str, *, tip: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.tip = tip

    def __str__(self) -> str:
        return f"{self.message}\nTip: {self.tip}" if self.tip else self.message


class UsageError(GraderError):
    """The command line asks for something that cannot be done."""

    exit_code = 2


class SubmissionError(UsageError):
    """The submission cannot be taken in safely."""


class RubricError(GraderError):
    """The rubric or an overrides file is missing, unparsable or inconsistent."""


class InfrastructureError(GraderError):
    """The grader's own machinery failed; the submission is not at fault."""


class DockerUnavailable(InfrastructureError):
    """No Docker engine answers."""
