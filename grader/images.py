"""The runtime and harness images: content-addressed tags, built offline from a host wheelhouse.

A tag is `ledger-grader/<role>:<content hash>`; the hash covers the Dockerfile, every source file
that goes into the build context, the requirement list and the base image (name and id). The
wheelhouse is derived from the requirement list, so it is cached by that list's hash instead.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests

from grader.errors import InfrastructureError
from grader.paths import PROJECT_ROOT, cache_dir

Progress = Callable[[str], None]

ROLES = ("runtime", "harness")
REPOSITORY = "ledger-grader"
OFFICIAL_BASE = "python:3.11-slim"
BOOTSTRAP_BASE_TAG = "ledger-grader/base:bookworm"
TARGET_PYTHON = (3, 11)
LABEL = "org.ledger-grader"
_RECIPE = b"ledger-grader images v1"
_SKIPPED_NAMES = frozenset(
    {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", ".DS_Store"}
)
_TAIL = 20
_BOOTSTRAP_TIP = (
    "run `grader images bootstrap-base` to build ledger-grader/base:bookworm from the host's "
    "Debian mirror (a few minutes; needs root and debootstrap, see scripts/setup-docker.sh)"
)


@dataclass(frozen=True, slots=True)
class BuiltImage:
    """An image the grader built (or reuses), by role."""

    role: str
    tag: str
    id: str


def content_hash(role: str, *, base_image: str, base_id: str = "", root: Path | None = None) -> str:
    """16 hex chars of sha256 over the role's context sources and its base image's name and id."""
    return _digest(
        _snapshot(role, root=root or PROJECT_ROOT), base_image=base_image, base_id=base_id
    )


def build_context(
    role: str,
    *,
    workdir: Path,
    root: Path | None = None,
    wheelhouse: Path | None = None,
    progress: Progress | None = None,
) -> Path:
    """A minimal build context in `workdir/<role>`: Dockerfile, requirements, wheels, sources.

    Without `wheelhouse`, the cached wheelhouse for the role's requirement list is used (and made
    with the host's pip if it is missing).
    """
    snapshot = _snapshot(role, root=root or PROJECT_ROOT)
    wheels = wheelhouse or ensure_wheelhouse(
        requirements=snapshot["requirements.txt"], progress=progress
    )
    return _write_context(snapshot, role=role, destination=workdir / role, wheelhouse=wheels)


def ensure_images(
    client: docker.DockerClient,
    *,
    base_image: str | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
    root: Path | None = None,
) -> dict[str, BuiltImage]:
    """Both images, by role; each is built only when no image has its content-hash tag yet."""
    say = progress or _quiet
    base = base_image or choose_base_image(client, progress=say)
    base_id = _present_or_pulled(client, base, progress=say)
    if base_id is None:
        raise InfrastructureError(
            f"The base image {base} is neither present nor pullable.",
            tip=f"pass a base image that exists locally, or {_BOOTSTRAP_TIP}",
        )
    return {
        role: _ensure_role(
            client,
            role=role,
            base=base,
            base_id=base_id,
            rebuild=rebuild,
            root=root or PROJECT_ROOT,
            say=say,
        )
        for role in ROLES
    }


def find_images(
    client: docker.DockerClient, *, root: Path | None = None
) -> dict[str, BuiltImage] | None:
    """The up-to-date images `ensure_images` would reuse, or None if any is missing (no pulls)."""
    base = next((b for b in (OFFICIAL_BASE, BOOTSTRAP_BASE_TAG) if _image(client, b)), None)
    if base is None:
        return None
    base_id = _image(client, base)
    found = {}
    for role in ROLES:
        digest = content_hash(role, base_image=base, base_id=base_id, root=root)
        image_id = _image(client, image_tag(role, digest))
        if not image_id:
            return None
        found[role] = BuiltImage(role=role, tag=image_tag(role, digest), id=image_id)
    return found


def choose_base_image(
    client: docker.DockerClient, *, pull_timeout: float = 20.0, progress: Progress | None = None
) -> str:
    """`python:3.11-slim` if present, else the bootstrapped base if present, else a pull.

    A bootstrapped base exists only where someone built it because no registry answered, so
    preferring it over a pull spares every grade on such a host a doomed pull attempt.
    """
    say = progress or _quiet
    if _image(client, OFFICIAL_BASE):
        return OFFICIAL_BASE
    if _image(client, BOOTSTRAP_BASE_TAG):
        say(f"  base: {OFFICIAL_BASE} is not present; using {BOOTSTRAP_BASE_TAG}")
        return BOOTSTRAP_BASE_TAG
    if _present_or_pulled(client, OFFICIAL_BASE, timeout=pull_timeout, progress=say):
        return OFFICIAL_BASE
    raise InfrastructureError(
        f"No base image: {OFFICIAL_BASE} is not present and cannot be pulled (no registry "
        f"answers), and {BOOTSTRAP_BASE_TAG} has not been bootstrapped.",
        tip=_BOOTSTRAP_TIP,
    )


def image_tag(role: str, digest: str) -> str:
    """The tag of a role's image with the given content hash."""
    return f"{REPOSITORY}/{role}:{digest}"


