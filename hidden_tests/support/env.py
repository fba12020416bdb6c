"""Grader-provided environment (see hidden_tests/README.md)."""

from __future__ import annotations

import os
from pathlib import Path


class HarnessError(Exception):
    """The harness is misconfigured: the grader reports `error` and never blames the candidate."""


def _required(name: str, what: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise HarnessError(f"{what} not provided (environment variable {name} is unset)")
    return value


def base_url() -> str:
    return _required("GRADER_BASE_URL", "service base URL").rstrip("/")


def admin_token() -> str:
    return _required("GRADER_ADMIN_TOKEN", "admin token")


def openapi_path() -> Path:
    path = Path(_required("GRADER_OPENAPI", "OpenAPI document"))
    if not path.is_file():
        raise HarnessError(f"OpenAPI document not found at {path}")
    return path


def service_log_path() -> Path:
    return Path(_required("GRADER_SERVICE_LOG", "service log"))
