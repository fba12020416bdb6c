"""`grader batch`: what a cohort is made of, and grading it with failures isolated per submission.

The grade processes here are stand-ins (small Python commands) so the tests run in seconds; the
real `grader grade` runs in tests/integration/test_batch_docker.py.
"""

from __future__ import annotations

import csv
import json
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from cohort_documents import results

from grader import batch
from grader.batch import (
    BatchOptions,
    Children,
    failure_of,
    file_formats,
    grade_all,
    run_batch,
)
from grader.cli import main
from grader.cohort import RowStatus
from grader.cohort_manifest import BatchEntry, entries_of, refuse_overlap, shard_of
from grader.errors import UsageError
from grader.paths import REFERENCE_DIR


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the submissions


def test_a_folder_gives_one_submission_per_subfolder_and_archive(tmp_path: Path) -> None:
    write(tmp_path / "subs" / "alice" / "app" / "main.py")
    write(tmp_path / "subs" / "bob.tar.gz")
    write(tmp_path / "subs" / "carol.zip")
    write(tmp_path / "subs" / "notes.txt")
    write(tmp_path / "subs" / ".hidden" / "x.py")
    write(tmp_path / "subs" / "out" / "cohort.csv")

    entries = entries_of(tmp_path / "subs", exclude=tmp_path / "subs" / "out")

    assert [(e.id, Path(e.spec).name) for e in entries] == [
        ("alice", "alice"),
        ("bob", "bob.tar.gz"),
        ("carol", "carol.zip"),
    ]


def test_a_folder_name_that_cannot_be_an_id_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "subs" / "Jane Doe" / "main.py")

    with pytest.raises(UsageError, match="not a usable submission id") as raised:
        entries_of(tmp_path / "subs")

    assert "letters, digits" in raised.value.tip


def test_a_toml_manifest_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    manifest = write(
        tmp_path / "cohort" / "cohort.toml",
        """
        [[submission]]
        id = "alice"
        spec = "subs/alice.tar.gz"

        [[submission]]
        id = "bob"
        spec = "repos/bob@solution"
        base = "main"

        [[submission]]
        id = "carol"
        spec = "git@example.com:candidates/carol.git@main"
        """,
    )

    entries = entries_of(manifest)

    folder = (tmp_path / "cohort").resolve()
    assert entries == (
        BatchEntry("alice", str(folder / "subs" / "alice.tar.gz")),
        BatchEntry("bob", str(folder / "repos" / "bob@solution"), base="main"),
        BatchEntry("carol", "git@example.com:candidates/carol.git@main"),
    )


def test_a_csv_manifest_reads_the_same_way(tmp_path: Path) -> None:
    manifest = write(
        tmp_path / "cohort.csv",
        "id,spec,base\nalice,subs/alice,\nbob,https://example.com/bob.git@v1,main\n",
    )

    entries = entries_of(manifest)

    assert entries == (
        BatchEntry("alice", str(tmp_path.resolve() / "subs" / "alice")),
        BatchEntry("bob", "https://example.com/bob.git@v1", base="main"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[submission]]\nid = "a"\nspec = "x"\nbranch = "main"\n', "unknown field"),
        ('[[submission]]\nid = "a"\n', "`spec` is missing"),
        ('[[submission]]\nid = "../a"\nspec = "x"\n', "not a usable submission id"),
        ('[[submission]]\nid = "a"\nspec = "x"\n[[submission]]\nid = "a"\nspec = "y"\n', "twice"),
        ("submission = 3\n", "must be an array of tables"),
        ("[[submission]\n", "Cannot read the manifest"),
        ("", "lists no submission"),
    ],
)
def test_a_broken_manifest_is_a_usage_error_with_a_tip(
    tmp_path: Path, text: str, expected: str
) -> None:
    manifest = write(tmp_path / "cohort.toml", text)

    with pytest.raises(UsageError, match=expected) as raised:
        entries_of(manifest)

    assert raised.value.tip


def test_a_manifest_must_be_toml_or_csv(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="neither a folder nor"):
        entries_of(write(tmp_path / "cohort.json", "{}"))


