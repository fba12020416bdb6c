"""Application factory: wires settings, database, routes, middleware and error handlers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.config import Settings, load_settings
from app.db import Database
from app.errors import install_exception_handlers
from app.middleware import BodyLimitMiddleware, RequestLogMiddleware
from app.routes import (
    accounts,
    admin,
    deposits,
    entries,
    health,
    transactions,
    transfers,
    withdrawals,
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Create the data directory and the schema before serving."""
    app.state.cursor_secret = app.state.database.migrate()
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build a fully wired application; the settings come from the environment by default."""
    settings = settings or load_settings()
    app = FastAPI(title="Ledger API", version="1.0.0", lifespan=lifespan, redirect_slashes=False)
    app.state.settings = settings
    app.state.database = Database(settings.database_path)

    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(accounts.router)
    app.include_router(entries.router)
    app.include_router(deposits.router)
    app.include_router(withdrawals.router)
    app.include_router(transfers.router)
    app.include_router(transactions.router)
    install_exception_handlers(app)
    # Added last = outermost: the request log sees every request, 413s included.
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RequestLogMiddleware)
    return app


def __getattr__(name: str) -> FastAPI:
    """``app.main:app`` (e.g. for ``uvicorn app.main:app``), built from the environment."""
    if name == "app":
        return create_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
