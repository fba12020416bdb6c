"""bootstrap_base: reuse before any work, and a clear error for each missing precondition."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import docker.errors
import pytest

from grader import bootstrap
from grader.errors import InfrastructureError
from grader.images import BOOTSTRAP_BASE_TAG, BuiltImage


class FakeImages:
    def __init__(self, existing: dict[str, str]) -> None:
        self.existing = existing

    def get(self, tag: str) -> Any:
        if tag not in self.existing:
            raise docker.errors.ImageNotFound(tag)
        return SimpleNamespace(id=self.existing[tag])


def _client(existing: dict[str, str]) -> Any:
    return SimpleNamespace(images=FakeImages(existing))


def test_an_existing_base_is_returned_without_debootstrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap, "_debootstrap", lambda *a, **k: pytest.fail("debootstrap ran"))
    image = bootstrap.bootstrap_base(_client({BOOTSTRAP_BASE_TAG: "sha256:abc"}))
    assert image == BuiltImage(role="base", tag=BOOTSTRAP_BASE_TAG, id="sha256:abc")


def test_not_root_is_an_infrastructure_error_with_a_tip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap.os, "geteuid", lambda: 1000)
    with pytest.raises(InfrastructureError) as caught:
        bootstrap.bootstrap_base(_client({}))
    assert "root" in caught.value.message
    assert "sudo" in caught.value.tip


def test_missing_debootstrap_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap.os, "geteuid", lambda: 0)
    monkeypatch.setattr(bootstrap.shutil, "which", lambda *a, **k: None)
    with pytest.raises(InfrastructureError) as caught:
        bootstrap.bootstrap_base(_client({}), force=True)
    assert "debootstrap is not installed" in caught.value.message
    assert "apt-get install debootstrap" in caught.value.tip
    assert "scripts/setup-docker.sh" in caught.value.tip
