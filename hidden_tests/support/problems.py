"""Assertions about statuses and RFC 9457 problem details, with candidate-safe messages."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from support.client import body_of

PROBLEM_TYPE_PREFIX = "https://ledger.example/problems/"
PROBLEM_FIELDS = ("type", "title", "status", "detail", "code")

LEAK_PATTERNS = [
    re.compile(r"\bTraceback\b"),
    re.compile(r'File "/'),
    re.compile(r"\.py\", line \d+"),
    re.compile(r"\bsqlite3\."),
    re.compile(r"\bsqlite3\b.*Error"),
    re.compile(r"\b(OperationalError|IntegrityError|ProgrammingError|DatabaseError)\b"),
    re.compile(r"\bSELECT\b.*\bFROM\b", re.DOTALL),
    re.compile(r"\bINSERT\s+INTO\b"),
    re.compile(r"\bUPDATE\s+\w+\s+SET\b"),
    re.compile(r"site-packages"),
    re.compile(r"/usr/(local/)?lib/python"),
]


def content_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def expect_status(response: httpx.Response, status: int | set[int], context: str) -> Any:
    """Assert the status (one of) and return the JSON body (or None)."""
    allowed = {status} if isinstance(status, int) else status
    if response.status_code not in allowed:
        wanted = " or ".join(str(s) for s in sorted(allowed))
        raise AssertionError(f"expected {wanted} {context}, got {response.status_code}")
    return body_of(response)


def expect_success(response: httpx.Response, context: str) -> Any:
    """Assert any 2xx and return the JSON body (or None).

    For a request a test needs to succeed but whose exact status another check owns (e.g. the 201
    of account creation belongs to ``api_design.accounts.create``).
    """
    if not 200 <= response.status_code < 300:
        code = problem_code(response)
        suffix = f" ({code})" if code else ""
        raise AssertionError(f"expected success {context}, got {response.status_code}{suffix}")
    return body_of(response)


def expect_error(response: httpx.Response, status: int, code: str, context: str) -> dict[str, Any]:
    """Assert an error's status and problem ``code`` (the full shape is a separate check)."""
    if response.status_code != status:
        got_code = problem_code(response)
        suffix = f" ({got_code})" if got_code else ""
        raise AssertionError(
            f"expected {status} {code} {context}, got {response.status_code}{suffix}"
        )
    body = body_of(response)
    if not isinstance(body, dict):
        raise AssertionError(
            f"expected a problem-details JSON object {context}, got a body that is not one"
        )
    if body.get("code") != code:
        raise AssertionError(
            f"expected error code {code!r} {context}, got code {body.get('code')!r}"
        )
    return body


def problem_code(response: httpx.Response) -> str | None:
    body = body_of(response)
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return str(body["code"])
    return None


def expect_problem_shape(response: httpx.Response, status: int, code: str, context: str) -> dict:
    """The contract's RFC 9457 shape: content type, type URI, title, status, detail, code."""
    body = expect_error(response, status, code, context)
    ctype = content_type(response)
    assert ctype == "application/problem+json", (
        f"expected Content-Type application/problem+json {context}, got {ctype or 'none'}"
    )
    for field in PROBLEM_FIELDS:
        assert field in body, f"expected the problem body {context} to have a {field!r} member"
    assert body["type"] == PROBLEM_TYPE_PREFIX + code, (
        f"expected problem type {PROBLEM_TYPE_PREFIX + code!r} {context}, got {body['type']!r}"
    )
    assert isinstance(body["title"], str) and body["title"], (
        f"expected a non-empty string title in the problem {context}"
    )
    assert isinstance(body["detail"], str), (
        f"expected a string detail in the problem {context}, got {type(body['detail']).__name__}"
    )
    assert body["status"] == status and type(body["status"]) is int, (
        f"expected the problem's status member to be the integer {status} {context}, "
        f"got {body['status']!r}"
    )
    if "errors" in body:
        errors = body["errors"]
        assert isinstance(errors, list) and all(
            isinstance(e, dict)
            and isinstance(e.get("field"), str)
            and isinstance(e.get("message"), str)
            for e in errors
        ), f"expected 'errors' {context} to be a list of {{field, message}} objects"
    return body


def find_leak(text: str) -> str | None:
    """The first leak pattern (stack trace, SQL, file path) found in ``text``."""
    for pattern in LEAK_PATTERNS:
        if pattern.search(text):
            return pattern.pattern
    return None


def assert_no_leak(response: httpx.Response, context: str, sent: tuple[str, ...] = ()) -> None:
    """No stack trace, SQL or file path; text the test itself sent (echoed back) is ignored."""
    text = response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    for echoed in sorted(sent, key=len, reverse=True):
        if echoed:
            text = text.replace(echoed, "")
            text = text.replace(json.dumps(echoed)[1:-1], "")
    leak = find_leak(text)
    assert leak is None, (
        f"the response {context} exposes internals (a stack trace, SQL or a file path)"
    )


def assert_not_server_error(response: httpx.Response, context: str) -> None:
    """No 5xx; a 501 ``not_implemented`` stub is a missing feature (charged elsewhere)."""
    if response.status_code == 501 and problem_code(response) == "not_implemented":
        return
    assert response.status_code < 500, (
        f"expected no server error {context}, got {response.status_code}"
    )


def normalized_not_found(body: Any, requested_id: str) -> dict[str, Any]:
    """A 404 body with the requested id blanked, for comparing foreign vs random ids."""
    if not isinstance(body, dict):
        return {"<non-object body>": repr(type(body))}
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in {"instance", "request_id", "trace_id"}:
            out[key] = "<varies>"
        elif isinstance(value, str):
            out[key] = value.replace(requested_id, "{id}")
        else:
            out[key] = value
    return out
