"""HTTP client used by every hidden test: records each exchange as evidence for the report.

The evidence is attached to the test through ``request.node.user_properties`` as
``("exchanges", [...])``; see ``conftest.py``. Secrets never enter the evidence: the values of
``Authorization`` and ``X-Admin-Token`` request headers are masked, and so is the ``api_key`` of a
tenant-creation response.
"""

from __future__ import annotations

import contextlib
import functools
import json
import ssl
import threading
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

TIMEOUT_SECONDS = 10.0
BODY_LIMIT = 2048
MAX_EXCHANGES = 20
MASK = "***"
SENSITIVE_HEADERS = frozenset({"authorization", "x-admin-token"})

_UNSET: Any = object()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _text(data: bytes | None) -> str:
    if not data:
        return ""
    head = data[:BODY_LIMIT].decode("utf-8", errors="replace")
    if len(data) > BODY_LIMIT:
        head += f"... [{len(data) - BODY_LIMIT} more bytes]"
    return head


def _masked_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        out[key] = MASK if key in SENSITIVE_HEADERS else value
    return out


def _response_text(request_path: str, response: httpx.Response) -> str:
    body = response.content
    if request_path.startswith("/admin/tenants") and b"api_key" in body:
        try:
            doc = json.loads(body)
        except ValueError:
            return _text(body)
        if isinstance(doc, dict) and "api_key" in doc:
            doc["api_key"] = MASK
            return _text(json.dumps(doc).encode())
    return _text(body)


class ExchangeLog:
    """Thread-safe list of the last ``MAX_EXCHANGES`` request/response exchanges of one test."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def _append(self, item: dict[str, Any]) -> None:
        with self._lock:
            self.items.append(item)
            # trim in place: the list object is shared with the test's user_properties
            if len(self.items) > MAX_EXCHANGES:
                del self.items[: len(self.items) - MAX_EXCHANGES]

    def record(
        self, request: httpx.Request, response: httpx.Response | None, error: str = ""
    ) -> None:
        try:
            req_body = _text(request.content)
        except httpx.RequestNotRead:
            req_body = "<streamed body>"
        path = request.url.raw_path.decode("ascii", errors="replace")
        item: dict[str, Any] = {
            "method": request.method,
            "path": path,
            "request_headers": _masked_headers(request.headers.multi_items()),
            "request_body": req_body,
        }
        if response is None:
            item.update(status=None, response_headers={}, response_body="", error=error)
        else:
            item.update(
                status=response.status_code,
                response_headers=_masked_headers(response.headers.multi_items()),
                response_body=_response_text(path, response),
            )
        self._append(item)

    def record_raw(
        self,
        *,
        method: str,
        path: str,
        request_headers: Mapping[str, str],
        request_body: bytes | None,
        status: int,
        response_headers: Mapping[str, str],
        response_body: bytes,
    ) -> None:
        """Record an exchange made by another HTTP library (e.g. the schema fuzzer)."""
        self._append(
            {
                "method": method,
                "path": path,
                "request_headers": _masked_headers(request_headers.items()),
                "request_body": _text(request_body),
                "status": status,
                "response_headers": _masked_headers(response_headers.items()),
                "response_body": _text(response_body),
            }
        )


class NoResponse(AssertionError):
    """The service gave no HTTP answer (connection refused/reset, timeout)."""


class Api:
    """A small wrapper over ``httpx.Client`` bound to one identity (anonymous, tenant or admin)."""

    def __init__(
        self,
        base_url: str,
        log: ExchangeLog,
        *,
        api_key: str | None = None,
        admin_token: str | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.log = log
        self.api_key = api_key
        self.admin_token = admin_token
        self._owns_http = http is None
        self._http = http or httpx.Client(
            base_url=self.base_url,
            timeout=TIMEOUT_SECONDS,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
            verify=_ssl_context(),  # plain HTTP; shared so building a client stays cheap
        )
        self._children: list[Api] = []

    # -- identities -------------------------------------------------------------------------
    def as_key(self, api_key: str | None) -> Api:
        """Another identity over the same connection pool (credentials are per request)."""
        return Api(self.base_url, self.log, api_key=api_key, http=self._http)

    def clone(self) -> Api:
        """A separate connection pool with the same identity (one per thread in race tests)."""
        child = Api(self.base_url, self.log, api_key=self.api_key, admin_token=self.admin_token)
        self._children.append(child)
        return child

    def warm(self) -> None:
        """Open this client's connection ahead of a race (not recorded as evidence)."""
        with contextlib.suppress(httpx.TransportError):
            self._http.get("/healthz")

    def close(self) -> None:
        for child in self._children:
            child.close()
        if self._owns_http:
            self._http.close()

    # -- requests ---------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = _UNSET,
        content: bytes | Iterable[bytes] | None = None,
        headers: Mapping[str, str | bytes] | None = None,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        auth: bool = True,
        idem: str | None = None,
    ) -> httpx.Response:
        hdrs: dict[str, str | bytes] = {}
        if auth and self.api_key is not None:
            hdrs["Authorization"] = f"Bearer {self.api_key}"
        if auth and self.admin_token is not None:
            hdrs["X-Admin-Token"] = self.admin_token
        if idem is not None:
            hdrs["Idempotency-Key"] = idem
        if json is not _UNSET:
            content = _json_bytes(json)
            hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        request = self._http.build_request(
            method, path, content=content, headers=hdrs, params=params
        )
        try:
            response = self._http.send(request)
        except httpx.LocalProtocolError:
            raise  # the test built a request HTTP cannot carry: a bug in the test, not the service
        except httpx.TransportError as exc:
            self.log.record(request, None, error=type(exc).__name__)
            raise NoResponse(
                f"{method} {request.url.path} got no HTTP response ({type(exc).__name__})"
            ) from None
        self.log.record(request, response)
        return response

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)


def _json_bytes(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def new_key(prefix: str = "k") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def body_of(response: httpx.Response) -> Any:
    """The JSON body, or None when the body is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None