def ensure_wheelhouse(*, requirements: bytes, progress: Progress | None = None) -> Path:
    """A directory of wheels for `requirements`, made once with the host's pip and cached."""
    say = progress or _quiet
    key = hashlib.sha256(requirements + _wheel_target().encode()).hexdigest()[:16]
    destination = cache_dir() / "wheelhouse" / key
    if (destination / ".complete").is_file():
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=destination.parent))
    try:
        (staging / "requirements.txt").write_bytes(requirements)
        say(f"wheelhouse: collecting wheels with the host's pip into {destination}")
        _collect_wheels(requirements=staging / "requirements.txt", wheel_dir=staging, say=say)
        (staging / ".complete").write_text("", encoding="utf-8")
        shutil.rmtree(destination, ignore_errors=True)
        staging.rename(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


def run_streaming(
    command: list[str], *, say: Progress, redact: Callable[[str], str] = str
) -> tuple[int, list[str]]:
    """Run `command`, passing each output line to `say`; its exit code and last output lines."""
    tail: deque[str] = deque(maxlen=_TAIL)
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        assert process.stdout is not None
        for raw in process.stdout:
            line = redact(raw.rstrip())
            tail.append(line)
            say(line)
    return process.returncode, list(tail)


def _quiet(_line: str) -> None:
    """The progress sink when nobody listens."""


def _snapshot(role: str, *, root: Path) -> dict[str, bytes]:
    """Every context file but the wheels, read once, by its path inside the context."""
    docker_dir = root / "docker"
    if role == "runtime":
        return {
            "Dockerfile": _read(docker_dir / "runtime.Dockerfile", root=root),
            "requirements.txt": _read(
                root / "exercise" / "requirements.txt",
                root=root,
                why="it pins the packages candidates may use, so the runtime image installs them",
            ),
        }
    if role == "harness":
        snapshot = {
            "Dockerfile": _read(docker_dir / "harness.Dockerfile", root=root),
            "requirements.txt": _read(docker_dir / "harness-requirements.txt", root=root),
            "harness/grader/__init__.py": _read(root / "grader" / "__init__.py", root=root),
            "harness/openapi.yaml": _read(
                root / "exercise" / "openapi.yaml",
                root=root,
                why="the hidden tests check the service against it",
            ),
        }
        snapshot |= _tree(root / "grader" / "harness", under="harness/grader/harness")
        hidden = root / "hidden_tests"
        snapshot |= _tree(hidden, under="harness/hidden_tests", exclude=hidden / "reference")
        return snapshot
    raise ValueError(f"unknown image role {role!r}; expected one of {ROLES}")


# Directories the Dockerfiles COPY even when they hold nothing yet.
_CONTEXT_DIRS = {
    "runtime": ("wheelhouse",),
    "harness": ("wheelhouse", "harness/grader/harness", "harness/hidden_tests"),
}


def _read(path: Path, *, root: Path, why: str = "") -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        name = path.relative_to(root) if path.is_relative_to(root) else path
        because = f" ({why})" if why else ""
        raise InfrastructureError(
            f"Cannot read {name}, which the grader's images are built from{because}: "
            f"{exc.strerror or exc}",
            tip=f"restore {name} in {root} (GRADER_PROJECT_ROOT), then rerun",
        ) from exc


def _tree(top: Path, *, under: str, exclude: Path | None = None) -> dict[str, bytes]:
    """Files below `top` (symlinks followed, never into `exclude`), caches left out."""
    if not top.is_dir():
        return {}
    barrier = exclude.resolve() if exclude else None
    found: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if d not in _SKIPPED_NAMES and not _inside(here / d, barrier)
        )
        for name in sorted(filenames):
            path = here / name
            if name in _SKIPPED_NAMES or name.endswith(".pyc") or _inside(path, barrier):
                continue
            if path.is_file():
                found[f"{under}/{path.relative_to(top).as_posix()}"] = path.read_bytes()
    return found


