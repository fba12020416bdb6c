"""Git refs: cloned privately, exported through the tar extractor, history parsed robustly."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from grader import submission
from grader.submission import Limits, load_submission

from .builders import leftovers, rejected, run_git, snapshot_files, write_files


def test_local_ref_is_exported_with_its_history(repo: Path, workdir: Path) -> None:
    sub = load_submission(f"{repo}@v1", workdir=workdir)

    assert sub.kind == "git"
    assert sub.source == str(repo)
    assert sorted(snapshot_files(sub.root)) == [
        "README.md",
        "run.sh",
        "src/ledger/__init__.py",
        "src/ledger/app.py",
    ]
    assert stat.S_IMODE((sub.root / "run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((sub.root / "README.md").stat().st_mode) == 0o644
    assert sub.skipped == ()
    git = sub.git
    assert git is not None
    assert git.ref == "v1"
    assert git.commit == run_git("rev-parse", "v1^{commit}", cwd=repo)
    assert git.tree == run_git("rev-parse", "v1^{tree}", cwd=repo)
    assert git.base is None
    assert [c.subject for c in git.commits] == ["Start the ledger", "Add the app"]
    first, second = git.commits
    assert first.files_changed == ("README.md", "src/ledger/__init__.py")
    assert (first.insertions, first.deletions) == (1, 0)
    assert second.sha == git.commit
    assert second.files_changed == ("run.sh", "src/ledger/app.py")
    assert (second.insertions, second.deletions) == (4, 0)
    assert second.author_date == "2024-05-01T10:00:00+02:00"
    assert leftovers(workdir) == [sub.root.name]  # the clone is gone


def test_base_ref_limits_the_commits(repo: Path, workdir: Path) -> None:
    write_files(repo, {"README.md": "# Ledger v2\nmore\n"})
    run_git("commit", "-q", "-am", "Rewrite the readme", cwd=repo)

    sub = load_submission(f"{repo}@main", workdir=workdir, base_ref="v1")

    assert sub.git is not None
    assert sub.git.base == run_git("rev-parse", "v1", cwd=repo)
    assert [c.subject for c in sub.git.commits] == ["Seed data", "Rewrite the readme"]
    seed, readme = sub.git.commits
    assert seed.files_changed == ("data/seed.bin",)
    assert (seed.insertions, seed.deletions) == (0, 0)  # binary: numstat shows '-'
    assert (readme.insertions, readme.deletions) == (2, 1)


def test_unknown_ref_lists_the_refs_that_exist(repo: Path, workdir: Path) -> None:
    run_git("branch", "feature/login", cwd=repo)
    with rejected("ref 'nope' does not name a commit") as caught:
        load_submission(f"{repo}@nope", workdir=workdir)
    assert "branches: feature/login, main; tags: v1" in caught.value.message
    assert leftovers(workdir) == []


def test_unknown_base_ref_lists_the_refs_that_exist(repo: Path, workdir: Path) -> None:
    with rejected("ref 'v0' does not name a commit in the repository; branches: main; tags: v1"):
        load_submission(f"{repo}@main", workdir=workdir, base_ref="v0")


def test_bare_repository_by_path_and_file_url(repo: Path, tmp_path: Path, workdir: Path) -> None:
    bare = tmp_path / "remote.git"
    run_git("init", "-q", "--bare", str(bare), cwd=tmp_path)
    run_git("checkout", "-q", "-b", "feature", "v1", cwd=repo)
    write_files(repo, {"FEATURE.md": "wip\n"})
    run_git("add", "-A", cwd=repo)
    run_git("commit", "-q", "-m", "Feature work", cwd=repo)
    run_git("push", "-q", str(bare), "main", "feature", "v1", cwd=repo)

    by_url = load_submission(f"file://{bare}@feature", workdir=workdir)  # via origin/feature
    by_path = load_submission(str(bare), workdir=workdir)  # bare without a ref: HEAD
    by_tag = load_submission(f"{bare}@v1", workdir=workdir)

    assert by_url.source == f"file://{bare}"
    assert by_url.git is not None
    assert by_url.git.commit == run_git("rev-parse", "feature", cwd=repo)
    assert (by_url.root / "FEATURE.md").read_text() == "wip\n"
    assert by_path.kind == "git"
    assert by_path.git is not None
    assert by_path.git.ref == "HEAD"
    assert by_path.git.commit == run_git("rev-parse", "main", cwd=repo)
    assert by_tag.git is not None
    assert [c.subject for c in by_tag.git.commits] == ["Start the ledger", "Add the app"]


def test_sha_and_relative_refs(repo: Path, workdir: Path) -> None:
    sha = run_git("rev-parse", "v1", cwd=repo)
    by_sha = load_submission(f"{repo}@{sha[:12]}", workdir=workdir)
    by_parent = load_submission(f"{repo}@HEAD~1", workdir=workdir)
    assert by_sha.git is not None
    assert by_parent.git is not None
    assert by_sha.git.commit == by_parent.git.commit == sha
    assert by_sha.tree_hash == by_parent.tree_hash


def test_detached_work_tree_describes_its_head(repo: Path, workdir: Path) -> None:
    run_git("checkout", "-q", "--detach", "v1", cwd=repo)
    sub = load_submission(str(repo), workdir=workdir)
    assert sub.kind == "directory"
    assert sub.git is not None
    assert sub.git.commit == run_git("rev-parse", "v1", cwd=repo)
    assert len(sub.git.commits) == 2


def test_history_parse_survives_odd_names_merges_and_empty_commits(
    repo: Path, workdir: Path
) -> None:
    odd = "we\tird\nname \x1e.txt"
    run_git("checkout", "-q", "-b", "side", cwd=repo)
    write_files(repo, {odd: "1\n2\n"})
    run_git("add", "-A", cwd=repo)
    run_git("commit", "-q", "-m", "Odd\tsubject with tab", cwd=repo)
    run_git("checkout", "-q", "main", cwd=repo)
    run_git("merge", "-q", "--no-ff", "-m", "Merge side", "side", cwd=repo)
    run_git("commit", "-q", "--allow-empty", "--allow-empty-message", "-m", "", cwd=repo)

    sub = load_submission(f"{repo}@main", workdir=workdir, base_ref="v1")

    assert sub.git is not None
    by_subject = {c.subject: c for c in sub.git.commits}
    assert list(by_subject) == ["Seed data", "Odd\tsubject with tab", "Merge side", ""]
    assert by_subject["Odd\tsubject with tab"].files_changed == (odd,)
    assert by_subject["Odd\tsubject with tab"].insertions == 2
    assert by_subject["Merge side"].files_changed == ()  # merges show no diff, as in git log
    assert (sub.root / odd).read_text() == "1\n2\n"


def test_history_is_capped_to_the_newest_commits(
    repo: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submission, "MAX_COMMITS", 2)
    sub = load_submission(f"{repo}@main", workdir=workdir)
    assert sub.git is not None
    assert [c.subject for c in sub.git.commits] == ["Add the app", "Seed data"]


def test_export_attributes_cannot_hide_or_rewrite_files(repo: Path, workdir: Path) -> None:
    write_files(
        repo,
        {
            ".gitattributes": "hidden.txt export-ignore\nsubst.txt export-subst\n",
            "hidden.txt": "still graded\n",
            "subst.txt": "$Format:%H$\n",
        },
    )
    run_git("add", "-A", cwd=repo)
    run_git("commit", "-q", "-m", "Attributes", cwd=repo)

    exported = load_submission(f"{repo}@main", workdir=workdir)
    copied = load_submission(str(repo), workdir=workdir)

    assert (exported.root / "hidden.txt").read_text() == "still graded\n"
    assert (exported.root / "subst.txt").read_text() == "$Format:%H$\n"
    assert exported.tree_hash == copied.tree_hash


def test_committed_symlink_inside_is_skipped(repo: Path, workdir: Path) -> None:
    (repo / "docs").symlink_to("src/ledger")
    run_git("add", "-A", cwd=repo)
    run_git("commit", "-q", "-m", "Link", cwd=repo)

    exported = load_submission(f"{repo}@main", workdir=workdir)
    copied = load_submission(str(repo), workdir=workdir)

    assert exported.skipped == ("docs (link, not copied)",)
    assert not os.path.lexists(exported.root / "docs")
    assert exported.tree_hash == copied.tree_hash


@pytest.mark.parametrize("target", ["/etc/passwd", "../../outside", "../src/../../x"])
def test_committed_symlink_outside_is_rejected(repo: Path, workdir: Path, target: str) -> None:
    (repo / "src" / "evil").symlink_to(target)
    run_git("add", "-A", cwd=repo)
    run_git("commit", "-q", "-m", "Evil link", cwd=repo)

    with rejected(f"symlink src/evil -> {target} points outside the repository"):
        load_submission(f"{repo}@main", workdir=workdir)
    assert leftovers(workdir) == []


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (Limits(max_files=3), "the submission has more than 3 files"),
        (Limits(max_file_bytes=100), "'data/seed.bin': larger than"),
    ],
)
def test_limits_apply_to_git_exports(
    repo: Path, workdir: Path, limits: Limits, message: str
) -> None:
    with rejected(message):
        load_submission(f"{repo}@main", workdir=workdir, limits=limits)
    assert leftovers(workdir) == []


def test_ref_on_a_directory_that_is_not_a_repository(project: Path, workdir: Path) -> None:
    with rejected(f"cannot clone {project}"):
        load_submission(f"{project}@main", workdir=workdir)


def test_unsupported_url_scheme(workdir: Path) -> None:
    with rejected("unsupported URL scheme 'ftp'"):
        load_submission("ftp://example.com/repo.git", workdir=workdir)


def test_credentials_never_reach_the_message(workdir: Path) -> None:
    with rejected("cannot clone https://127.0.0.1:9/repo.git") as caught:
        load_submission("https://user:s3cret@127.0.0.1:9/repo.git@main", workdir=workdir)
    assert "s3cret" not in str(caught.value)


def test_slow_git_is_cut_off_at_the_timeout(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "ssh.pid"
    fake_ssh = tmp_path / "ssh"
    fake_ssh.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 30\n")
    fake_ssh.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(fake_ssh))

    with rejected("git clone did not finish within 0.5 s") as caught:
        load_submission("ssh://git@example.invalid/repo.git@main", workdir=workdir, git_timeout=0.5)

    assert "password prompt" in caught.value.tip
    assert not _running(int(pid_file.read_text()))
    assert leftovers(workdir) == []


def _running(pid: int) -> bool:
    """Whether a process is alive (zombies awaiting a reaper do not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _fake_archive(monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Make `git archive` run a shell script instead, leaving every other git call alone."""
    real = submission._git_command

    def command(args: list[str], *, local: bool) -> list[str]:
        return ["sh", "-c", script] if args[0] == "archive" else real(args, local=local)

    monkeypatch.setattr(submission, "_git_command", command)


def test_slow_export_is_cut_off_at_the_timeout(
    repo: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_archive(monkeypatch, "sleep 30")
    with rejected("git archive did not finish within 0.5 s"):
        load_submission(f"{repo}@main", workdir=workdir, git_timeout=0.5)
    assert leftovers(workdir) == []


def test_failing_export_reports_gits_reason(
    repo: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_archive(monkeypatch, "echo 'fatal: object is corrupt' >&2; exit 128")
    with rejected("git archive failed: fatal: object is corrupt"):
        load_submission(f"{repo}@main", workdir=workdir)
    assert leftovers(workdir) == []


def test_non_ascii_names_and_subjects(repo: Path, workdir: Path) -> None:
    write_files(repo, {"données/ünï.txt": "é\n"})
    run_git("add", "-A", cwd=repo)
    run_git("commit", "-q", "-m", "Añadir données", cwd=repo)

    sub = load_submission(f"{repo}@main", workdir=workdir)

    assert sub.git is not None
    assert sub.git.commits[-1].subject == "Añadir données"
    assert sub.git.commits[-1].files_changed == ("données/ünï.txt",)
    assert (sub.root / "données" / "ünï.txt").read_text() == "é\n"
    assert sub.tree_hash == load_submission(str(repo), workdir=workdir).tree_hash
