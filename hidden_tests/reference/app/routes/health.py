"""Operational endpoints: liveness, readiness and Prometheus metrics (no authentication)."""

import logging
import sqlite3

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from app.deps import DatabaseDep, MetricsDep
from app.errors import not_ready, problem_responses
from app.schemas.health import HealthPublic, ReadinessPublic

router = APIRouter(tags=["operations"])
logger = logging.getLogger(__name__)


@router.get("/healthz")
async def healthz() -> HealthPublic:
    """The process is up and serving requests."""
    return HealthPublic()


@router.get("/readyz", responses=problem_responses(503))
def readyz(database: DatabaseDep) -> ReadinessPublic:
    """The database answers queries and can take its write lock."""
    try:
        database.ping()
    except (sqlite3.Error, OSError) as exc:
        logger.warning("readiness check failed: %s", exc.__class__.__name__)
        raise not_ready() from exc
    return ReadinessPublic()


@router.get("/metrics", response_class=Response)
async def metrics_text(metrics: MetricsDep) -> Response:
    """Prometheus text exposition of this application's registry."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
