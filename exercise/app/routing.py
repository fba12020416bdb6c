"""Route class for JSON bodies whose integers may be longer than Python parses by default."""

import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response


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
