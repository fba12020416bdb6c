"""Operational endpoints: liveness, readiness and Prometheus metrics (no authentication)."""

from fastapi import APIRouter
from starlette.responses import Response

from app.errors import not_implemented, problem_responses
from app.schemas.health import HealthPublic, ReadinessPublic

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> HealthPublic:
    """The process is up and serving requests."""
    return HealthPublic()


@router.get("/readyz")
async def readyz() -> ReadinessPublic:
    """The service is started and can take traffic."""
    return ReadinessPublic()


@router.get("/metrics", response_class=Response, responses=problem_responses(501))
async def metrics() -> Response:
    """Prometheus text exposition of the service's metrics."""
    raise not_implemented("GET /metrics")
