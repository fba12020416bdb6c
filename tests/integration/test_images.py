"""The grader's images on a real engine: built once, reused, and locked down as designed."""

from __future__ import annotations

import io
import json
import re
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.bootstrap import NEUTRAL_SOURCES, bootstrap_base, debian_mirror
from grader.errors import InfrastructureError
from grader.images import (
    BOOTSTRAP_BASE_TAG,
    BuiltImage,
    choose_base_image,
    ensure_images,
    find_images,
)
from grader.paths import PROJECT_ROOT

pytestmark = pytest.mark.docker

RUNTIME_PROBE = """
import json, os, pathlib, sys
import fastapi, uvicorn, prometheus_client, pythonjsonlogger
data = os.stat("/data")
print(json.dumps({
    "uid": os.getuid(), "gid": os.getgid(), "home": os.environ["HOME"], "cwd": os.getcwd(),
    "prefix": sys.prefix, "version": list(sys.version_info[:2]),
    "data_owner": [data.st_uid, data.st_gid], "data_writable": os.access("/data", os.W_OK),
    "venv_writable": os.access("/opt/venv/lib", os.W_OK),
    "wheelhouse": pathlib.Path("/wheelhouse").exists(),
    "bytecode_off": sys.dont_write_bytecode,
}))
"""

HARNESS_PROBE = """
import json, os, pathlib, sys
import grader, httpx, hypothesis, jsonschema, prometheus_client, pytest, schemathesis, yaml
root = pathlib.Path("/opt/harness")
writable = [str(p) for p in [root, *root.rglob("*")] if os.access(p, os.W_OK)]
foreign = [str(p) for p in [root, *root.rglob("*")] if p.lstat().st_uid != 0]
probe = pathlib.Path("/results/probe")
probe.write_text("ok")
print(json.dumps({
    "uid": os.getuid(), "cwd": os.getcwd(), "grader_from": grader.__file__,
    "writable": writable, "not_root_owned": foreign, "results_writable": probe.exists(),
    "reference": (root / "hidden_tests" / "reference").exists(),
    "rubric": (root / "hidden_tests" / "rubric.toml").exists(),
    "openapi": (root / "openapi.yaml").is_file(),
    "harness_package": (root / "grader" / "harness").is_dir(),
    "hidden_files": sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()),
    "wheelhouse": pathlib.Path("/wheelhouse").exists(),
}))
"""


@pytest.fixture(scope="module")
def image_root() -> Path:
    """The checkout the images are built from."""
    return PROJECT_ROOT


@pytest.fixture(scope="module")
def base_image(docker_client: Any) -> str:
    """The base ensure_images would choose; bootstrapped here where no registry answers."""
    try:
        return choose_base_image(docker_client)
    except InfrastructureError:
        return bootstrap_base(docker_client).tag


@pytest.fixture(scope="module")
def built(docker_client: Any, image_root: Path, base_image: str) -> dict[str, BuiltImage]:
    return ensure_images(docker_client, base_image=base_image, root=image_root)


def run_probe(client: Any, image: str, script: str) -> dict[str, Any]:
    """Run `python -c script` with no network; its JSON output. The container never outlives it."""
    container = client.containers.create(
        image, command=["python", "-c", script], network_mode="none", detach=True
    )
    try:
        container.start()
        status = container.wait(timeout=120)
        output = container.logs(stdout=True, stderr=True).decode()
    finally:
        container.remove(force=True)
    assert status["StatusCode"] == 0, output
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


@pytest.fixture
def exported_base(docker_client: Any, base_image: str) -> Iterator[tarfile.TarFile]:
    container = docker_client.containers.create(base_image, command=["true"])
    try:
        stream = io.BytesIO(b"".join(container.export()))
    finally:
        container.remove(force=True)
    with tarfile.open(fileobj=stream) as archive:
        yield archive


def test_both_images_are_built_with_content_hash_tags(
    docker_client: Any, built: dict[str, BuiltImage]
) -> None:
    assert set(built) == {"runtime", "harness"}
    for role, image in built.items():
        assert image.role == role
        assert re.fullmatch(rf"ledger-grader/{role}:[0-9a-f]{{16}}", image.tag)
        labels = docker_client.images.get(image.tag).labels
        assert labels["org.ledger-grader.role"] == role
        assert image.tag.endswith(labels["org.ledger-grader.content-hash"])


def test_a_second_call_reuses_the_images_without_building(
    docker_client: Any, built: dict[str, BuiltImage], image_root: Path, base_image: str
) -> None:
    messages: list[str] = []
    started = time.monotonic()
    again = ensure_images(
        docker_client, base_image=base_image, root=image_root, progress=messages.append
    )
    elapsed = time.monotonic() - started
    assert again == built
    assert not [m for m in messages if "building" in m or "wheelhouse" in m], messages
    assert sorted(m.split(":")[0] for m in messages if "reusing" in m) == ["harness", "runtime"]
    assert elapsed < 5, f"a warm ensure_images took {elapsed:.1f}s"


