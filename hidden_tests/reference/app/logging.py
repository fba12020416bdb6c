"""JSON logs on stdout (python-json-logger) and the middleware that logs one line per request."""

import logging
import re
import sys
import time
import uuid
from dataclasses import dataclass

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import internal_error
from app.metrics import method_label, route_template

REQUEST_ID_HEADER = "X-Request-ID"
CONTEXT_SCOPE_KEY = "app.request_context"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_LOGGER_NAMES = ("app", "uvicorn")

logger = logging.getLogger("app.request")


@dataclass(slots=True)
class RequestContext:
    """What the request log needs to know about a request beyond its scope."""

    request_id: str
    tenant_id: str | None = None


def request_context(scope: Scope) -> RequestContext | None:
    """The context the request log middleware attached to this request, if any."""
    return scope.get(CONTEXT_SCOPE_KEY)


def configure_logging(level: str) -> None:
    """Send the service's and uvicorn's logs to stdout as one JSON object per line."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's ANSI duplicate
            timestamp=True,
        )
    )
    for name in _LOGGER_NAMES:
        target = logging.getLogger(name)
        target.handlers = [handler]
        target.setLevel(level)
        target.propagate = False


def _request_id(scope: Scope) -> str:
    """The client's X-Request-ID when well-formed, else a new random one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Pure ASGI middleware: request id, one JSON log line per request, 500 for crashes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = RequestContext(request_id=_request_id(scope))
        scope[CONTEXT_SCOPE_KEY] = context
        id_header = (b"x-request-id", context.request_id.encode())
        started = time.perf_counter()
        status: int | None = None

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            logger.exception("unhandled exception", extra=self._fields(scope, context, 500))
            if status is not None:
                raise  # the response has begun: let the server drop the connection
            await internal_error().to_response()(scope, receive, send_with_request_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 3)
            fields = self._fields(scope, context, status or 500)
            level = logging.ERROR if (status or 500) >= 500 else logging.INFO
            logger.log(level, "request", extra={**fields, "duration_ms": duration_ms})

    @staticmethod
    def _fields(scope: Scope, context: RequestContext, status: int) -> dict[str, object]:
        return {
            "request_id": context.request_id,
            "method": method_label(scope),
            "route": route_template(scope),
            "status": status,
            "tenant_id": context.tenant_id,
        }