def _inside(path: Path, barrier: Path | None) -> bool:
    return barrier is not None and path.resolve().is_relative_to(barrier)


def _digest(snapshot: Mapping[str, bytes], *, base_image: str, base_id: str) -> str:
    digest = hashlib.sha256(_RECIPE)
    for field in (base_image, base_id):
        digest.update(b"\0" + field.encode())
    for name in sorted(snapshot):
        data = snapshot[name]
        digest.update(b"\0" + name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:16]


def _write_context(
    snapshot: Mapping[str, bytes], *, role: str, destination: Path, wheelhouse: Path
) -> Path:
    """Write the snapshot with normalized modes (root-owned 0644/0755 in the image)."""
    destination.mkdir(parents=True, exist_ok=False)
    for directory in _CONTEXT_DIRS[role]:
        (destination / directory).mkdir(parents=True, exist_ok=True)
    for name, data in snapshot.items():
        path = destination / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for wheel in sorted(wheelhouse.glob("*.whl")):
        _link_or_copy(wheel, destination / "wheelhouse" / wheel.name)
    for path in [destination, *destination.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return destination


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _wheel_target() -> str:
    return f"cp{TARGET_PYTHON[0]}{TARGET_PYTHON[1]}-{_machine()}"


def _machine() -> str:
    machine = platform.machine()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine.lower(), machine)


def _collect_wheels(*, requirements: Path, wheel_dir: Path, say: Progress) -> None:
    pip = [sys.executable, "-m", "pip"]
    if sys.version_info[:2] == TARGET_PYTHON and sys.platform == "linux":
        command = [*pip, "wheel", "--requirement", str(requirements), "--wheel-dir", str(wheel_dir)]
    else:
        # Another host interpreter: fetch the target's wheels instead of building for this one.
        version = "".join(map(str, TARGET_PYTHON))
        platforms = [f"--platform=manylinux{tag}_{_machine()}" for tag in ("2014", "_2_28")]
        command = [
            *pip, "download", "--only-binary=:all:", f"--python-version={version}",
            "--implementation=cp", f"--abi=cp{version}", *platforms,
            "--requirement", str(requirements), "--dest", str(wheel_dir),
        ]  # fmt: skip
    returncode, tail = run_streaming(command, say=lambda line: say(f"  wheelhouse: {line}"))
    if returncode != 0:
        log = "\n".join(tail)
        raise InfrastructureError(
            f"pip could not collect the wheels for the images (exit {returncode}):\n{log}",
            tip="check that this machine's pip configuration can install the pinned packages "
            f"(`{sys.executable} -m pip download -r <requirements>`), then rerun",
        )


