"""Build the base image locally (debootstrap + docker import) where no registry can supply one.

The Debian mirror comes from the host's own apt sources at run time. It is handed to debootstrap
and nothing else: it is never printed, logged, or left inside the image.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import docker
import docker.errors
import requests
from docker.utils import parse_repository_tag

from grader.errors import InfrastructureError
from grader.images import BOOTSTRAP_BASE_TAG, BuiltImage, run_streaming

PACKAGES = ("python3", "python3-venv", "ca-certificates")
# The image has no ENV of its own after an import: without PATH, `ENV PATH=/opt/venv/bin:$PATH`
# in the Dockerfiles would drop /usr/bin.
IMAGE_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["python3"]',
)
NEUTRAL_SOURCES = "# No package source: a ledger-grader base image, bootstrapped offline.\n"
_DEBIAN_SUITES = frozenset(
    {"bullseye", "bookworm", "trixie", "forky", "sid", "oldstable", "stable", "testing", "unstable"}
)
_ONE_LINE = re.compile(r"^deb\s+(?:\[[^\]]*\]\s+)?(?P<uri>\S+)\s+(?P<suite>\S+)")
_SCHEMES = ("http", "https", "file")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class AptSource:
    """One binary-package source named in the host's apt configuration."""

    uri: str
    suites: tuple[str, ...]


