"""Submission intake: turn a directory, git ref or archive into a private, hashed snapshot."""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import re
import shutil
import signal
import stat
import subprocess
import tarfile
import tempfile
import threading
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Literal

from grader.errors import InfrastructureError, SubmissionError

__all__ = [
    "DEFAULT_LIMITS",
    "CommitInfo",
    "GitInfo",
    "Limits",
    "Submission",
    "load_submission",
    "parse_spec",
]

GIT_TIMEOUT_S = 60.0
MAX_COMMITS = 500
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})
URL_SCHEMES = frozenset({"file", "http", "https", "ssh", "git", "git+ssh", "ssh+git"})

_CHUNK = 64 * 1024
_DIR_MODE = 0o755
_FILE_MODE = 0o644
_EXEC_MODE = 0o755
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# scp-like git URLs (git@host:org/repo.git) need the user part: a bare "host:path" is too
# easily a local file name, and guessing wrong would start an ssh connection.
_SCP_RE = re.compile(r"^[^/@:]+@[^/:]+:")
_REF_RE = re.compile(r"^[A-Za-z0-9._/+-]+(?:[~^][0-9]*)*$")
_SHA_LINE_RE = re.compile(r"^\n?\x1e([0-9a-f]{40,64})$")
_NUMSTAT_RE = re.compile(r"^\n?(\d+|-)\t(\d+|-)\t(.*)$", re.DOTALL)
_VCS_REASON = "version control metadata"
_LINK_REASON = "link, not copied"
_WORKDIR_REASON = "the grader's own work directory"


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds on what one submission may bring in."""

    max_files: int = 5_000
    max_total_bytes: int = 50 * 1024 * 1024
    max_file_bytes: int = 10 * 1024 * 1024


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """One commit of the submission's history, with its numstat totals."""

    sha: str
    author_date: str
    subject: str
    files_changed: tuple[str, ...]
    insertions: int
    deletions: int


@dataclass(frozen=True, slots=True)
class GitInfo:
    """Where a git submission came from: the graded commit and the commits leading to it."""

    ref: str
    commit: str
    tree: str
    base: str | None
    commits: tuple[CommitInfo, ...]


@dataclass(frozen=True, slots=True)
class Submission:
    """A submission taken in: a private snapshot the grader owns, and how it was obtained."""

    source: str
    kind: str
    root: Path
    tree_hash: str
    file_count: int
    total_bytes: int
    git: GitInfo | None
    skipped: tuple[str, ...]