def test_shards_split_the_cohort_without_overlap() -> None:
    entries = tuple(BatchEntry(f"s{index}", f"/subs/s{index}") for index in range(7))

    shards = [shard_of(entries, f"{index}/3") for index in range(3)]

    assert [[e.id for e in shard] for shard in shards] == [
        ["s0", "s3", "s6"],
        ["s1", "s4"],
        ["s2", "s5"],
    ]
    for wrong in ("3/3", "1", "a/b", "-1/2"):
        with pytest.raises(UsageError, match="INDEX/COUNT"):
            shard_of(entries, wrong)


def test_an_output_folder_overlapping_a_submission_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "subs" / "alice" / "results.json", "the candidate's own file")
    entries = entries_of(tmp_path / "subs")

    for inside in (tmp_path / "subs", tmp_path / "subs" / "alice" / "grades"):
        with pytest.raises(UsageError, match=r"the submission alice .* overlap"):
            refuse_overlap(entries, inside)
    refuse_overlap(entries, tmp_path / "out")


def test_results_json_is_always_written_and_terminal_never() -> None:
    assert file_formats(("terminal", "html", "json")) == ("json", "html")


# --------------------------------------------------------------------------- grading


def fake_grader(monkeypatch: pytest.MonkeyPatch, scripts: dict[str, str]) -> None:
    """Each entry's grade runs `python -c SCRIPT FOLDER` instead of `grader grade`."""

    def argv(entry: BatchEntry, options: BatchOptions) -> list[str]:
        return [sys.executable, "-c", scripts[entry.id], str(options.out / entry.id)]

    monkeypatch.setattr(batch, "grade_argv", argv)


def copier(document_path: Path) -> str:
    return (
        f"import shutil, sys; print('grading'); "
        f"shutil.copy({str(document_path)!r}, sys.argv[1] + '/results.json')"
    )


SUBMISSION_ERROR = (
    "import sys; print('   0.0s  taking in the submission'); "
    "print('Error: /subs/broken.tar.gz: is corrupt or unreadable'); "
    "print('Tip: Re-create the archive.'); sys.exit(2)"
)


def test_failures_become_error_rows_and_the_others_are_graded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graded = write(tmp_path / "doc.json", json.dumps(results(passed_share=0.8)))
    errored = write(tmp_path / "err.json", json.dumps(results(problems=("harness died",))))
    fake_grader(
        monkeypatch,
        {
            "good": copier(graded),
            "sandbox": copier(errored),
            "broken": SUBMISSION_ERROR,
            "crash": "import os; os.abort()",
            "hangs": "import time; time.sleep(60)",
        },
    )
    entries = [
        BatchEntry(name, f"/subs/{name}")
        for name in ("good", "sandbox", "broken", "crash", "hangs")
    ]
    lines: list[str] = []
    options = BatchOptions(out=tmp_path / "out", jobs=2, timeout_s=3)

    started = time.monotonic()
    rows = {row.id: row for row in grade_all(entries, options, say=lines.append)}

    assert time.monotonic() - started < 30
    assert rows["good"].status is RowStatus.GRADED
    assert rows["good"].total_percent == 80.0
    assert rows["sandbox"].status is RowStatus.ERROR
    assert rows["sandbox"].message == "harness died"
    assert rows["broken"].message == "exit code 2: /subs/broken.tar.gz: is corrupt or unreadable"
    assert rows["broken"].report == "broken/grade.log"
    assert rows["crash"].status is RowStatus.ERROR
    assert rows["crash"].message.startswith("killed by SIGABRT")
    assert rows["hangs"].message == "grading did not finish within 3 s and was stopped"
    assert (tmp_path / "out" / "good" / "grade.log").read_text() == "grading\n"
    assert sum(bool(re.match(r"\[\d/5\] grading ", line)) for line in lines) == 5
    assert any(line.startswith("[5/5]") for line in lines)


