"""The one place that connects to a Docker engine and maps its absence onto `DockerUnavailable`."""

from __future__ import annotations

import docker
import docker.errors
import requests
from docker.constants import DEFAULT_TIMEOUT_SECONDS

from grader.errors import DockerUnavailable

_TIP = (
    "start the engine with `bash scripts/setup-docker.sh` (installs and starts dockerd), "
    "then check with `grader doctor`"
)


def docker_client(
    *, ping_timeout: float = 5.0, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> docker.DockerClient:
    """A client for the engine named by the environment (DOCKER_HOST or the default socket).

    The connection is probed with a short timeout so a missing daemon fails fast; afterwards
    calls use `timeout` (image builds and imports stream without a timeout of their own).
    """
    try:
        client = docker.from_env(timeout=ping_timeout)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise DockerUnavailable(f"No Docker engine answers: {exc}", tip=_TIP) from exc
    client.api.timeout = timeout
    return client
