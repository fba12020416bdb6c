"""The `grader` command: usage errors exit 2 with a Tip and no traceback; exit codes tell health."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grader import pipeline
from grader.cli import exit_code_of, main, write_reports
from grader.errors import UsageError
from grader.model import CheckResult, Status
from grader.pipeline import GradeOutcome
from grader.provenance import Provenance
from grader.report.formats import Audience
from grader.rubric import Rubric
from grader.scoring import score_card
from grader.submission import Submission

RUBRIC = """\
schema_version = 1

[skills.data]
title = "Data"
requirement = "Models money exactly."
weight = 1

[[checks]]
id = "data.balance"
skill = "data"
points = 2
title = "Balances add up"
hint = "Sum the ledger."
"""

MakeOutcome = Callable[..., GradeOutcome]


@pytest.fixture
def grader_cli() -> Callable[..., Result]:
    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args))

    return run


@pytest.fixture
def rubric_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Grade against a small rubric of the test's own, whatever the project's says."""
    path = tmp_path / "rubric.toml"
    path.write_text(RUBRIC, encoding="utf-8")
    monkeypatch.setattr(pipeline, "RUBRIC_PATH", path)
    return path


@pytest.fixture
def make_outcome() -> MakeOutcome:
    rubric = Rubric.model_validate(tomllib.loads(RUBRIC))

    def make(
        *,
        status: Status = Status.PASSED,
        problems: tuple[str, ...] = (),
        pass_mark: float | None = None,
    ) -> GradeOutcome:
        points = 2 if status is Status.PASSED else 0
        check = CheckResult(
            id="data.balance",
            skill="data",
            title="Balances add up",
            status=status,
            points=points,
            max_points=2,
        )
        card = score_card(rubric=rubric, checks=(check,), problems=problems, pass_mark=pass_mark)
        submission = Submission(
            source="/submissions/candidate-a",
            kind="directory",
            root=Path("/submissions/candidate-a"),
            tree_hash="sha256:" + "a" * 64,
            file_count=1,
            total_bytes=10,
            git=None,
            skipped=(),
        )
        provenance = Provenance(
            grader_version="0.1.0",
            runner="local",
            seed=0,
            only=(),
            rubric_sha256="b" * 64,
            hidden_suite_sha256="c" * 64,
            started_at="2025-11-27T22:00:00+00:00",
            finished_at="2025-11-27T22:00:10+00:00",
            timings=(),
            images=(),
            machine={},
        )
        return GradeOutcome(card=card, submission=submission, provenance=provenance)

    return make