def _image(client: docker.DockerClient, reference: str) -> str:
    """The local image id for `reference`, or "" when there is none."""
    try:
        return str(client.images.get(reference).id)
    except docker.errors.ImageNotFound:
        return ""
    except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
        raise InfrastructureError(
            f"Docker could not look up the image {reference}: {exc}",
            tip="check the engine with `grader doctor`",
        ) from exc


def _present_or_pulled(
    client: docker.DockerClient, reference: str, *, timeout: float = 20.0, progress: Progress
) -> str | None:
    """The image id of `reference`, pulling it (bounded by `timeout`) if it is not local."""
    if image_id := _image(client, reference):
        return image_id
    progress(f"  base: {reference} is not present; trying to pull it")
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        pool.submit(client.images.pull, reference).result(timeout=timeout)
    except (FutureTimeout, docker.errors.DockerException, requests.exceptions.RequestException):
        return None
    finally:
        # A pull that hangs is abandoned: its thread ends when the engine gives up.
        pool.shutdown(wait=False, cancel_futures=True)
    return _image(client, reference) or None


def _ensure_role(
    client: docker.DockerClient,
    *,
    role: str,
    base: str,
    base_id: str,
    rebuild: bool,
    root: Path,
    say: Progress,
) -> BuiltImage:
    snapshot = _snapshot(role, root=root)
    digest = _digest(snapshot, base_image=base, base_id=base_id)
    tag = image_tag(role, digest)
    if not rebuild and (image_id := _image(client, tag)):
        say(f"{role}: reusing {tag}")
        return BuiltImage(role=role, tag=tag, id=image_id)
    wheels = ensure_wheelhouse(requirements=snapshot["requirements.txt"], progress=say)
    with tempfile.TemporaryDirectory(prefix=f"ledger-grader-{role}-") as workdir:
        context = _write_context(
            snapshot, role=role, destination=Path(workdir) / role, wheelhouse=wheels
        )
        say(f"{role}: building {tag} from {base}")
        labels = {f"{LABEL}.role": role, f"{LABEL}.content-hash": digest, f"{LABEL}.base": base}
        stream = client.api.build(
            path=str(context),
            dockerfile="Dockerfile",
            tag=tag,
            buildargs={"BASE_IMAGE": base},
            labels=labels,
            network_mode="none",
            pull=False,
            nocache=rebuild,
            rm=True,
            forcerm=True,
            decode=True,
        )
        _follow_build(stream, role=role, say=say)
    image_id = _image(client, tag)
    if not image_id:
        raise InfrastructureError(
            f"The {role} image build finished but {tag} is missing.",
            tip="rerun with `--rebuild`; check the engine's disk space with `grader doctor`",
        )
    return BuiltImage(role=role, tag=tag, id=image_id)


def _follow_build(stream: Iterable[dict[str, Any]], *, role: str, say: Progress) -> None:
    """Pass build output to `say`; a build error becomes an InfrastructureError with the tail."""
    tail: deque[str] = deque(maxlen=_TAIL)
    try:
        for chunk in stream:
            for line in str(chunk.get("stream", "")).splitlines():
                if line.strip():
                    tail.append(line)
                    say(f"  {role}: {line}")
            if "error" in chunk:
                tail.append(str(chunk["error"]).strip())
                raise _build_failed(role, tail)
    except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
        tail.append(str(exc))
        raise _build_failed(role, tail) from exc


def _build_failed(role: str, tail: Iterable[str]) -> InfrastructureError:
    log = "\n".join(tail)
    return InfrastructureError(
        f"Building the {role} image failed; the build's last lines:\n{log}",
        tip=f"fix the cause above (docker/{role}.Dockerfile, the requirement list or the base "
        "image), then rerun; `grader doctor` checks the engine",
    )
