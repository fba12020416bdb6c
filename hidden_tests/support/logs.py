"""Reads the service's stdout (a file the grader keeps refreshed, path in GRADER_SERVICE_LOG)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from support.env import service_log_path

POLL_SECONDS = 3.0
POLL_INTERVAL = 0.1
SETTLE_SECONDS = 0.3


def read_log(path: Path | None = None) -> str:
    path = path or service_log_path()
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def lines_mentioning(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def json_records(lines: list[str]) -> list[dict[str, Any] | None]:
    """Each line parsed as a JSON object, or None when it is not one."""
    out: list[dict[str, Any] | None] = []
    for line in lines:
        try:
            doc = json.loads(line)
        except ValueError:
            out.append(None)
            continue
        out.append(doc if isinstance(doc, dict) else None)
    return out


def wait_for(needle: str, timeout: float = POLL_SECONDS) -> list[str]:
    """Lines of the service log containing ``needle``; polls until some appear or time is up."""
    path = service_log_path()
    deadline = time.monotonic() + timeout
    while True:
        found = lines_mentioning(read_log(path), needle)
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(POLL_INTERVAL)


def records_for_request(request_id: str, timeout: float = POLL_SECONDS) -> list[dict[str, Any]]:
    """JSON log records whose request_id is exactly ``request_id`` (polls the file).

    Once one is found, the file is read once more after a short pause so that a second line
    written for the same request is seen too (a stable verdict for services that log twice).
    """
    path = service_log_path()
    deadline = time.monotonic() + timeout
    while True:
        records = _records(read_log(path), request_id)
        if records:
            time.sleep(SETTLE_SECONDS)
            return _records(read_log(path), request_id)
        if time.monotonic() >= deadline:
            return records
        time.sleep(POLL_INTERVAL)


def request_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The access-log records among them (other lines may carry the request id too)."""
    return [r for r in records if "status" in r and "method" in r]


def _records(text: str, request_id: str) -> list[dict[str, Any]]:
    lines = lines_mentioning(text, request_id)
    return [r for r in json_records(lines) if r is not None and r.get("request_id") == request_id]