def bootstrap_base(
    client: docker.DockerClient,
    *,
    suite: str = "bookworm",
    tag: str = BOOTSTRAP_BASE_TAG,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> BuiltImage:
    """The Debian base image under `tag`, bootstrapped and imported unless it already exists."""
    say = progress or (lambda _line: None)
    existing = _local_image(client, tag)
    if existing is not None and not force:
        say(f"base: reusing {tag}")
        return existing
    debootstrap = _debootstrap_executable()
    mirror = debian_mirror(suite)
    workdir = Path(tempfile.mkdtemp(prefix="ledger-grader-rootfs-"))
    rootfs = workdir / "rootfs"
    try:
        say(f"base: debootstrap {suite} (minbase + {', '.join(PACKAGES)}); takes a few minutes")
        _debootstrap(debootstrap, suite=suite, rootfs=rootfs, mirror=mirror, say=say)
        _slim(rootfs)
        _forget_mirror(rootfs, mirror=mirror)
        say(f"base: importing the root filesystem as {tag}")
        return _import(client, rootfs=rootfs, tag=tag)
    finally:
        _remove_tree(workdir, say=say)


def debian_mirror(suite: str, *, etc_apt: Path = Path("/etc/apt")) -> str:
    """The Debian archive the host's apt sources name, preferring one that serves `suite`."""
    sources = [s for s in apt_sources(etc_apt=etc_apt) if _fetchable(s.uri)]
    preferences: tuple[Callable[[AptSource], bool], ...] = (
        lambda s: suite in s.suites,
        lambda s: not _DEBIAN_SUITES.isdisjoint(s.suites),
    )
    for prefer in preferences:
        for source in sources:
            if prefer(source) and (uri := _resolve_uri(source.uri)):
                return uri
    raise InfrastructureError(
        "The host's apt sources name no Debian archive that debootstrap can use.",
        tip="add the Debian mirror to /etc/apt/sources.list.d/debian.sources "
        "(or /etc/apt/sources.list), or use a machine that can pull python:3.11-slim",
    )


def apt_sources(*, etc_apt: Path = Path("/etc/apt")) -> list[AptSource]:
    """Every enabled `deb` source in one-line `.list` files and deb822 `.sources` files."""
    parts = etc_apt / "sources.list.d"
    found: list[AptSource] = []
    for path in [etc_apt / "sources.list", *sorted(parts.glob("*.list"))]:
        if path.is_file():
            found += parse_one_line_sources(path.read_text(encoding="utf-8", errors="replace"))
    for path in sorted(parts.glob("*.sources")):
        found += parse_deb822_sources(path.read_text(encoding="utf-8", errors="replace"))
    return found


def parse_one_line_sources(text: str) -> list[AptSource]:
    """`deb [options] uri suite [component...]` lines; comments and `deb-src` are skipped."""
    found = []
    for raw in text.splitlines():
        match = _ONE_LINE.match(raw.split("#", 1)[0].strip())
        if match:
            found.append(AptSource(uri=match["uri"], suites=(match["suite"],)))
    return found


def parse_deb822_sources(text: str) -> list[AptSource]:
    """Stanzas of a deb822 `.sources` file with `Types: deb`, not `Enabled: no`."""
    found = []
    for stanza in _deb822_stanzas(text):
        if "deb" not in stanza.get("types", "").split():
            continue
        if stanza.get("enabled", "yes").strip().lower() == "no":
            continue
        suites = tuple(stanza.get("suites", "").split())
        found += [AptSource(uri=uri, suites=suites) for uri in stanza.get("uris", "").split()]
    return found


def _deb822_stanzas(text: str) -> Iterator[dict[str, str]]:
    stanza: dict[str, str] = {}
    key = ""
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if stanza:
                yield stanza
            stanza, key = {}, ""
        elif line.startswith("#"):
            continue
        elif line[0].isspace() and key:
            stanza[key] += " " + line.strip()
        elif ":" in line:
            name, value = line.split(":", 1)
            key = name.strip().lower()
            stanza[key] = value.strip()


def _fetchable(uri: str) -> bool:
    scheme = urlsplit(uri).scheme
    return scheme in _SCHEMES or scheme == "mirror+file"


def _resolve_uri(uri: str) -> str:
    """A URI debootstrap can use; a `mirror+file:` list (Debian cloud images) gives its first."""
    if not uri.startswith("mirror+file:"):
        return uri
    listing = Path(urlsplit(uri.removeprefix("mirror+")).path)
    if not listing.is_file():
        return ""
    for line in listing.read_text(encoding="utf-8", errors="replace").splitlines():
        words = line.split("#", 1)[0].split()
        if words and urlsplit(words[0]).scheme in _SCHEMES:
            return words[0]
    return ""


def _local_image(client: docker.DockerClient, tag: str) -> BuiltImage | None:
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
        raise InfrastructureError(
            f"Docker could not look up {tag}: {exc}", tip="check the engine with `grader doctor`"
        ) from exc
    return BuiltImage(role="base", tag=tag, id=image.id)


def _debootstrap_executable() -> str:
    if os.geteuid() != 0:
        raise InfrastructureError(
            "Bootstrapping the base image needs root (debootstrap makes device nodes, chroots).",
            tip="run it as root, e.g. `sudo grader images bootstrap-base`",
        )
    found = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin:/sbin")
    if not found:
        raise InfrastructureError(
            "debootstrap is not installed, so the base image cannot be built locally.",
            tip="`apt-get install debootstrap`, or run `bash scripts/setup-docker.sh`",
        )
    return found


def _debootstrap(
    executable: str, *, suite: str, rootfs: Path, mirror: str, say: Callable[[str], None]
) -> None:
    command = [
        executable,
        "--variant=minbase",
        f"--include={','.join(PACKAGES)}",
        suite,
        str(rootfs),
        mirror,
    ]
    returncode, tail = run_streaming(
        command,
        say=lambda line: say(f"  base: {line}"),
        redact=lambda line: _redact(line, mirror=mirror),
    )
    if returncode != 0:
        log = "\n".join(tail)
        raise InfrastructureError(
            f"debootstrap failed (exit {returncode}); its last lines:\n{log}",
            tip="check that the host's apt mirror is reachable (`apt-get update`) and retry "
            "`grader images bootstrap-base`",
        )


def _redact(line: str, *, mirror: str) -> str:
    host = urlsplit(mirror).hostname or ""
    line = line.replace(mirror.rstrip("/"), "<mirror>")
    return line.replace(host, "<mirror>") if host else line


def _slim(rootfs: Path) -> None:
    """Drop what only a package manager or a reader of docs needs; keep copyright files."""
    for pattern in (
        "var/lib/apt/lists/*",
        "var/cache/apt/*.bin",
        "var/cache/apt/archives/*.deb",
        "usr/share/man/*",
        "usr/share/info/*",
        "usr/share/locale/*",
    ):
        for path in rootfs.glob(pattern):
            _delete(path)
    for path in rootfs.glob("usr/share/doc/*/*"):
        if path.name != "copyright":
            _delete(path)


def _forget_mirror(rootfs: Path, *, mirror: str) -> None:
    """Remove every file debootstrap wrote the mirror or the host's identity into, then verify."""
    (rootfs / "etc/apt/sources.list").write_text(NEUTRAL_SOURCES, encoding="utf-8")
    for name in ("etc/resolv.conf", "etc/hostname"):
        (rootfs / name).write_text("", encoding="utf-8")
    _delete(rootfs / "var/log/bootstrap.log")
    host = (urlsplit(mirror).hostname or mirror).encode()
    for top in ("etc", "var"):
        for path in (rootfs / top).rglob("*"):
            if path.is_file() and not path.is_symlink() and host in path.read_bytes():
                where = path.relative_to(rootfs)
                raise InfrastructureError(
                    f"The bootstrapped root filesystem still names the mirror in /{where}.",
                    tip="report this as a grader bug; the image was not imported",
                )


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _import(client: docker.DockerClient, *, rootfs: Path, tag: str) -> BuiltImage:
    """`tar -C rootfs -c . | docker import`, streamed: the tarball never lands on disk."""
    repository, image_tag = parse_repository_tag(tag)
    command = ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."]
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors) as tar,
    ):
        assert tar.stdout is not None
        stream = tar.stdout
        try:
            client.api.import_image_from_data(
                iter(lambda: stream.read(_CHUNK), b""),
                repository=repository,
                tag=image_tag,
                changes=list(IMAGE_CHANGES),
            )
        except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
            tar.kill()
            raise InfrastructureError(
                f"docker import of the bootstrapped root filesystem failed: {exc}",
                tip="check the engine's free disk space and `grader doctor`, then retry",
            ) from exc
        tar.wait()
        errors.seek(0)
        message = errors.read().decode(errors="replace").strip()
    if tar.returncode != 0:
        raise InfrastructureError(
            f"tar of the bootstrapped root filesystem failed: {message}",
            tip="retry `grader images bootstrap-base --force`",
        )
    image = _local_image(client, tag)
    if image is None:
        raise InfrastructureError(
            f"docker import finished but {tag} is missing.", tip="retry with `--force`"
        )
    return image


def _remove_tree(workdir: Path, *, say: Callable[[str], None]) -> None:
    """Delete the temp rootfs, but never through a mount debootstrap may have left behind."""
    for mountpoint in sorted(_mounts_below(workdir), reverse=True):
        subprocess.run(["umount", "--lazy", mountpoint], check=False, capture_output=True)
    if _mounts_below(workdir):
        say(f"base: {workdir} still has mounts below it; left in place for manual removal")
        return
    shutil.rmtree(workdir, ignore_errors=True)


def _mounts_below(path: Path) -> list[str]:
    prefix = f"{path.resolve()}/"
    try:
        lines = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    points = (line.split()[1].replace("\\040", " ") for line in lines if len(line.split()) > 1)
    return [point for point in points if point.startswith(prefix)]