def assert_usage_error(result: Result, *, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Tip:" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_help_lists_the_commands(grader_cli: Callable[..., Result]) -> None:
    result = grader_cli("--help")

    assert result.exit_code == 0
    for command in ("grade", "images", "doctor"):
        assert f"  {command} " in result.output


def test_unknown_format_is_a_usage_error(grader_cli: Callable[..., Result]) -> None:
    result = grader_cli("grade", "anything", "--format", "terminal,xml")

    assert_usage_error(result, message="Unknown output format xml.")


def test_unknown_only_skill_is_a_usage_error(grader_cli: Callable[..., Result]) -> None:
    result = grader_cli("grade", "anything", "--only", "nosuchskill")

    assert_usage_error(result, message="--only names 'nosuchskill'")


def test_missing_submission_is_a_usage_error(
    grader_cli: Callable[..., Result], rubric_file: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-submission"

    result = grader_cli("grade", str(missing), "--out", str(tmp_path / "out"))

    assert_usage_error(result, message=f"submission not found: {missing}")
    assert not (tmp_path / "out").exists()


def test_error_text_is_printed_literally(
    grader_cli: Callable[..., Result], rubric_file: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "candidate-b[/final]"

    result = grader_cli("grade", str(missing))

    assert_usage_error(result, message=f"submission not found: {missing}")


def test_unusable_rubric_exits_3_with_its_tip(
    grader_cli: Callable[..., Result], rubric_file: Path, tmp_path: Path
) -> None:
    rubric_file.write_text(RUBRIC.replace('skill = "data"', 'skill = "security"'), "utf-8")

    result = grader_cli("grade", str(tmp_path))

    assert result.exit_code == 3
    assert "names undeclared skill 'security'" in result.stderr
    assert "skills must be declared under [skills.<id>]." in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("options", "code"),
    [
        pytest.param({}, 0, id="graded"),
        pytest.param({"pass_mark": 100}, 0, id="graded-at-the-pass-mark"),
        pytest.param({"status": Status.FAILED, "pass_mark": 50}, 1, id="below-pass-mark"),
        pytest.param({"status": Status.FAILED}, 0, id="failed-without-pass-mark"),
        pytest.param({"status": Status.ERROR, "pass_mark": 50}, 3, id="error-check"),
        pytest.param({"problems": ("harness died",)}, 3, id="problem"),
    ],
)
def test_exit_code_tells_the_grade(
    make_outcome: MakeOutcome, options: dict[str, object], code: int
) -> None:
    assert exit_code_of(make_outcome(**options)) == code


def test_reports_into_an_unwritable_folder_are_a_usage_error(
    make_outcome: MakeOutcome, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")

    with pytest.raises(UsageError) as caught:
        write_reports(make_outcome(), formats=("json",), out=blocker / "out")

    assert str(blocker / "out") in caught.value.message
    assert "--out" in caught.value.tip


def test_json_report_is_written_under_out(make_outcome: MakeOutcome, tmp_path: Path) -> None:
    written = write_reports(make_outcome(), formats=("json",), out=tmp_path / "out")

    assert written == [tmp_path / "out" / "results.json"]
    assert json.loads(written[0].read_text(encoding="utf-8"))["status"] == "graded"


def saved_results(make_outcome: MakeOutcome, rubric_file: Path, out: Path) -> Path:
    """A results.json graded with the test's rubric, as `grader grade` would have written it."""
    outcome = make_outcome(status=Status.FAILED)
    rubric_sha = hashlib.sha256(rubric_file.read_bytes()).hexdigest()
    provenance = dataclasses.replace(outcome.provenance, rubric_sha256=rubric_sha)
    (path,) = write_reports(
        dataclasses.replace(outcome, provenance=provenance), formats=("json",), out=out
    )
    return path


@pytest.fixture
def report_rubric(rubric_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from grader import rescore

    monkeypatch.setattr(rescore, "RUBRIC_PATH", rubric_file)
    return rubric_file


def test_report_rerenders_saved_results_with_overrides(
    grader_cli: Callable[..., Result],
    make_outcome: MakeOutcome,
    report_rubric: Path,
    tmp_path: Path,
) -> None:
    results = saved_results(make_outcome, report_rubric, tmp_path / "grade")
    overrides = tmp_path / "overrides.toml"
    overrides.write_text(
        'schema_version = 1\nreviewer = "Staff engineer"\n'
        '[skills.data]\npercent = 70\nreason = "Balances are right; the check was too strict."\n',
        encoding="utf-8",
    )

    result = grader_cli(
        "report",
        str(results),
        "--overrides",
        str(overrides),
        "--format",
        "json,markdown",
        "--out",
        str(tmp_path / "adjusted"),
    )

    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "adjusted" / "results.json").read_text(encoding="utf-8"))
    assert document["total"]["automatic_percent"] == 0
    assert document["total"]["percent"] == 70
    (data,) = document["skills"]
    assert data["adjustment"]["reason"] == "Balances are right; the check was too strict."
    markdown = (tmp_path / "adjusted" / "report.md").read_text(encoding="utf-8")
    assert "Staff engineer" in markdown


def test_report_refuses_results_of_another_rubric(
    grader_cli: Callable[..., Result],
    make_outcome: MakeOutcome,
    report_rubric: Path,
    tmp_path: Path,
) -> None:
    results = saved_results(make_outcome, report_rubric, tmp_path / "grade")
    report_rubric.write_text(RUBRIC.replace("points = 2", "points = 3"), encoding="utf-8")

    result = grader_cli("report", str(results), "--format", "json")

    assert_usage_error(result, message="graded with another rubric")


def test_report_of_an_unreadable_file_is_a_usage_error(
    grader_cli: Callable[..., Result], tmp_path: Path
) -> None:
    broken = tmp_path / "results.json"
    broken.write_text("{not json", encoding="utf-8")

    assert_usage_error(grader_cli("report", str(broken)), message="Cannot read grading results")


def test_a_broken_overrides_file_stops_the_grade_before_it_starts(
    grader_cli: Callable[..., Result], rubric_file: Path, tmp_path: Path
) -> None:
    overrides = tmp_path / "overrides.toml"
    overrides.write_text('schema_version = 1\nreviewer = "x"\n[skills.data]\npercent = 50\n')

    result = grader_cli("grade", str(tmp_path), "--overrides", str(overrides))

    assert_usage_error(result, message="reason")


def test_candidate_audience_writes_prefixed_copies(
    make_outcome: MakeOutcome, rubric_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grader.report import formats

    monkeypatch.setattr(formats, "RUBRIC_PATH", rubric_file)
    written = write_reports(
        make_outcome(status=Status.FAILED),
        formats=("markdown", "html", "json"),
        out=tmp_path,
        audiences=(Audience.REVIEWER, Audience.CANDIDATE),
    )

    names = sorted(path.name for path in written)
    assert names == [
        "candidate-report.html",
        "candidate-report.md",
        "report.html",
        "report.md",
        "results.json",
    ]
    candidate = (tmp_path / "candidate-report.md").read_text(encoding="utf-8")
    assert "Sum the ledger." in candidate
    assert "data.balance" not in candidate
