"""export-exercise: one deterministic commit, the runtime contract included, nothing leaked."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.canary import canary_line, load_canaries
from grader.cli import main
from grader.errors import InfrastructureError, UsageError
from grader.export import (
    BRANCH,
    DEFAULT_DATE,
    ExportResult,
    exercise_tree,
    export_exercise,
    find_exercise_base,
)
from grader.leaks import (
    ANSWER_MODULES,
    GENERIC_LINE,
    MIN_LINE,
    HiddenMaterial,
    LeakKind,
    find_leaks,
    hidden_material,
)
from grader.paths import DOCKER_DIR, EXERCISE_DIR, REFERENCE_DIR
from grader.pipeline import GradeOptions, intake


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def material() -> HiddenMaterial:
    return hidden_material()


@pytest.fixture
def exercise(tmp_path: Path) -> Path:
    """A private copy of the exercise to plant things in."""
    copy = tmp_path / "exercise"
    shutil.copytree(EXERCISE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    return copy


def exported(out: Path, exercise: Path = EXERCISE_DIR, **options: str) -> ExportResult:
    return export_exercise(out, exercise=exercise, **options)


@pytest.fixture(scope="module")
def default_export(tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    """One export with the default options, shared by the tests that only read it."""
    return exported(tmp_path_factory.mktemp("default") / "out")


# --------------------------------------------------------------------------- the commit


def test_the_same_inputs_give_the_same_commit(tmp_path: Path, default_export: ExportResult) -> None:
    first = default_export
    second = exported(tmp_path / "two")
    assert first.commit == second.commit
    assert first.tree == second.tree == exercise_tree()
    assert git(first.out, "rev-parse", "HEAD") == first.commit
    assert git(first.out, "rev-list", "--count", "HEAD") == "1"
    assert git(first.out, "branch", "--show-current") == BRANCH
    assert git(first.out, "status", "--porcelain", "--ignored") == ""


def test_author_date_and_message_are_recorded_and_change_the_commit(
    tmp_path: Path, default_export: ExportResult
) -> None:
    default = default_export
    custom = exported(
        tmp_path / "custom",
        author="Ann Lee <ann@example.org>",
        date="2026-03-02T10:30:00+01:00",
        message="Start here",
    )
    assert custom.tree == default.tree and custom.commit != default.commit
    fields = "%an|%ae|%aI|%cn|%ce|%cI|%B"
    assert git(custom.out, "log", f"--format={fields}").split("|") == [
        "Ann Lee",
        "ann@example.org",
        "2026-03-02T10:30:00+01:00",
        "Ann Lee",
        "ann@example.org",
        "2026-03-02T10:30:00+01:00",
        "Start here",
    ]
    assert git(default.out, "log", "--format=%aI") == DEFAULT_DATE


def test_a_date_without_offset_is_utc(tmp_path: Path) -> None:
    result = exported(tmp_path / "out", date="2026-03-02T10:30:00")
    assert git(result.out, "log", "--format=%aI") == "2026-03-02T10:30:00+00:00"


def test_the_export_holds_exactly_the_exercise_files(default_export: ExportResult) -> None:
    result = default_export
    tracked = set(git(result.out, "ls-files").splitlines())
    expected = {
        str(p.relative_to(EXERCISE_DIR))
        for p in EXERCISE_DIR.rglob("*")
        if p.is_file() and not {"__pycache__", ".venv"} & set(p.parts)
    }
    assert tracked == expected
    assert result.files == len(expected)
    for name in tracked:
        assert (result.out / name).read_bytes() == (EXERCISE_DIR / name).read_bytes(), name


def test_the_candidate_gets_the_runtime_image_and_its_package_list(
    default_export: ExportResult,
) -> None:
    result = default_export
    dockerfile = (result.out / "docker" / "runtime.Dockerfile").read_text()
    requirements = (result.out / "requirements.txt").read_text()
    # The grader builds its runtime image from exercise/requirements.txt: the same pins.
    assert requirements == (EXERCISE_DIR / "requirements.txt").read_text()
    assert "--requirement /tmp/requirements.txt" in dockerfile
    # The user, directories, environment and working directory are the grader's own.
    grader_runtime = (DOCKER_DIR / "runtime.Dockerfile").read_text()
    tail = grader_runtime[grader_runtime.index("RUN groupadd") :]
    tail = tail.replace("COPY --from=builder /opt/venv /opt/venv\n", "")
    assert dockerfile.endswith(tail)


def test_caches_environments_and_ignored_files_stay_behind(tmp_path: Path, exercise: Path) -> None:
    (exercise / "app" / "__pycache__").mkdir()
    (exercise / "app" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\0")
    (exercise / ".venv" / "bin").mkdir(parents=True)
    (exercise / ".venv" / "bin" / "python").write_text("")
    (exercise / "data").mkdir()
    (exercise / "data" / "notes.txt").write_text("ignored by the exercise's .gitignore\n")
    result = exported(tmp_path / "out", exercise)
    assert not (result.out / "app" / "__pycache__").exists()
    assert not (result.out / ".venv").exists()
    assert not (result.out / "data").exists()
    assert result.tree == exercise_tree()


def test_an_executable_bit_is_kept(tmp_path: Path, exercise: Path) -> None:
    (exercise / "scripts" / "self_check.py").chmod(0o755)
    result = exported(tmp_path / "out", exercise)
    assert git(result.out, "ls-files", "-s", "scripts/self_check.py").startswith("100755")


# --------------------------------------------------------------------------- refusals


def test_out_may_be_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    assert exported(tmp_path / "out").files > 0


@pytest.mark.parametrize("kind", ["non-empty folder", "file"])
def test_out_must_be_new_or_empty(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("keep me")
    else:
        out.mkdir()
        (out / "keep.txt").write_text("keep me")
    with pytest.raises(UsageError) as caught:
        exported(out)
    assert caught.value.exit_code == 2 and "not an empty folder" in caught.value.message
    assert caught.value.tip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize(
    ("option", "value"),
    [("author", "nobody"), ("author", "A <not-an-email>"), ("date", "yesterday"), ("message", " ")],
)
def test_bad_options_are_usage_errors(tmp_path: Path, option: str, value: str) -> None:
    with pytest.raises(UsageError) as caught:
        exported(tmp_path / "out", **{option: value})
    assert f"--{option}" in caught.value.message and caught.value.tip
    assert not (tmp_path / "out").exists()


def test_a_missing_runtime_dockerfile_stops_the_export(tmp_path: Path, exercise: Path) -> None:
    (exercise / "docker" / "runtime.Dockerfile").unlink()
    with pytest.raises(InfrastructureError, match=r"docker/runtime\.Dockerfile"):
        exported(tmp_path / "out", exercise)


# --------------------------------------------------------------------------- leaks


def planted_text(kind: LeakKind, material: HiddenMaterial) -> tuple[str, str]:
    """(file to append to, text) that leaks one piece of material of this kind."""
    if kind is LeakKind.TEST_NAME:
        return "tests/test_errors.py", f"\n\ndef {sorted(material.test_names)[0]}():\n    pass\n"
    if kind is LeakKind.CANARY:
        return "app/__init__.py", canary_line(load_canaries()[0].token) + "\n"
    if kind is LeakKind.REFERENCE_LINE:
        return "app/routes/transfers.py", f"\n{answer_line()}\n"
    wanted = next(p for p, (k, _) in material.phrases.items() if k is kind and " " in p)
    words = wanted.split(" ")
    # Re-wrapped over two lines, as an editor would: still the same text.
    half = len(words) // 2
    return "NOTES.md", "\n" + " ".join(words[:half]) + "\n" + " ".join(words[half:]) + "\n"


def answer_line() -> str:
    for module in ANSWER_MODULES:
        for line in (REFERENCE_DIR / module).read_text().splitlines():
            stripped = line.strip()
            if len(stripped) >= MIN_LINE and not GENERIC_LINE.match(stripped):
                return stripped
    raise AssertionError("no distinctive line in the reference's answer modules")


@pytest.mark.parametrize("kind", list(LeakKind), ids=lambda k: k.name.lower())
def test_find_leaks_finds_each_kind(
    kind: LeakKind, exercise: Path, material: HiddenMaterial
) -> None:
    assert find_leaks(exercise, material) == []
    relative, text = planted_text(kind, material)
    target = exercise / relative
    lines_before = target.read_text().count("\n")
    target.write_text(target.read_text() + text)
    leaks = find_leaks(exercise, material)
    assert [(str(leak.path), leak.kind) for leak in leaks] == [(relative, kind)]
    assert leaks[0].line > lines_before
    assert relative in leaks[0].describe()


@pytest.mark.parametrize("kind", [LeakKind.TEST_NAME, LeakKind.CANARY], ids=["name", "canary"])
def test_a_leak_stops_the_export_and_writes_nothing(
    kind: LeakKind, tmp_path: Path, exercise: Path, material: HiddenMaterial
) -> None:
    relative, text = planted_text(kind, material)
    (exercise / relative).write_text((exercise / relative).read_text() + text)
    parent = tmp_path / "exports"
    parent.mkdir()
    with pytest.raises(InfrastructureError) as caught:
        exported(parent / "out", exercise)
    assert caught.value.exit_code == 3
    assert relative in caught.value.message and str(kind) in caught.value.message
    assert "nothing was exported" in caught.value.message
    assert list(parent.iterdir()) == []


def test_test_names_the_visible_tests_share_on_purpose_are_no_leak(
    material: HiddenMaterial,
) -> None:
    visible = (EXERCISE_DIR / "tests" / "test_errors.py").read_text()
    assert "def test_malformed_json_is_400" in visible
    assert "test_malformed_json_is_400" not in material.test_names


def test_a_hidden_test_name_inside_a_longer_word_is_no_leak(
    exercise: Path, material: HiddenMaterial
) -> None:
    name = sorted(material.test_names)[0]
    (exercise / "NOTES.md").write_text(f"see {name}_variant and x{name}\n")
    assert find_leaks(exercise, material) == []


def test_cli_export_prints_the_commit_and_maps_errors_to_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["export-exercise", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    assert git(tmp_path / "out", "rev-parse", "HEAD") in done.output
    again = runner.invoke(main, ["export-exercise", str(tmp_path / "out")])
    assert again.exit_code == 2
    assert "Tip:" in again.output


# --------------------------------------------------------------------------- the base


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "-c", "user.name=C", "-c", "user.email=c@example.org", "commit", "-qm", message)


def test_the_base_is_the_exported_commit_found_by_its_tree(tmp_path: Path) -> None:
    result = exported(tmp_path / "repo", author="Someone <s@example.org>", message="Other")
    (result.out / "NOTES.md").write_text("my notes\n")
    commit_all(result.out, "Write notes")
    base = find_exercise_base(f"{result.out}@HEAD", workdir=tmp_path / "work")
    assert (base.commit, base.matched) == (result.commit, True)


def test_without_the_exercise_tree_the_root_commit_stands_in(tmp_path: Path) -> None:
    result = exported(tmp_path / "repo")
    (result.out / "README.md").write_text("rewritten\n")
    git(result.out, "add", "--all")
    git(
        result.out,
        "-c",
        "user.name=C",
        "-c",
        "user.email=c@x.org",
        "commit",
        "-q",
        "--amend",
        "-m",
        "Mine",
    )
    root = git(result.out, "rev-parse", "HEAD")
    (result.out / "NOTES.md").write_text("my notes\n")
    commit_all(result.out, "Write notes")
    base = find_exercise_base(str(result.out), workdir=tmp_path / "work")
    assert (base.commit, base.matched) == (root, False)
    assert "root commit" in base.note


def test_since_exercise_needs_git_history_and_excludes_base(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "a.py").write_text("x = 1\n")
    with pytest.raises(UsageError, match="needs a git submission"):
        find_exercise_base(str(folder), workdir=tmp_path / "work")
    options = GradeOptions(since_exercise=True, base_ref="HEAD~1")
    with pytest.raises(UsageError, match="--base and --since-exercise"):
        intake(str(folder), options=options, workdir=tmp_path / "work", progress=print)
