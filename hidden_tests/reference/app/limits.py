"""Input limits: the 1 MiB body cap (declared or streamed) and JSON integers of any length."""

import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import MAX_BODY_BYTES, payload_too_large


class BodyLimitMiddleware:
    """Answer 413 ``payload_too_large`` for bodies over ``max_bytes``, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await payload_too_large().to_response()(scope, receive, send)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the body read: FastAPI re-raises HTTP exceptions as they
                    # are, and the problem handler turns this one into payload_too_large.
                    raise HTTPException(413)
            return message

        await self.app(scope, receive_limited, send)


def _parse_int(digits: str) -> int | float:
    """Parse a JSON integer; past Python's digit limit yield an (invalid) infinite float."""
    if len(digits.lstrip("-")) > sys.get_int_max_str_digits():
        return float(digits)
    return int(digits)


class JsonRequest(Request):
    """A request whose JSON body may hold integers too long for ``int()`` to parse."""

    async def json(self) -> Any:
        """The parsed body; over-long integers become ``inf`` so validation rejects them (422)."""
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_int=_parse_int)
        return self._json


class JsonRoute(APIRoute):
    """Route class reading bodies with :class:`JsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler so that it receives a :class:`JsonRequest`."""
        handler = super().get_route_handler()

        async def json_route_handler(request: Request) -> Response:
            return await handler(JsonRequest(request.scope, request.receive))

        return json_route_handler