def test_find_images_reports_what_ensure_images_built(
    docker_client: Any, built: dict[str, BuiltImage], image_root: Path
) -> None:
    assert find_images(docker_client, root=image_root) == built


def test_runtime_image_runs_the_exercise_stack_offline_as_the_candidate(
    docker_client: Any, built: dict[str, BuiltImage]
) -> None:
    probe = run_probe(docker_client, built["runtime"].tag, RUNTIME_PROBE)
    assert (probe["uid"], probe["gid"]) == (10001, 10001)
    assert probe["version"] == [3, 11]
    assert probe["prefix"] == "/opt/venv"
    assert (probe["home"], probe["cwd"]) == ("/tmp", "/submission")
    assert probe["data_owner"] == [10001, 10001]
    assert probe["data_writable"]
    assert not probe["venv_writable"]
    assert not probe["wheelhouse"]
    assert probe["bytecode_off"]


def test_harness_image_holds_the_hidden_suite_read_only_and_never_the_reference(
    docker_client: Any, built: dict[str, BuiltImage], image_root: Path
) -> None:
    probe = run_probe(docker_client, built["harness"].tag, HARNESS_PROBE)
    assert probe["uid"] == 10002
    assert probe["cwd"] == "/opt/harness"
    assert probe["grader_from"] == "/opt/harness/grader/__init__.py"
    assert probe["reference"] is False
    assert not [name for name in probe["hidden_files"] if "reference" in name]
    assert probe["writable"] == []
    assert probe["not_root_owned"] == []
    assert probe["results_writable"]
    assert probe["openapi"]
    assert probe["harness_package"]
    assert probe["rubric"] == (image_root / "hidden_tests" / "rubric.toml").is_file()
    assert not probe["wheelhouse"]
    hidden_tests = sorted(
        str(p.relative_to(image_root)) for p in (image_root / "hidden_tests").rglob("test_*.py")
    )
    in_image = [name for name in hidden_tests if not name.startswith("hidden_tests/reference/")]
    assert in_image
    assert set(in_image) <= set(probe["hidden_files"])


def test_the_bootstrapped_base_names_no_mirror(
    base_image: str, exported_base: tarfile.TarFile
) -> None:
    if base_image != BOOTSTRAP_BASE_TAG:
        pytest.skip(f"the base here is {base_image}, not a bootstrapped one")
    host = re.sub(r"^[a-z+]+://", "", debian_mirror("bookworm")).split("/")[0].encode()
    files = {m.name.removeprefix("./"): m for m in exported_base.getmembers() if m.isfile()}
    sources = exported_base.extractfile(files["etc/apt/sources.list"])
    assert sources is not None
    assert sources.read().decode() == NEUTRAL_SOURCES
    leaks = []
    for name, member in files.items():
        handle = exported_base.extractfile(member)
        if name.startswith(("etc/", "var/")) and handle is not None and host in handle.read():
            leaks.append(name)
    assert leaks == []


# Stands in for a base image whose Python is 3.12: the Dockerfiles' version guard must stop it.
FAKE_PYTHON = """#!/bin/sh
exec python3.11 -c 'import sys; sys.version_info = (3, 12, 0, "final", 0); exec(sys.argv[1])' "$2"
"""


def _tar(files: dict[str, tuple[bytes, int]]) -> io.BytesIO:
    payload = io.BytesIO()
    with tarfile.open(fileobj=payload, mode="w") as archive:
        for name, (data, mode) in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            archive.addfile(info, io.BytesIO(data))
    payload.seek(0)
    return payload


def test_a_base_with_another_python_fails_with_a_clear_message(
    docker_client: Any, image_root: Path, base_image: str
) -> None:
    tag = "ledger-grader/test-python312:latest"
    context = _tar(
        {
            "Dockerfile": (
                f"FROM {base_image}\nCOPY python3 /usr/local/bin/python3\n".encode(),
                0o644,
            ),
            "python3": (FAKE_PYTHON.encode(), 0o755),
        }
    )
    docker_client.images.build(
        fileobj=context, custom_context=True, tag=tag, network_mode="none", rm=True
    )
    try:
        with pytest.raises(InfrastructureError) as caught:
            ensure_images(docker_client, base_image=tag, root=image_root)
        message = caught.value.message
        assert "Building the runtime image failed" in message
        assert "the base image has Python 3.12; the grader images need CPython 3.11" in message
        assert caught.value.tip
        assert not docker_client.images.list(
            name="ledger-grader/runtime", filters={"label": f"org.ledger-grader.base={tag}"}
        )
    finally:
        docker_client.images.remove(tag, force=True)
