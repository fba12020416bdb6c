"""Hand out the exercise as a fresh git repository, and find that hand-out in a submission.

`export_exercise` copies exercise/ (which carries the runtime image's Dockerfile,
docker/runtime.Dockerfile, and its package list, requirements.txt) into a new repository with
one commit. The commit is deterministic: the same exercise, author, date and message give the
same sha. Nothing is written to OUT unless the tree passes the leak check (grader/leaks.py).

`find_exercise_base` looks for the exported commit in a submission's history by its tree, so
grading with --since-exercise judges exactly the candidate's own commits.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader.checks.static_repo import junk_dir_name, junk_file_category
from grader.errors import InfrastructureError, UsageError
from grader.leaks import Leak, find_leaks
from grader.paths import EXERCISE_DIR
from grader.submission import (
    GIT_TIMEOUT_S,
    clone_untrusted,
    parse_spec,
    resolve_ref,
    run_untrusted_git,
)

DEFAULT_AUTHOR = "Hiring team <hiring@example.com>"
DEFAULT_DATE = "2026-01-05T09:00:00+00:00"
DEFAULT_MESSAGE = "Start the ledger exercise"
BRANCH = "main"
REQUIRED_FILES = ("README.md", "openapi.yaml", "requirements.txt", "docker/runtime.Dockerfile")
MAX_LEAKS_SHOWN = 20
_IDENTITY_RE = re.compile(r"^\s*([^<>\n]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$")


@dataclass(frozen=True, slots=True)
class Identity:
    """A git author or committer."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written: the repository, its one commit and tree, and how many files."""

    out: Path
    commit: str
    tree: str
    files: int


@dataclass(frozen=True, slots=True)
class ExerciseBase:
    """The commit a submission's own history starts after, and how it was found."""

    commit: str
    matched: bool
    note: str


# --------------------------------------------------------------------------- arguments


def parse_identity(value: str) -> Identity:
    """`Name <email>`, as git writes it."""
    match = _IDENTITY_RE.match(value)
    if match is None:
        raise UsageError(
            f"--author {value!r} is not of the form 'Name <email>'.",
            tip=f"For example: --author {DEFAULT_AUTHOR!r}.",
        )
    return Identity(name=match.group(1), email=match.group(2))


def parse_date(value: str) -> datetime:
    """An ISO 8601 date-time; without a UTC offset it is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--date {value!r} is not an ISO 8601 date-time.",
            tip=f"For example: --date {DEFAULT_DATE}.",
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def git_date(moment: datetime) -> str:
    """git's raw date format: seconds since the epoch and the UTC offset (+HHMM)."""
    offset = moment.strftime("%z") or "+0000"
    return f"{int(moment.timestamp())} {offset}"


def check_out_folder(out: Path) -> None:
    """OUT must be new or an empty folder: an export never mixes with other files."""
    if not out.exists() and not out.is_symlink():
        return
    if out.is_dir() and not out.is_symlink() and not any(out.iterdir()):
        return
    raise UsageError(
        f"{out} already exists and is not an empty folder.",
        tip="Choose a new folder for the export, or empty this one first.",
    )


# --------------------------------------------------------------------------- our own git


