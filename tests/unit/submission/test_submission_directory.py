"""Directories: copied file by file, links never followed, limits enforced while copying."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from grader.errors import SubmissionError, UsageError
from grader.submission import Limits, load_submission

from .builders import PROJECT, leftovers, rejected, run_git, snapshot_files, write_files


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_directory_is_copied_into_a_private_snapshot(project: Path, workdir: Path) -> None:
    sub = load_submission(str(project), workdir=workdir)

    assert sub.kind == "directory"
    assert sub.source == str(project.resolve())
    assert sub.root.parent == workdir
    assert sub.git is None
    assert sub.skipped == ()
    assert sub.file_count == len(PROJECT)
    assert sub.total_bytes == sum(len(v) for v in PROJECT.values())
    expected = {k.rstrip("*"): v.encode() if isinstance(v, str) else v for k, v in PROJECT.items()}
    assert snapshot_files(sub.root) == expected
    # A private copy: later edits to the source do not reach the snapshot.
    (project / "README.md").write_text("changed")
    assert (sub.root / "README.md").read_text() == "# Ledger\n"


def test_snapshot_is_readable_by_anyone_and_keeps_exec_bits(tmp_path: Path, workdir: Path) -> None:
    root = tmp_path / "p"
    write_files(root, {"run.sh*": "#!/bin/sh\n", "secret.txt": "x", "deep/er/file.py": ""})
    (root / "secret.txt").chmod(0o600)
    (root / "deep").chmod(0o700)

    sub = load_submission(str(root), workdir=workdir)

    assert mode(sub.root) == 0o755
    assert mode(sub.root / "run.sh") == 0o755
    assert mode(sub.root / "secret.txt") == 0o644
    assert mode(sub.root / "deep") == 0o755
    assert mode(sub.root / "deep" / "er") == 0o755
    assert mode(sub.root / "deep" / "er" / "file.py") == 0o644


def test_git_work_tree_copies_working_files_and_describes_head(repo: Path, workdir: Path) -> None:
    (repo / "README.md").write_text("uncommitted edit\n")
    head = run_git("rev-parse", "HEAD", cwd=repo)

    sub = load_submission(str(repo), workdir=workdir)

    assert sub.kind == "directory"
    assert (sub.root / "README.md").read_text() == "uncommitted edit\n"
    assert not (sub.root / ".git").exists()
    assert sub.skipped == (".git/ (version control metadata)",)
    assert sub.git is not None
    assert sub.git.ref == "HEAD"
    assert sub.git.commit == head
    assert [c.subject for c in sub.git.commits] == ["Start the ledger", "Add the app", "Seed data"]


def test_empty_git_work_tree_has_no_git_info(tmp_path: Path, workdir: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    run_git("init", "-q", cwd=root)
    write_files(root, {"main.py": "print()\n"})

    sub = load_submission(str(root), workdir=workdir)

    assert sub.git is None
    assert sub.file_count == 1


def test_hostile_repo_config_is_never_obeyed(repo: Path, tmp_path: Path, workdir: Path) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\n")
    evil.chmod(0o755)
    for key in (
        "core.fsmonitor",
        "gpg.program",
        "core.pager",
        "core.sshCommand",
        "diff.external",
        "uploadpack.packObjectsHook",
    ):
        run_git("config", key, str(evil), cwd=repo)
    run_git("config", "log.showSignature", "true", cwd=repo)
    hooks = repo / ".git" / "hooks"
    for hook in ("post-checkout", "pre-upload", "reference-transaction"):
        (hooks / hook).write_text(evil.read_text())
        (hooks / hook).chmod(0o755)

    sub = load_submission(str(repo), workdir=workdir)
    load_submission(f"{repo}@main", workdir=workdir)

    assert sub.git is not None
    assert not marker.exists()


def test_symlink_inside_the_tree_is_skipped(project: Path, workdir: Path) -> None:
    (project / "docs").symlink_to("src")
    (project / "src" / "alias.py").symlink_to("ledger/app.py")

    sub = load_submission(str(project), workdir=workdir)

    assert sub.skipped == ("docs (link, not copied)", "src/alias.py (link, not copied)")
    assert not (sub.root / "docs").exists()
    assert not (sub.root / "src" / "alias.py").exists()
    assert not any(p.is_symlink() for p in sub.root.rglob("*"))


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("../../outside.txt", "points outside"),
        ("/etc/passwd", "absolute"),
        ("no-such-file", "dangling"),
    ],
)
def test_bad_symlink_is_rejected_by_name(
    project: Path, tmp_path: Path, workdir: Path, target: str, why: str
) -> None:
    (tmp_path / "outside.txt").write_text("secret")
    (project / "src" / "bad").symlink_to(target)

    with pytest.raises(SubmissionError, match=why) as caught:
        load_submission(str(project), workdir=workdir)

    assert "src/bad" in caught.value.message
    assert caught.value.tip
    assert leftovers(workdir) == []


def test_fifo_is_rejected(project: Path, workdir: Path) -> None:
    os.mkfifo(project / "pipe")
    with rejected("pipe: is a device, fifo or socket"):
        load_submission(str(project), workdir=workdir)


def test_grader_workdir_inside_the_submission_is_not_copied(project: Path) -> None:
    workdir = project / ".grader"
    first = load_submission(str(project), workdir=workdir)
    second = load_submission(str(project), workdir=workdir)

    assert second.skipped == (".grader/ (the grader's own work directory)",)
    assert second.tree_hash == first.tree_hash


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (Limits(max_files=4), "more than 4 files"),
        (Limits(max_file_bytes=512), "data/seed.bin: larger than"),
        (Limits(max_total_bytes=1000), "total size limit"),
    ],
)
def test_limits_reject_and_leave_nothing_behind(
    project: Path, workdir: Path, limits: Limits, message: str
) -> None:
    with pytest.raises(SubmissionError, match=message):
        load_submission(str(project), workdir=workdir, limits=limits)
    assert leftovers(workdir) == []


def test_missing_path_is_a_usage_error_with_a_tip(tmp_path: Path, workdir: Path) -> None:
    with pytest.raises(SubmissionError) as caught:
        load_submission(str(tmp_path / "nope"), workdir=workdir)

    assert isinstance(caught.value, UsageError)
    assert caught.value.exit_code == 2
    assert "not found" in caught.value.message
    assert "Tip: " in str(caught.value)


def test_file_that_is_not_an_archive_is_rejected(tmp_path: Path, workdir: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with rejected("not a supported archive"):
        load_submission(str(tmp_path / "notes.txt"), workdir=workdir)


def test_broken_git_dir_costs_only_the_history(project: Path, workdir: Path) -> None:
    (project / ".git").write_text("gitdir: /somewhere/else/.git/modules/project\n")

    sub = load_submission(str(project), workdir=workdir)

    assert sub.git is None
    assert sub.file_count == len(PROJECT)
    assert sub.skipped == (".git (version control metadata; not a usable repository)",)


def test_empty_directory_is_rejected(tmp_path: Path, workdir: Path) -> None:
    (tmp_path / "empty" / ".hg").mkdir(parents=True)
    (tmp_path / "empty" / ".hg" / "store").write_text("x")
    with rejected("no files"):
        load_submission(str(tmp_path / "empty"), workdir=workdir)


def test_base_ref_needs_git_history(project: Path, workdir: Path) -> None:
    with rejected("no git history"):
        load_submission(str(project), workdir=workdir, base_ref="main")


def test_empty_spec_is_not_the_current_directory(workdir: Path) -> None:
    with rejected("no submission given"):
        load_submission("  ", workdir=workdir)


def test_existing_path_that_looks_like_an_scp_url_is_a_path(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path / "me@box:work", {"main.py": "print()\n"})
    sub = load_submission("me@box:work", workdir=workdir)
    assert sub.kind == "directory"
    assert sub.source == str(tmp_path / "me@box:work")


def test_empty_folders_have_a_budget_too(tmp_path: Path, workdir: Path) -> None:
    root = tmp_path / "p"
    write_files(root, {"main.py": ""})
    for i in range(5):
        (root / f"empty{i}").mkdir()
    with rejected("the submission has more than 3 directories"):
        load_submission(str(root), workdir=workdir, limits=Limits(max_files=3))
