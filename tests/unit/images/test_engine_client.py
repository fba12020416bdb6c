"""docker_client: no engine is an InfrastructureError with a tip, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.engine import docker_client
from grader.errors import DockerUnavailable, InfrastructureError


def test_no_engine_is_docker_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-such.sock'}")
    with pytest.raises(DockerUnavailable) as caught:
        docker_client(ping_timeout=2)
    assert isinstance(caught.value, InfrastructureError)
    assert "scripts/setup-docker.sh" in caught.value.tip
    assert "grader doctor" in caught.value.tip