def test_a_previous_grade_never_shows_for_a_failed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "out" / "alice" / "results.json", json.dumps(results()))
    write(tmp_path / "out" / "alice" / "report.html", "old")
    fake_grader(monkeypatch, {"alice": SUBMISSION_ERROR})

    (row,) = grade_all(
        [BatchEntry("alice", "/subs/alice")], BatchOptions(out=tmp_path / "out"), say=print
    )

    assert row.status is RowStatus.ERROR
    assert not (tmp_path / "out" / "alice" / "report.html").exists()


def test_stopping_kills_running_grades_even_deaf_ones_and_starts_no_more(tmp_path: Path) -> None:
    children = Children(grace=0.5)
    deaf = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    log = tmp_path / "deaf.log"
    with children.started([sys.executable, "-c", deaf], log=log) as process:
        assert process is not None
        deadline = time.monotonic() + 10
        while "ready" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        children.stop_all()
        assert process.wait(timeout=5) == -signal.SIGKILL
    with children.started([sys.executable, "-c", "pass"], log=tmp_path / "late.log") as late:
        assert late is None


def test_the_error_line_of_a_log_is_its_failure(tmp_path: Path) -> None:
    log = write(tmp_path / "grade.log", "  1.0s  taking in\nError: no such ref\nTip: check it\n")
    silent = write(tmp_path / "empty.log")

    assert failure_of(log) == "no such ref"
    assert failure_of(silent) == "no output"
    assert failure_of(tmp_path / "missing.log") == "no log"


def test_a_batch_writes_the_cohort_table_with_similarity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = (REFERENCE_DIR / "app" / "routes" / "transfers.py").read_text()
    write(tmp_path / "subs" / "alice" / "app" / "logic.py", code)
    write(tmp_path / "subs" / "bob" / "app" / "other.py", code.replace("transfer", "move"))
    document = write(tmp_path / "doc.json", json.dumps(results()))
    fake_grader(monkeypatch, {"alice": copier(document), "bob": copier(document)})
    out = tmp_path / "out"

    cohort = run_batch(
        entries_of(tmp_path / "subs"), BatchOptions(out=out, runner="local"), say=print
    )

    assert not cohort.errored
    with (out / "cohort.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["id"], r["status"], r["similarity_flags"]) for r in rows] == [
        ("alice", "graded", "bob 1.00; reference solution 1.00"),
        ("bob", "graded", "alice 1.00; reference solution 1.00"),
    ]
    assert 'href="alice/results.json"' in (out / "cohort.html").read_text()
    flags = json.loads((out / "similarity.json").read_text())["flags"]
    assert flags[0]["regions"][0]["right"]["file"] == "app/other.py"


def test_a_rubric_change_during_the_batch_marks_the_table_unreliable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = write(tmp_path / "old.json", json.dumps(results(rubric_sha="c" * 64)))
    new = write(tmp_path / "new.json", json.dumps(results()))
    fake_grader(monkeypatch, {"alice": copier(old), "bob": copier(new)})
    entries = [BatchEntry("alice", "/subs/alice"), BatchEntry("bob", "/subs/bob")]
    options = BatchOptions(out=tmp_path / "out", runner="local", similarity=False)

    cohort = run_batch(entries, options, say=print)

    assert not cohort.errored
    assert not cohort.healthy
    assert "different versions of the rubric" in cohort.problems[0]
    assert "different versions of the rubric" in (tmp_path / "out" / "cohort.html").read_text()


def test_the_batch_command_exits_3_when_a_submission_cannot_be_graded(tmp_path: Path) -> None:
    # A real `grader grade` child: intake refuses the archive before any sandbox is needed.
    write(tmp_path / "subs" / "broken.tar.gz", "not an archive")
    out = tmp_path / "out"

    done = CliRunner().invoke(
        main, ["batch", str(tmp_path / "subs"), "--runner", "local", "--out", str(out)]
    )

    assert done.exit_code == 3, done.output
    with (out / "cohort.csv").open() as stream:
        (row,) = csv.DictReader(stream)
    assert row["status"] == "error"
    assert "is corrupt or unreadable" in row["message"]
    assert "1 submission(s): 0 graded, 1 error(s)" in done.output
