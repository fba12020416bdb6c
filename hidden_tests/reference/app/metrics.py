"""Prometheus metrics: a registry per application, HTTP request metrics and business counters."""

import time
from typing import get_args

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.schemas.common import TransactionKind

UNMATCHED_ROUTE = "unmatched"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The service's metric families, registered in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by method and route template.",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.transactions = Counter(
            "ledger_transactions_total",
            "Committed transactions, by kind (batch items count one each).",
            ["kind"],
            registry=self.registry,
        )
        for kind in get_args(TransactionKind):
            self.transactions.labels(kind=kind)
        self.idempotent_replays = Counter(
            "ledger_idempotent_replays_total",
            "Money-movement requests answered from a stored idempotent outcome.",
            registry=self.registry,
        )


def route_template(scope: Scope) -> str:
    """The matched route's path template (bounded cardinality), or ``unmatched``."""
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED_ROUTE


def method_label(scope: Scope) -> str:
    """The request method, folded to ``OTHER`` when non-standard to keep labels bounded."""
    method = str(scope["method"])
    return method if method in _KNOWN_METHODS else "OTHER"


class MetricsMiddleware:
    """Pure ASGI middleware counting and timing every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            method, route = method_label(scope), route_template(scope)
            self.metrics.http_requests.labels(method, route, str(status)).inc()
            self.metrics.http_duration.labels(method, route).observe(time.perf_counter() - started)
