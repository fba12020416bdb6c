"""RFC 9457 problem details: ``ProblemError``, the service's problems and its exception handlers."""

import json
import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.schemas.common import Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://ledger.example/problems/"
MAX_BODY_BYTES = 1024 * 1024
_LOCATION_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})

logger = logging.getLogger("app.errors")


class ProblemError(Exception):
    """An error that is answered with an ``application/problem+json`` body."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra

    def with_extra(self, **extra: Any) -> "ProblemError":
        """A copy of this problem with more members in its body."""
        return ProblemError(
            self.status,
            self.code,
            self.title,
            self.detail,
            headers=self.headers,
            **{**self.extra, **extra},
        )

    def body(self) -> dict[str, Any]:
        """The problem document."""
        return {
            "type": PROBLEM_TYPE_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            **self.extra,
        }

    def render(self) -> bytes:
        """The problem document as compact JSON bytes."""
        return json.dumps(self.body(), separators=(",", ":")).encode()

    def to_response(self) -> Response:
        """An HTTP response carrying this problem."""
        return Response(
            self.render(),
            status_code=self.status,
            headers=self.headers,
            media_type=PROBLEM_MEDIA_TYPE,
        )


def malformed_json() -> ProblemError:
    """The request body could not be parsed as JSON."""
    return ProblemError(
        400, "malformed_json", "Malformed JSON", "The request body is not valid JSON."
    )


def invalid_cursor() -> ProblemError:
    """A pagination cursor that this service did not issue for this listing."""
    return ProblemError(
        400,
        "invalid_cursor",
        "Invalid cursor",
        "The cursor is invalid or was not issued for this listing.",
    )


def idempotency_key_required() -> ProblemError:
    """A money-movement request without an ``Idempotency-Key`` header."""
    return ProblemError(
        400,
        "idempotency_key_required",
        "Idempotency key required",
        "This request needs an Idempotency-Key header.",
    )


def unauthorized(detail: str, *, bearer: bool) -> ProblemError:
    """Missing or wrong credentials; bearer routes advertise their scheme."""
    headers = {"WWW-Authenticate": "Bearer"} if bearer else None
    return ProblemError(401, "unauthorized", "Unauthorized", detail, headers=headers)


def not_found(resource: str = "Resource") -> ProblemError:
    """A missing resource, or one that belongs to another tenant (indistinguishable)."""
    return ProblemError(404, "not_found", "Not found", f"{resource} not found.")


def idempotency_key_reused() -> ProblemError:
    """The idempotency key was already used for a different request."""
    return ProblemError(
        409,
        "idempotency_key_reused",
        "Idempotency key reused",
        "This Idempotency-Key was already used with a different request.",
    )


def payload_too_large() -> ProblemError:
    """The request body is larger than the service accepts."""
    return ProblemError(
        413,
        "payload_too_large",
        "Payload too large",
        f"The request body must not exceed {MAX_BODY_BYTES} bytes.",
    )


def validation_error(errors: Sequence[Mapping[str, str]], **extra: Any) -> ProblemError:
    """A schema violation, with one ``{field, message}`` item per problem found."""
    return ProblemError(
        422,
        "validation_error",
        "Validation error",
        "The request is invalid; see errors.",
        errors=[dict(error) for error in errors],
        **extra,
    )


def insufficient_funds() -> ProblemError:
    """The movement would make a balance negative."""
    return ProblemError(
        422,
        "insufficient_funds",
        "Insufficient funds",
        "The balance of the account is too low for this amount.",
    )


def currency_mismatch() -> ProblemError:
    """A transfer between accounts of different currencies."""
    return ProblemError(
        422,
        "currency_mismatch",
        "Currency mismatch",
        "Both accounts of a transfer must have the same currency.",
    )


def same_account() -> ProblemError:
    """A transfer from an account to itself."""
    return ProblemError(
        422, "same_account", "Same account", "A transfer needs two different accounts."
    )


def internal_error() -> ProblemError:
    """An unexpected failure; the details are logged, never returned."""
    return ProblemError(500, "internal_error", "Internal error", "An unexpected error occurred.")


def not_ready() -> ProblemError:
    """The database cannot be used."""
    return ProblemError(503, "not_ready", "Not ready", "The database is not available.")


def field_name(location: Sequence[str | int]) -> str:
    """Render a pydantic error location as a field path, e.g. ``transfers[3].amount``."""
    parts = list(location[1:] if location and location[0] in _LOCATION_SOURCES else location)
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        elif name:
            name += f".{part}"
        else:
            name = str(part)
    return name or "body"


def batch_index(location: Sequence[str | int]) -> int | None:
    """The batch item index of an error located at ``body.transfers[i]...``, if any."""
    if len(location) > 2 and tuple(location[:2]) == ("body", "transfers"):
        index = location[2]
        return index if isinstance(index, int) else None
    return None


def problem_from_validation(errors: Sequence[Mapping[str, Any]]) -> ProblemError:
    """Map FastAPI request validation errors to ``malformed_json`` or ``validation_error``."""
    if any(error["type"] == "json_invalid" for error in errors):
        return malformed_json()
    items = [{"field": field_name(error["loc"]), "message": error["msg"]} for error in errors]
    indexes = [i for error in errors if (i := batch_index(error["loc"])) is not None]
    return validation_error(items, **({"index": min(indexes)} if indexes else {}))


def problem_from_http_exception(exc: StarletteHTTPException) -> ProblemError:
    """Map framework HTTP errors (unknown route, wrong method, unparsable body...) to problems."""
    if exc.status_code == 400:  # raised by FastAPI when a body cannot be decoded at all
        return malformed_json()
    if exc.status_code == 413:
        return payload_too_large()
    if exc.status_code == 404:
        return not_found()
    if exc.status_code == 405:
        return ProblemError(
            405,
            "method_not_allowed",
            "Method not allowed",
            "This method is not allowed for this resource.",
        )
    phrase = HTTPStatus(exc.status_code).phrase
    code = re.sub(r"[^a-z]+", "_", phrase.lower()).strip("_")
    return ProblemError(exc.status_code, code, phrase, phrase + ".", headers=exc.headers)


async def _problem_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return exc.to_response()


async def _validation_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_from_validation(exc.errors()).to_response()


def allowed_methods(request: Request) -> str:
    """Every method of the matched path template (Starlette only names one route's methods)."""
    template = getattr(request.scope.get("route"), "path", "")
    return ", ".join(sorted(request.app.state.methods_by_path.get(template, ())))


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    problem = problem_from_http_exception(exc)
    if problem.status == 405:
        problem.headers["Allow"] = allowed_methods(request)
    return problem.to_response()


async def unhandled_exception_handler(_: Request, exc: Exception) -> Response:
    """Log an unexpected exception and answer a generic 500 problem."""
    logger.error("unhandled exception", exc_info=exc)
    return internal_error().to_response()


def install_exception_handlers(app: FastAPI) -> None:
    """Register the problem-details handlers on the application."""
    app.add_exception_handler(ProblemError, _problem_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(Exception, unhandled_exception_handler)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting problem-details answers."""
    return {
        status: {
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {}},
            "description": HTTPStatus(status).phrase,
        }
        for status in statuses
    }
