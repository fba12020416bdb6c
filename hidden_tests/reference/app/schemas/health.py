"""Health and readiness responses."""

from typing import Literal

from app.schemas.common import PublicModel


class HealthPublic(PublicModel):
    """Liveness: the process answers."""

    status: Literal["ok"] = "ok"


class ReadinessPublic(PublicModel):
    """Readiness: the database can be used."""

    status: Literal["ready"] = "ready"
