"""The cohort table (CSV, HTML), `grader merge`, and the multi-machine templates."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from cohort_documents import results

from grader.cli import main
from grader.cohort import (
    Cohort,
    CohortRow,
    RowStatus,
    error_row,
    graded_row,
    render_csv,
    require_same_material,
)
from grader.cohort_html import render_cohort_html
from grader.errors import UsageError
from grader.paths import PROJECT_ROOT, RUBRIC_PATH
from grader.rubric import load_rubric
from grader.similarity import REFERENCE_ID, Match, Region, SimilarityReport, Span

CI_DIR = PROJECT_ROOT / "ci" / "cohort"


def save(folder: Path, document: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(document), encoding="utf-8")
    return folder / "results.json"


def parsed_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def flag(left: str, right: str) -> Match:
    region = Region(
        left=Span("app/a.py", 3, 40),
        right=Span("app/b.py", 5, 42),
        left_snippet="def transfer(<script>):",
        right_snippet="def move(x):",
    )
    return Match(left, right, 40, 0.91, 0.95, 0.93, (region,))


# --------------------------------------------------------------------------- the table


def test_a_graded_row_takes_final_percents_and_bands() -> None:
    row = graded_row("alice", results(passed_share=0.5), report="alice/report.html")

    assert row.status is RowStatus.GRADED
    assert row.total_percent == 50.0
    assert row.band == "below"
    assert {cell.id for cell in row.skills} == set(load_rubric(RUBRIC_PATH).skills)
    # A skill whose checks all were skipped (or that has none yet) is not assessed.
    assert {(cell.percent, cell.band) for cell in row.skills} <= {
        (50.0, "below"),
        (None, "not_assessed"),
    }


def test_a_grade_with_problems_stays_an_error_row() -> None:
    row = graded_row("bob", results(problems=("harness crashed",)), report=None)

    assert row.status is RowStatus.ERROR
    assert row.message == "harness crashed"


def test_the_csv_has_a_percent_and_band_per_skill_and_empty_cells_for_errors() -> None:
    cohort = Cohort(
        rows=(
            graded_row("alice", results(), report="alice/report.html"),
            error_row("broken", '=HYPERLINK("x") archive is corrupt'),
        ),
        similarity=SimilarityReport(
            flags=(flag("alice", REFERENCE_ID),), compared=("alice",), notes=()
        ),
    )

    rows = parsed_csv(render_csv(cohort))

    assert [r["id"] for r in rows] == ["alice", "broken"]
    assert rows[0]["security_percent"] == "100.0"
    assert rows[0]["security_band"] == "strong"
    assert rows[0]["similarity_flags"] == "reference solution 0.95"
    assert rows[0]["report"] == "alice/report.html"
    assert rows[1]["status"] == "error"
    assert rows[1]["total_percent"] == rows[1]["security_percent"] == ""
    # A spreadsheet must not run candidate-influenced text as a formula.
    assert rows[1]["message"].startswith("'=HYPERLINK")


def test_without_code_the_table_says_similarity_was_not_computed() -> None:
    cohort = Cohort(rows=(graded_row("alice", results(), report=None),), similarity=None)

    assert parsed_csv(render_csv(cohort))[0]["similarity_flags"] == "not computed"
    assert "Similarity was not computed" in render_cohort_html(cohort)


def test_the_html_page_escapes_everything_and_links_reports_and_flags() -> None:
    cohort = Cohort(
        rows=(
            graded_row("alice", results(), report="alice/report.html"),
            graded_row("bob", results(passed_share=0.7), report="bob/report.html"),
            error_row("carol", "<img src=x onerror=alert(1)>"),
        ),
        similarity=SimilarityReport(
            flags=(flag("alice", "bob"),),
            compared=("alice", "bob"),
            notes=("carol: cannot be taken in",),
        ),
    )

    page = render_cohort_html(cohort)

    assert "<img" not in page and "<script>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "def transfer(&lt;script&gt;):" in page
    assert 'href="alice/report.html"' in page
    assert 'id="pair-alice-bob"' in page and 'href="#pair-alice-bob"' in page
    assert "app/a.py:3-40" in page and "app/b.py:5-42" in page
    assert 'http-equiv="Content-Security-Policy"' in page
    assert "1 could not be graded" in page


def test_rows_of_different_rubrics_are_refused_with_a_tip() -> None:
    rows = [
        graded_row("alice", results(), report=None),
        graded_row("bob", results(rubric_sha="c" * 64), report=None),
        CohortRow(id="carol", status=RowStatus.ERROR),
    ]

    with pytest.raises(UsageError) as raised:
        require_same_material(rows)

    assert "different versions of the rubric" in raised.value.message
    assert "aaaaaaaaaaaa: alice" in raised.value.message
    assert raised.value.tip


# --------------------------------------------------------------------------- grader merge


def merge(*args: str) -> Any:
    return CliRunner().invoke(main, ["merge", *args], catch_exceptions=False)


def test_merge_builds_the_table_from_results_graded_elsewhere(tmp_path: Path) -> None:
    save(tmp_path / "job-1" / "alice", results())
    save(tmp_path / "job-2" / "bob", results(passed_share=0.6))
    (tmp_path / "job-2" / "bob" / "report.html").write_text("<html></html>")
    out = tmp_path / "table"

    done = merge(
        str(tmp_path / "job-1"), str(tmp_path / "job-2" / "bob" / "results.json"), "--out", str(out)
    )

    assert done.exit_code == 0, done.output
    rows = parsed_csv((out / "cohort.csv").read_text())
    assert [(r["id"], r["status"], r["total_percent"]) for r in rows] == [
        ("alice", "graded", "100.0"),
        ("bob", "graded", "60.0"),
    ]
    assert rows[0]["report"] == "../job-1/alice/results.json"
    assert rows[1]["report"] == "../job-2/bob/report.html"
    assert rows[0]["similarity_flags"] == "not computed"
    assert json.loads((out / "similarity.json").read_text())["computed"] is False
    assert "2 submission(s): 2 graded, 0 error(s), similarity not computed" in done.output


def test_merge_makes_an_invalid_results_file_an_error_row_and_exits_3(tmp_path: Path) -> None:
    save(tmp_path / "alice", results())
    broken = results()
    broken["total"]["percent"] = "a lot"
    save(tmp_path / "bob", broken)

    done = merge(str(tmp_path), "--out", str(tmp_path / "table"))

    assert done.exit_code == 3
    rows = {r["id"]: r for r in parsed_csv((tmp_path / "table" / "cohort.csv").read_text())}
    assert rows["alice"]["status"] == "graded"
    assert rows["bob"]["status"] == "error"
    assert "not a valid results document: total.percent" in rows["bob"]["message"]


def test_merge_refuses_mixed_rubrics(tmp_path: Path) -> None:
    save(tmp_path / "alice", results())
    save(tmp_path / "bob", results(rubric_sha="c" * 64))

    done = merge(str(tmp_path), "--out", str(tmp_path / "table"))

    assert done.exit_code == 2
    assert "different versions of the rubric" in done.output
    assert "Tip:" in done.output
    assert not (tmp_path / "table").exists()


def test_merge_with_the_submissions_flags_copies_and_missing_results(tmp_path: Path) -> None:
    code = (
        PROJECT_ROOT / "hidden_tests" / "reference" / "app" / "routes" / "transfers.py"
    ).read_text()
    for name in ("alice", "bob", "carol"):
        (tmp_path / "subs" / name / "app").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "app" / "transfers.py").write_text(code)
    (tmp_path / "subs" / "bob" / "app" / "money.py").write_text(code.replace("transfer", "move"))
    save(tmp_path / "results" / "alice", results())
    save(tmp_path / "results" / "bob", results())
    out = tmp_path / "table"

    done = merge(
        str(tmp_path / "results"), "--out", str(out), "--submissions", str(tmp_path / "subs")
    )

    assert done.exit_code == 3
    rows = {r["id"]: r for r in parsed_csv((out / "cohort.csv").read_text())}
    assert rows["carol"]["status"] == "error"
    assert "no results.json" in rows["carol"]["message"]
    assert rows["alice"]["similarity_flags"].startswith("bob 1.00")
    document = json.loads((out / "similarity.json").read_text())
    assert {(f["left"], f["right"]) for f in document["flags"]} >= {("alice", "bob")}
    assert document["flags"][0]["regions"][0]["left"]["file"] == "app/transfers.py"


def test_merge_refuses_two_results_for_one_id(tmp_path: Path) -> None:
    save(tmp_path / "a" / "alice", results())
    save(tmp_path / "b" / "alice", results())

    done = merge(str(tmp_path), "--out", str(tmp_path / "table"))

    assert done.exit_code == 2
    assert "Two results files belong to the submission 'alice'" in done.output


# --------------------------------------------------------------------------- templates


def test_the_github_template_is_a_matrix_of_shards_then_a_merge_that_always_runs() -> None:
    workflow = yaml.safe_load((CI_DIR / "github-matrix.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    jobs = workflow["jobs"]

    assert set(triggers) == {"workflow_dispatch"}
    assert workflow["permissions"] == {"contents": "read"}
    assert (
        jobs["grade"]["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    )
    grade_steps = " ".join(str(step.get("run", "")) for step in jobs["grade"]["steps"])
    assert 'grader batch "$MANIFEST" --shard "$SHARD/$COUNT"' in grade_steps
    assert jobs["merge"]["needs"] == ["plan", "grade"]
    assert "always()" in jobs["merge"]["if"]
    merge_steps = " ".join(str(step.get("run", "")) for step in jobs["merge"]["steps"])
    assert "grader merge results --out cohort --submissions" in merge_steps
    for job in jobs.values():
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout"):
                assert step["with"]["persist-credentials"] is False
            # Inputs reach scripts through env, never spliced into the shell text.
            assert "${{" not in str(step.get("run", ""))


def test_the_kubernetes_template_is_an_indexed_job_and_a_merge_job() -> None:
    grade, merge_job = yaml.safe_load_all((CI_DIR / "k8s-job.yaml").read_text())

    assert grade["kind"] == merge_job["kind"] == "Job"
    assert grade["spec"]["completionMode"] == "Indexed"
    pod = grade["spec"]["template"]["spec"]
    grader = next(c for c in pod["containers"] if c["name"] == "grader")
    script = grader["args"][0]
    assert '--shard "$JOB_COMPLETION_INDEX/$SHARDS"' in script
    assert pod["automountServiceAccountToken"] is False
    shards = next(e["value"] for e in grader["env"] if e["name"] == "SHARDS")
    assert shards == str(grade["spec"]["completions"])
    command = merge_job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:3] == ["grader", "merge", "/cohort/shards"]
    assert re.search(r"--out \"/cohort/shards/\$JOB_COMPLETION_INDEX\"", script)