# --------------------------------------------------------------------------- spec parsing


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split "LOCATION@REF" into (location, ref), ref None when the spec names no ref.

    The rule, in order:
    1. A spec that exists on disk as written is a location, whatever '@' it contains.
    2. Only the LAST '@' can separate a ref, and never one inside a URL's user part
       (ssh://git@host/..., git@host:org/repo.git).
    3. It separates a ref only when what follows is a plausible ref name (letters, digits,
       '._/+-', optional ~N/^N suffixes, no '..', no leading '-' or '/') and what precedes
       it is a URL (scheme:// or user@host:path) or exists on disk.
    Otherwise the whole spec is the location (and a missing path is reported as such).
    """
    if _exists(spec):
        return spec, None
    at = spec.rfind("@")
    if at <= _userinfo_end(spec):
        return spec, None
    location, ref = spec[:at], spec[at + 1 :]
    if _is_ref_name(ref) and (_is_url(location) or _exists(location)):
        return location, ref
    return spec, None


def _exists(location: str) -> bool:
    """Whether a location names something on the local disk."""
    return bool(location) and os.path.exists(os.path.expanduser(location))


def _userinfo_end(spec: str) -> int:
    """Index of the end of a URL's host part; an '@' before it belongs to the URL."""
    scheme = _SCHEME_RE.match(spec)
    if scheme:
        slash = spec.find("/", scheme.end())
        return len(spec) if slash < 0 else slash
    if _SCP_RE.match(spec):
        return spec.index(":")
    return -1


def _is_url(location: str) -> bool:
    """Whether a location is a URL rather than a local path."""
    return bool(_SCHEME_RE.match(location) or _SCP_RE.match(location))


def _is_ref_name(ref: str) -> bool:
    """Whether a string is a plausible git ref or revision (conservative subset)."""
    return (
        bool(_REF_RE.match(ref))
        and not ref.startswith(("-", "/", "."))
        and not ref.endswith(("/", ".", ".lock"))
        and ".." not in ref
        and "//" not in ref
        and "/." not in ref
    )


def _redacted(url: str) -> str:
    """A URL without passwords or tokens, fit for reports and error messages."""
    scheme = _SCHEME_RE.match(url)
    if not scheme:
        return url
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)  # netloc keeps the port, which is wanted
    # Over http(s) the user part is where tokens go; ssh users are names, keep them.
    user = "" if parts.scheme in {"http", "https"} else userinfo.split(":", 1)[0]
    netloc = f"{user}@{host}" if user else host
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


# --------------------------------------------------------------------------- entry point


def load_submission(
    spec: str,
    *,
    workdir: Path,
    limits: Limits = DEFAULT_LIMITS,
    base_ref: str | None = None,
    git_timeout: float = GIT_TIMEOUT_S,
) -> Submission:
    """Take a submission in as a snapshot under `workdir`; nothing from it is ever executed.

    - DIR: the working files are copied (VCS metadata skipped; links never copied). A git
      work tree without @REF is graded as a directory: its uncommitted edits count, and
      GitInfo describes HEAD (ref "HEAD").
    - PATH@REF or URL[@REF] (file://, https://, ssh://, git@host:path; bare repositories
      too): the commit REF (default HEAD) is cloned and exported; a bare repository
      without @REF is graded at HEAD.
    - ARCHIVE (.tar.gz, .tgz, .tar, .zip): extracted member by member under the limits;
      a single top-level folder is stripped.
    """
    if not spec.strip():
        # Path("") is the current directory; an empty spec is a mistake, not a request.
        raise SubmissionError("no submission given", tip="Pass a directory, git ref or archive.")
    location, ref = parse_spec(spec)
    workdir.mkdir(parents=True, exist_ok=True)
    workdir = workdir.resolve()
    if _is_url(location) and not _exists(location):
        return _load_url(
            location, ref, workdir=workdir, limits=limits, base_ref=base_ref, timeout=git_timeout
        )
    path = Path(location).expanduser()
    if not path.exists():
        raise SubmissionError(
            f"submission not found: {spec}",
            tip="Check the path. To grade a git ref write PATH@REF (e.g. ./repo@main), "
            "where PATH is an existing repository.",
        )
    path = path.resolve()
    if path.is_dir() and (ref is not None or _is_bare_repo(path)):
        return _load_git(
            str(path),
            str(path),
            ref or "HEAD",
            local=True,
            workdir=workdir,
            limits=limits,
            base_ref=base_ref,
            timeout=git_timeout,
        )
    if ref is not None:
        raise SubmissionError(
            f"{path} is not a directory, so @{ref} cannot name a git ref in it",
            tip="Give @REF only after a git repository (a directory or a URL).",
        )
    if path.is_dir():
        return _load_directory(
            path, workdir=workdir, limits=limits, base_ref=base_ref, timeout=git_timeout
        )
    if path.is_file():
        return _load_archive(path, workdir=workdir, limits=limits, base_ref=base_ref)
    raise SubmissionError(
        f"{path} is neither a directory nor a regular file",
        tip="Pass a project directory, a git repository or a .tar.gz/.tgz/.tar/.zip archive.",
    )


def _load_url(
    url: str,
    ref: str | None,
    *,
    workdir: Path,
    limits: Limits,
    base_ref: str | None,
    timeout: float,
) -> Submission:
    """A submission fetched by URL; only well-known transports are let through."""
    scheme = _SCHEME_RE.match(url)
    name = scheme.group(1).lower() if scheme else "ssh"
    if name not in URL_SCHEMES:
        raise SubmissionError(
            f"unsupported URL scheme {name!r} in {_redacted(url)}",
            tip=f"Use one of: {', '.join(sorted(URL_SCHEMES))}, or user@host:path.",
        )
    return _load_git(
        url,
        _redacted(url),
        ref or "HEAD",
        local=name == "file",
        workdir=workdir,
        limits=limits,
        base_ref=base_ref,
        timeout=timeout,
    )


def _is_bare_repo(path: Path) -> bool:
    """Whether a directory looks like a bare git repository (judged without running git)."""
    return (
        not (path / ".git").exists()
        and (path / "HEAD").is_file()
        and (path / "objects").is_dir()
        and (path / "refs").is_dir()
    )


def _require_no_base(base_ref: str | None, what: str) -> None:
    """Reject a base ref for a submission that has no git history to compare against."""
    if base_ref is not None:
        raise SubmissionError(
            f"a base ref ({base_ref}) was given but {what} has no git history",
            tip="Drop the base ref, or submit a git repository (PATH@REF or a URL).",
        )


# --------------------------------------------------------------------------- snapshot writer


@dataclass(slots=True)
class _Snapshot:
    """A snapshot being written: enforces the limits and records hashes as files stream in."""

    root: Path
    limits: Limits
    entries: list[tuple[PurePosixPath, bool, str]] = field(default_factory=list)
    skipped: dict[PurePosixPath, str] = field(default_factory=dict)
    total_bytes: int = 0
    files: set[PurePosixPath] = field(default_factory=set)
    dirs: set[PurePosixPath] = field(default_factory=set)
    tops: set[str] = field(default_factory=set)
    flat: bool = False

    def note(self, rel: PurePosixPath) -> None:
        """Remember a non-directory member's place, to decide on stripping a top folder."""
        self.tops.add(rel.parts[0])
        self.flat = self.flat or len(rel.parts) == 1

    def skip(self, rel: PurePosixPath, reason: str) -> None:
        """Record a path that is deliberately left out of the snapshot."""
        self.note(rel)
        self.skipped.setdefault(rel, reason)

    def add_dir(self, rel: PurePosixPath, label: str) -> None:
        """Account for a directory; it is created only when a file needs it."""
        if rel in self.files:
            raise SubmissionError(
                f"{label}: is both a file and a directory",
                tip="Rebuild the archive from a clean checkout.",
            )
        if rel not in self.dirs and len(self.dirs) >= self.limits.max_files:
            raise SubmissionError(
                f"{label}: more than {self.limits.max_files} directories",
                tip="Submit the project without generated or vendored trees.",
            )
        self.dirs.add(rel)

    def add_file(
        self, rel: PurePosixPath, chunks: Iterable[bytes], *, executable: bool, label: str
    ) -> None:
        """Write one file, counting the bytes actually received against the limits."""
        if rel in self.files or rel in self.dirs:
            raise SubmissionError(
                f"{label}: duplicates another member with the same path",
                tip="Rebuild the archive so every path occurs once.",
            )
        if len(self.files) >= self.limits.max_files:
            raise SubmissionError(
                f"{label}: the submission has more than {self.limits.max_files} files",
                tip="Submit the project without dependencies, build output or data dumps.",
            )
        self.note(rel)
        self.files.add(rel)
        target = self._parent_for(rel, label) / rel.name
        digest = hashlib.sha256()
        size = 0
        fd = os.open(
            target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                self.check_size(size, label)
                digest.update(chunk)
                out.write(chunk)
            # Readable by the unprivileged container user; exec bit kept as git keeps it.
            os.fchmod(out.fileno(), _EXEC_MODE if executable else _FILE_MODE)
        self.total_bytes += size
        self.entries.append((rel, executable, digest.hexdigest()))

    def check_size(self, size: int, label: str) -> None:
        """Stop a file the moment it passes the per-file or total limit."""
        if size > self.limits.max_file_bytes:
            raise SubmissionError(
                f"{label}: larger than the {_mib(self.limits.max_file_bytes)} per-file limit",
                tip="Remove large data or binaries from the submission.",
            )
        if self.total_bytes + size > self.limits.max_total_bytes:
            raise SubmissionError(
                f"{label}: the submission passes the {_mib(self.limits.max_total_bytes)} "
                "total size limit",
                tip="Remove dependencies, build output and data files from the submission.",
            )

    def _parent_for(self, rel: PurePosixPath, label: str) -> Path:
        """The on-disk directory for a file, created 0o755 one component at a time."""
        current = self.root
        for depth in range(1, len(rel.parts)):
            prefix = PurePosixPath(*rel.parts[:depth])
            self.add_dir(prefix, label)
            current = current / rel.parts[depth - 1]
            if not current.is_dir():
                current.mkdir()
                current.chmod(_DIR_MODE)
        return current


def _mib(size: int) -> str:
    """A byte count for people."""
    return f"{size / (1024 * 1024):g} MiB"


def _new_snapshot(workdir: Path, limits: Limits) -> _Snapshot:
    """An empty snapshot directory of its own under the work directory."""
    root = Path(tempfile.mkdtemp(prefix="submission-", dir=workdir))
    root.chmod(_DIR_MODE)
    return _Snapshot(root=root, limits=limits)


def _tree_hash(entries: Iterable[tuple[PurePosixPath, bool, str]]) -> str:
    """sha256 over sorted "path NUL mode NUL sha256(content) NUL" records; kind-independent."""
    records = sorted(
        (os.fsencode(str(rel)), b"100755" if executable else b"100644", digest.encode())
        for rel, executable, digest in entries
    )
    outer = hashlib.sha256()
    for path, mode, digest in records:
        outer.update(b"%s\0%s\0%s\0" % (path, mode, digest))
    return f"sha256:{outer.hexdigest()}"


def _finish(
    snap: _Snapshot, *, source: str, kind: str, git: GitInfo | None, strip_top: bool = False
) -> Submission:
    """The Submission for a completely written snapshot, stripping a lone top folder."""
    if not snap.entries:
        raise SubmissionError(
            f"{source} contains no files to grade",
            tip="Check that you pointed at the project itself, not an empty folder or ref.",
        )
    entries, skipped = snap.entries, snap.skipped
    if strip_top and len(snap.tops) == 1 and not snap.flat:
        top = PurePosixPath(next(iter(snap.tops)))
        _hoist(snap.root, top.name)
        entries = [(rel.relative_to(top), ex, digest) for rel, ex, digest in entries]
        skipped = {rel.relative_to(top): why for rel, why in skipped.items()}
    return Submission(
        source=source,
        kind=kind,
        root=snap.root,
        tree_hash=_tree_hash(entries),
        file_count=len(entries),
        total_bytes=snap.total_bytes,
        git=git,
        skipped=tuple(f"{rel}{why}" for rel, why in sorted(skipped.items())),
    )


def _hoist(root: Path, top: str) -> None:
    """Make the single folder inside `root` become `root` itself."""
    parked = root.with_name(root.name + ".top")
    (root / top).rename(parked)
    root.rmdir()
    parked.rename(root)


@contextlib.contextmanager
def _discarded_on_error(snap: _Snapshot) -> Iterator[None]:
    """Remove a half-written snapshot when intake fails, so no unchecked files linger."""
    try:
        yield
    except BaseException:
        shutil.rmtree(snap.root, ignore_errors=True)
        raise


def _vcs_prefix(rel: PurePosixPath) -> PurePosixPath | None:
    """The VCS metadata directory a path lies in, if any."""
    for depth, part in enumerate(rel.parts, start=1):
        if part in VCS_DIRS:
            return PurePosixPath(*rel.parts[:depth])
    return None


def _skip_vcs(snap: _Snapshot, rel: PurePosixPath, prefix: PurePosixPath) -> None:
    """Record VCS metadata once per directory rather than once per file."""
    snap.skip(prefix, f"{'/' if prefix != rel else ''} ({_VCS_REASON})")


# --------------------------------------------------------------------------- directories


def _load_directory(
    path: Path, *, workdir: Path, limits: Limits, base_ref: str | None, timeout: float
) -> Submission:
    """A directory copied file by file; a git work tree also gets HEAD's GitInfo."""
    # History first: a bad base ref should fail before a large tree is copied.
    git, unusable = None, False
    if os.path.lexists(path / ".git"):
        try:
            git = _worktree_git(path, workdir=workdir, base_ref=base_ref, timeout=timeout)
        except _CloneFailed:
            # A copied-around .git (e.g. a gitfile naming a parent repo elsewhere) only
            # costs the history; the files themselves are still gradable.
            unusable = True
    if git is None:
        _require_no_base(base_ref, str(path))
    snap = _new_snapshot(workdir, limits)
    with _discarded_on_error(snap):
        _copy_tree(path, snap, avoid={_inode(workdir), _inode(snap.root)})
        if unusable:
            slash = "/" if (path / ".git").is_dir() else ""
            why = f"{slash} ({_VCS_REASON}; not a usable repository)"
            snap.skipped[PurePosixPath(".git")] = why
        return _finish(snap, source=str(path), kind="directory", git=git)


def _inode(path: Path) -> tuple[int, int]:
    """A directory's identity, robust to the different spellings of its path."""
    st = path.stat()
    return st.st_dev, st.st_ino


def _copy_tree(src: Path, snap: _Snapshot, *, avoid: set[tuple[int, int]]) -> None:
    """Copy the regular files under src; links and VCS metadata stay behind."""
    real_root = Path(os.path.realpath(src))
    pending: list[tuple[Path, PurePosixPath]] = [(src, PurePosixPath())]
    visited = 0
    while pending:
        directory, rel_dir = pending.pop()
        # Empty folders cost no file slot, so they get a budget of their own.
        visited += 1
        if visited > snap.limits.max_files:
            raise SubmissionError(
                f"{rel_dir}: the submission has more than {snap.limits.max_files} directories",
                tip="Submit the project without generated or vendored trees.",
            )
        try:
            with os.scandir(directory) as scan:
                found = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            raise _unreadable(rel_dir, exc) from None
        for entry in found:
            rel = rel_dir / entry.name
            if _copy_entry(entry, rel, snap, real_root=real_root, avoid=avoid):
                pending.append((Path(entry.path), rel))


def _copy_entry(
    entry: os.DirEntry[str],
    rel: PurePosixPath,
    snap: _Snapshot,
    *,
    real_root: Path,
    avoid: set[tuple[int, int]],
) -> bool:
    """Copy, skip or reject one directory entry; True when it is a folder to descend into."""
    if entry.name in VCS_DIRS:
        suffix = "/" if entry.is_dir(follow_symlinks=False) else ""
        snap.skip(rel, f"{suffix} ({_VCS_REASON})")
        return False
    if entry.is_symlink():
        _check_dir_link(Path(entry.path), rel, real_root)
        snap.skip(rel, f" ({_LINK_REASON})")
        return False
    if entry.is_dir(follow_symlinks=False):
        if _inode(Path(entry.path)) in avoid:
            snap.skip(rel, f"/ ({_WORKDIR_REASON})")
            return False
        return True
    if entry.is_file(follow_symlinks=False):
        _copy_file(Path(entry.path), rel, snap)
        return False
    raise SubmissionError(
        f"{rel}: is a device, fifo or socket, not a regular file",
        tip="Remove special files from the submission.",
    )


def _check_dir_link(link: Path, rel: PurePosixPath, real_root: Path) -> None:
    """Reject a symlink that is absolute, leaves the submission or points nowhere."""
    target = os.readlink(link)
    tip = "Replace the link with the file it points to, or remove it."
    if os.path.isabs(target):
        raise SubmissionError(f"symlink {rel} -> {target} is absolute", tip=tip)
    real = Path(os.path.realpath(link))
    if not real.is_relative_to(real_root):
        raise SubmissionError(f"symlink {rel} -> {target} points outside the submission", tip=tip)
    if not real.exists():
        raise SubmissionError(f"symlink {rel} -> {target} is dangling", tip=tip)


def _copy_file(path: Path, rel: PurePosixPath, snap: _Snapshot) -> None:
    """Copy one regular file, refusing anything swapped for a link or fifo meanwhile."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _unreadable(rel, exc) from None
    with os.fdopen(fd, "rb") as src:
        st = os.fstat(src.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise SubmissionError(
                f"{rel}: changed into a special file while being copied",
                tip="Do not modify the submission while it is being graded.",
            )
        snap.check_size(st.st_size, str(rel))  # early, on the claimed size
        try:
            snap.add_file(
                rel, _chunks(src), executable=bool(st.st_mode & stat.S_IXUSR), label=str(rel)
            )
        except OSError as exc:
            raise _unreadable(rel, exc) from None


def _unreadable(rel: PurePosixPath, exc: OSError) -> SubmissionError:
    """The error for a file or folder the grader cannot read or write."""
    return SubmissionError(
        f"{rel}: cannot be copied ({exc.strerror or exc})",
        tip="Make every file of the submission readable by the user running the grader.",
    )


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """A binary stream in bounded pieces."""
    while chunk := stream.read(_CHUNK):
        yield chunk


# --------------------------------------------------------------------------- archives


def _load_archive(path: Path, *, workdir: Path, limits: Limits, base_ref: str | None) -> Submission:
    """An archive extracted member by member into a fresh snapshot."""
    name = path.name.lower()
    suffix = next((s for s in ARCHIVE_SUFFIXES if name.endswith(s)), None)
    if suffix is None:
        raise SubmissionError(
            f"{path} is a file but not a supported archive",
            tip=f"Pass a directory, a git repository or a {'/'.join(ARCHIVE_SUFFIXES)} file.",
        )
    _require_no_base(base_ref, str(path))
    snap = _new_snapshot(workdir, limits)
    with _discarded_on_error(snap):
        if suffix == ".zip":
            _extract_zip(path, snap)
        else:
            # Explicit compression: auto-detection would let a renamed bzip2 bomb through.
            mode: Literal["r|", "r|gz"] = "r|" if suffix == ".tar" else "r|gz"
            with path.open("rb") as raw:
                _extract_tar(raw, snap, mode=mode, what=str(path), git_links=False)
        return _finish(snap, source=str(path), kind="archive", git=None, strip_top=True)


def _member_path(name: str) -> PurePosixPath:
    """A member name as a safe relative path; absolute and '..' names are rejected."""
    clean = name.replace("\\", "/")
    tip = "Rebuild the archive from inside the project folder with relative paths."
    if clean.startswith("/") or re.match(r"^[A-Za-z]:(/|$)", clean):
        raise SubmissionError(f"archive member {name!r} has an absolute path", tip=tip)
    parts = [p for p in clean.split("/") if p not in {"", "."}]
    if ".." in parts:
        raise SubmissionError(f"archive member {name!r} has a '..' component", tip=tip)
    return PurePosixPath(*parts)


class _Unreadable(SubmissionError):
    """An archive or member failed to decode (as opposed to breaking a rule)."""


@contextlib.contextmanager
def _member_errors(label: str) -> Iterator[None]:
    """Map the many ways a corrupt member fails onto one SubmissionError naming it."""
    try:
        yield
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise _Unreadable(
            f"{label}: is corrupt or unreadable ({exc})",
            tip="Re-create the archive and check that it opens with a standard tool.",
        ) from None
    except (RuntimeError, NotImplementedError) as exc:
        # zipfile raises these for encrypted members and unknown compression methods.
        raise SubmissionError(
            f"{label}: cannot be extracted ({exc})",
            tip="Use an unencrypted archive with standard (deflate) compression.",
        ) from None


def _reject_link(label: str, kind: str, target: str | None) -> SubmissionError:
    """The error for a link member: archives may not contain links of any kind."""
    # A zip symlink's target is its content; it is not read, so it cannot be a bomb.
    to = f" to {target!r}" if target is not None else ""
    return SubmissionError(
        f"{label}: is a {kind}{to}; links are not accepted in archives",
        tip="Replace links with the files they point to (e.g. tar --dereference, zip without -y).",
    )


def _extract_tar(
    fileobj: IO[bytes],
    snap: _Snapshot,
    *,
    mode: Literal["r|", "r|gz"],
    what: str,
    git_links: bool,
) -> None:
    """Stream a tar into the snapshot; git exports may carry in-tree symlinks, which are skipped."""
    with _member_errors(what), tarfile.open(fileobj=fileobj, mode=mode) as tar:
        for member in tar:
            _extract_tar_member(tar, member, snap, git_links=git_links)


def _extract_tar_member(
    tar: tarfile.TarFile, member: tarfile.TarInfo, snap: _Snapshot, *, git_links: bool
) -> None:
    """Copy, skip or reject one tar member."""
    label = f"archive member {member.name!r}"
    rel = _member_path(member.name)
    if not rel.parts:
        return
    vcs = _vcs_prefix(rel)
    if member.isdir():
        if vcs is None:
            snap.add_dir(rel, label)
        return
    if vcs is not None:
        _skip_vcs(snap, rel, vcs)
    elif member.issym() and git_links:
        _check_git_link(rel, member.linkname)
        snap.skip(rel, f" ({_LINK_REASON})")
    elif member.issym() or member.islnk():
        raise _reject_link(label, "symlink" if member.issym() else "hard link", member.linkname)
    elif member.ischr() or member.isblk() or member.isfifo():
        raise SubmissionError(
            f"{label}: is a device or fifo", tip="Archive regular files and folders only."
        )
    elif not member.isreg():
        raise SubmissionError(
            f"{label}: has an unsupported member type {member.type!r}",
            tip="Archive regular files and folders only.",
        )
    else:
        snap.check_size(member.size, label)  # early, on the header; bytes are counted too
        with _member_errors(label):
            reader = tar.extractfile(member)
            assert reader is not None  # a regular member always has a reader
            snap.add_file(
                rel, _chunks(reader), executable=bool(member.mode & stat.S_IXUSR), label=label
            )


def _check_git_link(rel: PurePosixPath, target: str) -> None:
    """Reject a committed symlink that is absolute or climbs out of the repository."""
    resolved = posixpath.normpath(posixpath.join(str(rel.parent), target))
    if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
        raise SubmissionError(
            f"symlink {rel} -> {target} points outside the repository",
            tip="Commit the file itself instead of a link to it.",
        )


def _extract_zip(path: Path, snap: _Snapshot) -> None:
    """Extract a zip member by member; sizes are counted as bytes arrive, not trusted."""
    with _member_errors(str(path)), zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            _extract_zip_member(archive, info, snap)


def _extract_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, snap: _Snapshot) -> None:
    """Copy, skip or reject one zip member."""
    label = f"archive member {info.filename!r}"
    rel = _member_path(info.filename)
    if not rel.parts:
        return
    unix_mode = info.external_attr >> 16 if info.create_system == 3 else 0
    vcs = _vcs_prefix(rel)
    if info.is_dir() or info.filename.endswith("\\"):
        if vcs is None:
            snap.add_dir(rel, label)
        return
    if vcs is not None:
        _skip_vcs(snap, rel, vcs)
        return
    if stat.S_ISLNK(unix_mode):
        raise _reject_link(label, "symlink", None)
    if stat.S_IFMT(unix_mode) not in {0, stat.S_IFREG}:
        raise SubmissionError(
            f"{label}: is a device, fifo or socket", tip="Archive regular files and folders only."
        )
    if info.compress_type not in {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}:
        # bzip2/lzma members decompress without an output bound inside zipfile.
        raise SubmissionError(
            f"{label}: uses compression method {info.compress_type}; only deflate is accepted",
            tip="Re-create the zip with default (deflate) compression.",
        )
    snap.check_size(info.file_size, label)  # early, on the header; bytes are counted too
    with _member_errors(label), archive.open(info) as reader:
        snap.add_file(rel, _chunks(reader), executable=bool(unix_mode & stat.S_IXUSR), label=label)


# --------------------------------------------------------------------------- git


class _CloneFailed(SubmissionError):
    """git clone refused the location (as opposed to running out of time)."""


def _git_command(args: Sequence[str], *, local: bool) -> list[str]:
    """A git command line that runs no hooks and speaks only the allowed transports."""
    protocols = ["https", "http", "ssh", "git"] + (["file"] if local else [])
    allow = [arg for proto in protocols for arg in ("-c", f"protocol.{proto}.allow=always")]
    return [
        "git",
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "core.fsmonitor=false",
        "-c",
        "protocol.allow=never",
        *allow,
        *args,
    ]


def _git_env() -> dict[str, str]:
    """The environment for git: no prompts, no system config, no inherited repo overrides."""
    # GIT_DIR, GIT_INDEX_FILE, GIT_CONFIG_* and friends from the caller would redirect
    # our commands; ssh settings are the operator's and stay.
    keep = {"GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in keep}
    # LC_ALL=C: git's messages end up in ours, and should read the same everywhere.
    env.update(GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
    # A host-key or password prompt from ssh would otherwise sit until the timeout.
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    return env


def _timed_out(verb: str, timeout: float) -> SubmissionError:
    """The error for a git command that overran its time budget."""
    return SubmissionError(
        f"git {verb} did not finish within {timeout:g} s",
        tip="Check that the repository is reachable without a password prompt, or clone it "
        "yourself and grade the local copy (PATH@REF).",
    )


def run_untrusted_git(
    args: Sequence[str], *, cwd: Path | None, timeout: float, local: bool = False
) -> subprocess.CompletedProcess[bytes]:
    """Run git with a deadline, killing its whole process group (ssh included) on overrun."""
    try:
        proc = subprocess.Popen(
            _git_command(args, local=local),
            cwd=cwd,
            env=_git_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise InfrastructureError(
            "git is not installed", tip="Install git to grade git repositories."
        ) from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise _timed_out(args[0], timeout) from None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill a process started in its own session, with everything it spawned."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _git_text(args: Sequence[str], *, cwd: Path, timeout: float, failure: str, tip: str) -> str:
    """Stdout of a git command that must succeed."""
    done = run_untrusted_git(args, cwd=cwd, timeout=timeout)
    if done.returncode != 0:
        raise SubmissionError(f"{failure}: {_stderr_tail(done.stderr)}", tip=tip)
    return done.stdout.decode("utf-8", errors="replace")


def _stderr_tail(stderr: bytes, url: str = "") -> str:
    """The last lines of git's complaint, with any credentials from the URL masked."""
    text = stderr.decode("utf-8", errors="replace").strip()
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return " / ".join(text.splitlines()[-3:]) or "no error output"


def _secrets(url: str) -> list[str]:
    """The parts of a URL that may be credentials: any password, and an http(s) user."""
    if not _SCHEME_RE.match(url):
        return []
    parts = urllib.parse.urlsplit(url)
    found = [parts.password or ""]
    if parts.scheme in {"http", "https"}:
        found.append(parts.username or "")
    # Longest first, so a token is masked whole before any shorter secret inside it.
    return sorted((f for f in found if f), key=len, reverse=True)


def _load_git(
    location: str,
    source: str,
    ref: str,
    *,
    local: bool,
    workdir: Path,
    limits: Limits,
    base_ref: str | None,
    timeout: float,
) -> Submission:
    """A commit of a repository, cloned privately and exported through the tar extractor."""
    with tempfile.TemporaryDirectory(prefix=".clone-", dir=workdir) as scratch:
        clone = Path(scratch) / "repo"
        clone_untrusted(location, source, clone, local=local, timeout=timeout)
        info = _git_info(clone, ref, base_ref=base_ref, timeout=timeout)
        snap = _new_snapshot(workdir, limits)
        with _discarded_on_error(snap):
            _export(clone, info.commit, snap, timeout=timeout)
            return _finish(snap, source=source, kind="git", git=info)


def clone_untrusted(location: str, source: str, dest: Path, *, local: bool, timeout: float) -> None:
    """Clone without checkout; local paths go through upload-pack, never by copying files."""
    # --no-local: the hard-link/copy shortcut reads .git/objects directly, which has been
    # a way to smuggle links out (CVE-2022-39253); upload-pack validates what it sends.
    extra = ["--no-local"] if local and not location.startswith("file:") else []
    done = run_untrusted_git(
        ["clone", "--no-checkout", "--quiet", *extra, "--", location, str(dest)],
        cwd=None,
        timeout=timeout,
        local=local,
    )
    if done.returncode != 0:
        raise _CloneFailed(
            f"cannot clone {source}: {_stderr_tail(done.stderr, location)}",
            tip="Check that the path is a git repository or the URL is right and readable "
            "without a password prompt.",
        )
    # In-tree .gitattributes could hide files (export-ignore) or rewrite them
    # (export-subst) during `git archive`; info/attributes outranks them.
    attributes = dest / ".git" / "info" / "attributes"
    attributes.parent.mkdir(parents=True, exist_ok=True)
    attributes.write_text("* -export-ignore -export-subst\n")


def _git_info(clone: Path, ref: str, *, base_ref: str | None, timeout: float) -> GitInfo:
    """The graded commit, its tree, and the commits base..commit (oldest first)."""
    commit = resolve_ref(clone, ref, timeout=timeout)
    base = None if base_ref is None else resolve_ref(clone, base_ref, timeout=timeout)
    tree = _git_text(
        ["rev-parse", "--verify", f"{commit}^{{tree}}"],
        cwd=clone,
        timeout=timeout,
        failure="cannot read the commit's tree",
        tip="The repository may be corrupt.",
    ).strip()
    return GitInfo(
        ref=ref,
        commit=commit,
        tree=tree,
        base=base,
        commits=_commits(clone, commit, base, timeout=timeout),
    )


def resolve_ref(clone: Path, ref: str, *, timeout: float) -> str:
    """The commit a ref names, trying remote branches too; unknown refs list what exists."""
    if _is_ref_name(ref):
        for candidate in (ref, f"refs/remotes/origin/{ref}"):
            done = run_untrusted_git(
                ["rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"],
                cwd=clone,
                timeout=timeout,
            )
            if done.returncode == 0:
                return done.stdout.decode().strip()
    raise SubmissionError(
        f"ref {ref!r} does not name a commit in the repository; {_available_refs(clone, timeout)}",
        tip="Use one of the listed branches or tags, or a full commit sha.",
    )


def _available_refs(clone: Path, timeout: float, shown: int = 8) -> str:
    """A short listing of the branches and tags a repository has."""
    done = run_untrusted_git(
        ["for-each-ref", "--format=%(refname)", "refs/remotes/origin", "refs/heads", "refs/tags"],
        cwd=clone,
        timeout=timeout,
    )
    branches: set[str] = set()
    tags: set[str] = set()
    for line in done.stdout.decode("utf-8", errors="replace").splitlines():
        for prefix, bucket in (
            ("refs/remotes/origin/", branches),
            ("refs/heads/", branches),
            ("refs/tags/", tags),
        ):
            if line.startswith(prefix) and line != "refs/remotes/origin/HEAD":
                bucket.add(line.removeprefix(prefix))
    if not branches and not tags:
        return "the repository has no branches or tags"
    return f"branches: {_listing(branches, shown)}; tags: {_listing(tags, shown)}"


def _listing(names: set[str], shown: int) -> str:
    """Up to `shown` names, with a count of the rest."""
    if not names:
        return "(none)"
    ordered = sorted(names)
    more = f" (+{len(ordered) - shown} more)" if len(ordered) > shown else ""
    return ", ".join(ordered[:shown]) + more


def _commits(
    clone: Path, commit: str, base: str | None, *, timeout: float
) -> tuple[CommitInfo, ...]:
    """Commits base..commit, oldest first, newest MAX_COMMITS at most, with numstat totals."""
    # \x1e marks a record start; -z makes every field and numstat path NUL-terminated,
    # so subjects and file names with tabs or newlines cannot derail the parse.
    # --date-order never lists a parent before its child, even when clocks disagree.
    log = _git_text(
        [
            "log",
            "-z",
            "--reverse",
            "--date-order",
            "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--numstat",
            f"--max-count={MAX_COMMITS}",
            "--format=%x1e%H%x00%aI%x00%s",
            f"{base}..{commit}" if base else commit,
            "--",
        ],
        cwd=clone,
        timeout=timeout,
        failure="cannot read the commit history",
        tip="The repository may be corrupt or shallow.",
    )
    return tuple(_parse_log(log))


def _parse_log(log: str) -> Iterator[CommitInfo]:
    """CommitInfo records from `git log -z --numstat --format=%x1e%H%x00%aI%x00%s` output."""
    tokens = log.split("\0")
    index = 0
    while index < len(tokens):
        head = _SHA_LINE_RE.match(tokens[index])
        if head is None:
            index += 1  # trailing empty token, or noise git may add in the future
            continue
        date, subject = [*tokens[index + 1 : index + 3], "", ""][:2]
        index += 3
        files: list[str] = []
        added = removed = 0
        while index < len(tokens) and not _SHA_LINE_RE.match(tokens[index]):
            stat_line = _NUMSTAT_RE.match(tokens[index])
            if stat_line:
                files.append(stat_line.group(3))
                added += _count(stat_line.group(1))
                removed += _count(stat_line.group(2))
            index += 1
        yield CommitInfo(
            sha=head.group(1),
            author_date=date,
            subject=subject,
            files_changed=tuple(files),
            insertions=added,
            deletions=removed,
        )


def _count(field_text: str) -> int:
    """A numstat count; binary files show '-' and count as zero lines."""
    return int(field_text) if field_text.isdigit() else 0


def _export(clone: Path, commit: str, snap: _Snapshot, *, timeout: float) -> None:
    """Stream `git archive` of a commit through the tar extractor, under the git deadline."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            _git_command(["archive", "--format=tar", commit], local=False),
            cwd=clone,
            env=_git_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
        )
        fired = threading.Event()

        def expire() -> None:
            fired.set()
            _kill_group(proc)

        watchdog = threading.Timer(timeout, expire)
        watchdog.start()
        try:
            assert proc.stdout is not None  # stdout=PIPE
            with proc.stdout:
                _extract_tar(
                    proc.stdout,
                    snap,
                    mode="r|",
                    what=f"git archive of {commit[:12]}",
                    git_links=True,
                )
        except _Unreadable:
            # A truncated stream is a symptom; the deadline or git's own failure is the cause.
            if fired.is_set():
                raise _timed_out("archive", timeout) from None
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)  # the stream ended, so git is exiting
            if proc.returncode:
                err.seek(0)
                raise SubmissionError(
                    f"git archive failed: {_stderr_tail(err.read())}",
                    tip="The repository may be corrupt.",
                ) from None
            raise
        finally:
            watchdog.cancel()
            # After the tar end marker git may still be writing padding; it is not needed.
            if proc.poll() is None:
                _kill_group(proc)
            proc.wait()


def _worktree_git(
    path: Path, *, workdir: Path, base_ref: str | None, timeout: float
) -> GitInfo | None:
    """HEAD's GitInfo for a work tree, read from a private clone; None before the first commit."""
    # git commands run inside the candidate's repository would obey its .git/config
    # (e.g. log.showSignature + gpg.program executes a program); a clone's config is ours.
    with tempfile.TemporaryDirectory(prefix=".clone-", dir=workdir) as scratch:
        clone = Path(scratch) / "repo"
        clone_untrusted(str(path), str(path), clone, local=True, timeout=timeout)
        head = run_untrusted_git(
            ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=clone, timeout=timeout
        )
        if head.returncode != 0:
            return None
        return _git_info(clone, "HEAD", base_ref=base_ref, timeout=timeout)
