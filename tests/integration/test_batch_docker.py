"""`grader batch` for real: three submissions, two at a time, one of them impossible to grade.

`--only data,security` keeps it to a few minutes on two shared cores: the hidden suite of two
skills against the real service, without the reliability phase or the candidate's own tests.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.paths import EXERCISE_DIR, REFERENCE_DIR

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory, grader_images: Any) -> tuple[Path, int, str]:
    """The reference, the untouched starter and a corrupt archive, graded with --jobs 2."""
    folder = tmp_path_factory.mktemp("cohort")
    (folder / "broken.tar.gz").write_bytes(b"this is not a gzip stream")
    manifest = folder / "cohort.toml"
    manifest.write_text(
        f'[[submission]]\nid = "reference"\nspec = "{REFERENCE_DIR}"\n\n'
        f'[[submission]]\nid = "starter"\nspec = "{EXERCISE_DIR}"\n\n'
        '[[submission]]\nid = "broken"\nspec = "broken.tar.gz"\n'
    )
    out = folder / "out"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "grader", "batch", str(manifest)),
            *("--jobs", "2", "--only", "data,security", "--out", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return out, done.returncode, done.stderr


def rows_of(out: Path) -> dict[str, dict[str, str]]:
    with (out / "cohort.csv").open(encoding="utf-8") as stream:
        return {row["id"]: row for row in csv.DictReader(stream)}


def test_the_batch_exits_3_because_one_submission_errored(cohort: tuple[Path, int, str]) -> None:
    _, code, stderr = cohort

    assert code == 3, stderr
    assert "[3/3]" in stderr
    assert "3 submission(s): 2 graded, 1 error(s)" in stderr


def test_the_table_has_a_row_per_submission(cohort: tuple[Path, int, str]) -> None:
    out, _, _ = cohort
    rows = rows_of(out)

    assert list(rows) == ["broken", "reference", "starter"]
    assert rows["broken"]["status"] == "error"
    assert "is corrupt or unreadable" in rows["broken"]["message"]
    assert rows["broken"]["total_percent"] == ""
    assert rows["reference"]["status"] == rows["starter"]["status"] == "graded"
    assert float(rows["reference"]["total_percent"]) >= 90
    assert float(rows["starter"]["total_percent"]) < float(rows["reference"]["total_percent"]) - 20
    assert rows["reference"]["security_band"] == rows["reference"]["data_band"] == "strong"
    assert rows["reference"]["code_quality_band"] == "not_assessed"
    assert rows["reference"]["report"] == "reference/report.html"


def test_each_graded_submission_has_its_reports(cohort: tuple[Path, int, str]) -> None:
    out, _, _ = cohort

    for name in ("reference", "starter"):
        document = json.loads((out / name / "results.json").read_text())
        assert document["status"] == "graded"
        assert (out / name / "report.html").is_file()
    assert (out / "broken" / "grade.log").is_file()
    assert not (out / "broken" / "results.json").exists()


def test_similarity_flags_the_copy_of_the_reference_only(cohort: tuple[Path, int, str]) -> None:
    out, _, _ = cohort
    rows = rows_of(out)
    document = json.loads((out / "similarity.json").read_text())

    assert rows["reference"]["similarity_flags"] == "reference solution 1.00"
    assert rows["starter"]["similarity_flags"] == ""
    assert [(f["left"], f["right"]) for f in document["flags"]] == [("reference", ":reference")]
    assert any(note.startswith("broken: cannot be taken in") for note in document["notes"])
    assert "reference solution" in (out / "cohort.html").read_text()
