"""The `grader` command: usage errors exit 2 with a Tip and no traceback; exit codes tell health."""

from __future__ import annotations

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
            source="/submissions/alice",
            kind="directory",
            root=Path("/submissions/alice"),
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
    missing = tmp_path / "bob[/final]"

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
