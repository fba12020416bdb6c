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
from starlette.routing import Match

from app.schemas.common import Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://ledger.example/problems/"
MAX_BODY_BYTES = 1024 * 1024
_LOCATION_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})
_HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

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


def unauthorized(detail: str, *, bearer: bool) -> ProblemError:
    """Missing or wrong credentials; bearer routes advertise their scheme."""
    headers = {"WWW-Authenticate": "Bearer"} if bearer else None
    return ProblemError(401, "unauthorized", "Unauthorized", detail, headers=headers)


def forbidden(detail: str) -> ProblemError:
    """The caller is authenticated but may not use this resource."""
    return ProblemError(403, "forbidden", "Forbidden", detail)


def not_found(resource: str = "Resource") -> ProblemError:
    """A resource that does not exist."""
    return ProblemError(404, "not_found", "Not found", f"{resource} not found.")


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


def internal_error() -> ProblemError:
    """An unexpected failure; the details are logged, never returned."""
    return ProblemError(500, "internal_error", "Internal error", "An unexpected error occurred.")


def not_implemented(operation: str) -> ProblemError:
    """An operation of the contract that this version of the service does not provide yet."""
    return ProblemError(
        501, "not_implemented", "Not implemented", f"{operation} is not implemented yet."
    )


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


def problem_from_validation(errors: Sequence[Mapping[str, Any]]) -> ProblemError:
    """Map FastAPI request validation errors to ``malformed_json`` or ``validation_error``."""
    if any(error["type"] == "json_invalid" for error in errors):
        return malformed_json()
    return validation_error(
        [{"field": field_name(error["loc"]), "message": error["msg"]} for error in errors]
    )


def problem_from_http_exception(exc: StarletteHTTPException) -> ProblemError:
    """Map framework HTTP errors (unknown route, wrong method, unparsable body...) to problems."""
    headers = exc.headers or {}
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
            headers=headers,
        )
    phrase = HTTPStatus(exc.status_code).phrase
    code = re.sub(r"[^a-z]+", "_", phrase.lower()).strip("_")
    return ProblemError(exc.status_code, code, phrase, phrase + ".", headers=headers)


async def _problem_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return exc.to_response()


async def _validation_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_from_validation(exc.errors()).to_response()


def allowed_methods(request: Request) -> str:
    """Every method some route accepts for this path (Starlette only names one route's)."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        exc.headers = {**(exc.headers or {}), "Allow": allowed_methods(request)}
    return problem_from_http_exception(exc).to_response()


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