def own_git(args: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run git on a repository the grader made itself, with no user or system configuration."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    clean.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, LC_ALL="C")
    clean.update(env or {})
    command = ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.autocrlf=false", *args]
    try:
        done = subprocess.run(
            command, cwd=cwd, env=clean, capture_output=True, check=False, timeout=GIT_TIMEOUT_S
        )
    except FileNotFoundError:
        raise InfrastructureError("git is not installed", tip="Install git.") from None
    except subprocess.TimeoutExpired:
        raise InfrastructureError(
            f"git {args[0]} did not finish within {GIT_TIMEOUT_S:g} s", tip="Try again."
        ) from None
    if done.returncode != 0:
        raise InfrastructureError(
            f"git {' '.join(args)} failed: {done.stderr.decode(errors='replace').strip()}",
            tip="Check that git works on this machine (`git --version`).",
        )
    return done.stdout.decode("utf-8", errors="replace").strip()


# --------------------------------------------------------------------------- staging


def copy_exercise(exercise: Path, dest: Path) -> int:
    """Copy the exercise's regular files (no links, caches or environments); returns the count."""
    copied = 0
    for source, relative in _exercise_files(exercise):
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        executable = source.stat().st_mode & stat.S_IXUSR
        target.chmod(0o755 if executable else 0o644)
        copied += 1
    return copied


def _exercise_files(exercise: Path) -> Iterator[tuple[Path, Path]]:
    for directory, dirs, files in os.walk(exercise):
        dirs[:] = sorted(d for d in dirs if d != ".git" and junk_dir_name(d) is None)
        for name in sorted(files):
            source = Path(directory) / name
            if junk_file_category(name) is None and source.is_file() and not source.is_symlink():
                yield source, source.relative_to(exercise)


def stage_exercise(exercise: Path, dest: Path, *, object_format: str = "sha1") -> str:
    """Make `dest` a repository whose index holds the exercise; returns the tree's id.

    Files the exercise's own .gitignore ignores are removed, so the working tree, the leak
    check and the commit all see the same files.
    """
    copy_exercise(exercise, dest)
    own_git(["init", "--quiet", f"--object-format={object_format}", "-b", BRANCH], cwd=dest)
    own_git(["add", "--all"], cwd=dest)
    own_git(["clean", "-d", "-X", "--force", "--quiet"], cwd=dest)
    return own_git(["write-tree"], cwd=dest)


def exercise_tree(*, object_format: str = "sha1", exercise: Path = EXERCISE_DIR) -> str:
    """The tree id an export of the exercise has, in a repository of this object format."""
    with tempfile.TemporaryDirectory(prefix="ledger-exercise-tree-") as scratch:
        return stage_exercise(exercise, Path(scratch), object_format=object_format)


def commit_staged(repo: Path, tree: str, *, author: Identity, date: datetime, message: str) -> str:
    """Commit a staged tree as the first commit of BRANCH, with fixed identity and dates."""
    moment = git_date(date)
    env = {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_AUTHOR_DATE": moment,
        "GIT_COMMITTER_NAME": author.name,
        "GIT_COMMITTER_EMAIL": author.email,
        "GIT_COMMITTER_DATE": moment,
    }
    commit = own_git(["commit-tree", tree, "-m", message], cwd=repo, env=env)
    own_git(["update-ref", f"refs/heads/{BRANCH}", commit], cwd=repo)
    return commit


# --------------------------------------------------------------------------- export


def leak_error(leaks: list[Leak]) -> InfrastructureError:
    """The error that stops an export, naming each leak."""
    shown = "\n".join(f"  {leak.describe()}" for leak in leaks[:MAX_LEAKS_SHOWN])
    more = (
        f"\n  ... and {len(leaks) - MAX_LEAKS_SHOWN} more" if len(leaks) > MAX_LEAKS_SHOWN else ""
    )
    return InfrastructureError(
        f"The exercise contains grader-only material; nothing was exported:\n{shown}{more}",
        tip="Remove or reword these lines in exercise/ (hidden tests, rubric, review key and "
        "reference solution must stay with the grader), then export again.",
    )


def export_exercise(
    out: Path,
    *,
    author: str = DEFAULT_AUTHOR,
    date: str = DEFAULT_DATE,
    message: str = DEFAULT_MESSAGE,
    exercise: Path = EXERCISE_DIR,
) -> ExportResult:
    """Write the candidate's repository to `out`: the exercise, leak-checked, in one commit."""
    identity, moment = parse_identity(author), parse_date(date)
    if not message.strip():
        raise UsageError("--message is empty.", tip=f"For example: --message {DEFAULT_MESSAGE!r}.")
    check_out_folder(out)
    missing = [name for name in REQUIRED_FILES if not (exercise / name).is_file()]
    if missing:
        raise InfrastructureError(
            f"The exercise at {exercise} lacks {', '.join(missing)}.",
            tip="Candidates need these to run their service as the grader will; restore them.",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    try:
        tree = stage_exercise(exercise, staging)
        leaks = find_leaks(staging)
        if leaks:
            raise leak_error(leaks)
        commit = commit_staged(staging, tree, author=identity, date=moment, message=message)
        files = len([name for name in own_git(["ls-files", "-z"], cwd=staging).split("\0") if name])
        staging.chmod(0o755)  # mkdtemp made it private; the export is an ordinary folder
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(out=out, commit=commit, tree=tree, files=files)


# --------------------------------------------------------------------------- grading


def find_exercise_base(spec: str, *, workdir: Path, timeout: float = GIT_TIMEOUT_S) -> ExerciseBase:
    """The commit of a git submission whose tree is the exported exercise's (oldest first).

    When no commit has that tree (the exercise changed since it was handed out, or the
    candidate rewrote the first commit), the root commit stands in, with a note saying so.
    """
    location, ref = _git_location(spec)
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".base-", dir=workdir) as scratch:
        clone = Path(scratch) / "repo"
        local = Path(location).exists() or location.startswith("file:")
        label = location if Path(location).exists() else "the submitted repository"
        clone_untrusted(location, label, clone, local=local, timeout=timeout)
        commit = resolve_ref(clone, ref, timeout=timeout)
        history = _history(clone, commit, timeout=timeout)
        object_format = _untrusted_output(["rev-parse", "--show-object-format"], clone, timeout)
    wanted = exercise_tree(object_format=object_format)
    for sha, tree, _ in history:
        if tree == wanted:
            return ExerciseBase(sha, True, f"base: {sha[:12]}, the exported exercise's commit")
    root = next(sha for sha, _, parents in history if not parents)
    return ExerciseBase(
        root,
        False,
        f"base: no commit of the submission has the exported exercise's tree (the exercise may "
        f"have changed since it was handed out); using the root commit {root[:12]} instead",
    )


def _git_location(spec: str) -> tuple[str, str]:
    """Where a submission's history is, and which ref to read; only git submissions have one."""
    location, ref = parse_spec(spec)
    path = Path(location).expanduser()
    is_repo = path.is_dir() and ((path / ".git").exists() or (path / "HEAD").is_file())
    is_url = not path.exists() and bool(
        re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://|^[^/@:]+@", location)
    )
    if not (is_repo or is_url):
        raise UsageError(
            f"--since-exercise needs a git submission, and {spec} has no git history.",
            tip="Grade the repository (PATH@REF or a URL), or drop --since-exercise.",
        )
    return (str(path.resolve()) if is_repo else location), ref or "HEAD"


def _history(clone: Path, commit: str, *, timeout: float) -> list[tuple[str, str, str]]:
    """(sha, tree, parents) of every commit reachable from `commit`, oldest first."""
    log = _untrusted_output(
        ["log", "--topo-order", "--reverse", "--format=%H %T %P", commit, "--"], clone, timeout
    )
    return [
        (fields[0], fields[1], " ".join(fields[2:]))
        for fields in (line.split() for line in log.splitlines())
        if len(fields) >= 2
    ]


def _untrusted_output(args: list[str], clone: Path, timeout: float) -> str:
    done = run_untrusted_git(args, cwd=clone, timeout=timeout)
    if done.returncode != 0:
        raise UsageError(
            f"cannot read the submission's history: {done.stderr.decode(errors='replace')[-300:]}",
            tip="The repository may be corrupt or shallow; clone it fully and grade the copy.",
        )
    return done.stdout.decode("utf-8", errors="replace").strip()
