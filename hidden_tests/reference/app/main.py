"""Application factory: wires settings, database, routes, middleware and error handlers."""

import functools
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from app.config import Settings, load_settings
from app.db import Database
from app.errors import install_exception_handlers
from app.limits import BodyLimitMiddleware
from app.logging import RequestLogMiddleware, configure_logging
from app.metrics import Metrics, MetricsMiddleware
from app.pagination import CursorCodec
from app.routes import (
    accounts,
    admin,
    deposits,
    entries,
    health,
    reports,
    transactions,
    transfers,
    withdrawals,
)

_ROUTERS = (
    health.router,
    admin.router,
    accounts.router,
    entries.router,
    reports.router,
    deposits.router,
    withdrawals.router,
    transfers.router,
    transactions.router,
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Migrate the database before serving; close its pooled connections afterwards."""
    app.state.cursors = CursorCodec(app.state.database.migrate())
    yield
    app.state.database.close()


def _methods_by_path(routers: Iterable[APIRouter]) -> dict[str, frozenset[str]]:
    """The methods served under each path template, for the ``Allow`` header of 405s."""
    methods: defaultdict[str, set[str]] = defaultdict(set)
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute):
                methods[route.path] |= route.methods
    return {path: frozenset(names) for path, names in methods.items()}


def create_app(settings: Settings) -> FastAPI:
    """Build a fully wired application (each with its own metrics registry)."""
    configure_logging(settings.log_level)
    app = FastAPI(
        title="Ledger API",
        version="1.0.0",
        summary="Multi-tenant double-entry ledger.",
        lifespan=lifespan,
        redirect_slashes=False,
    )
    metrics = Metrics()
    app.state.settings = settings
    app.state.database = Database(settings.database_path)
    app.state.metrics = metrics
    app.state.methods_by_path = _methods_by_path(_ROUTERS)
    for router in _ROUTERS:
        app.include_router(router)
    install_exception_handlers(app)
    # Added last = outermost: the request log sees everything, including 413s and crashes.
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestLogMiddleware)
    return app


@functools.cache
def _default_app() -> FastAPI:
    return create_app(load_settings())


def __getattr__(name: str) -> FastAPI:
    """``app.main:app``, built from the environment on first access (PEP 562)."""
    if name == "app":
        return _default_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
