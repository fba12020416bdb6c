"""The registry of file reports and how they are written."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import UsageError
from grader.pipeline import GradeOutcome
from grader.report.formats import FORMATS, Audience, report_format, write_reports
from grader.rubric import Rubric


def test_registry_names_each_format_and_its_file() -> None:
    assert {name: fmt.filename for name, fmt in FORMATS.items()} == {
        "json": "results.json",
        "markdown": "report.md",
        "html": "report.html",
        "junit": "junit.xml",
        "gradescope": "gradescope.json",
        "sarif": "results.sarif",
    }


def test_only_markdown_and_html_have_a_candidate_version() -> None:
    assert sorted(n for n, f in FORMATS.items() if Audience.CANDIDATE in f.audiences) == [
        "html",
        "markdown",
    ]


def test_reports_are_written_for_each_audience_with_a_candidate_prefix(
    rich_outcome: GradeOutcome, rubric: Rubric, tmp_path: Path
) -> None:
    written = write_reports(
        rich_outcome, ("json", "html", "markdown"), tmp_path / "out", tuple(Audience), rubric=rubric
    )

    assert [p.name for p in written] == [
        "results.json",
        "report.html",
        "candidate-report.html",
        "report.md",
        "candidate-report.md",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in written)
    assert (
        (tmp_path / "out" / "candidate-report.md")
        .read_text(encoding="utf-8")
        .startswith("# Your grade")
    )


def test_a_report_is_rendered_as_its_file_holds_it(
    rich_outcome: GradeOutcome, rubric: Rubric, tmp_path: Path
) -> None:
    [path] = write_reports(rich_outcome, ["sarif"], tmp_path, [Audience.REVIEWER], rubric=rubric)

    assert path.read_text(encoding="utf-8") == FORMATS["sarif"].render(
        rich_outcome, Audience.REVIEWER, rubric
    )


def test_rewriting_replaces_the_file_and_leaves_no_temporary_file(
    rich_outcome: GradeOutcome, rubric: Rubric, tmp_path: Path
) -> None:
    (tmp_path / "junit.xml").write_text("stale", encoding="utf-8")

    write_reports(rich_outcome, ["junit"], tmp_path, [Audience.REVIEWER], rubric=rubric)

    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]
    assert (tmp_path / "junit.xml").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "junit.xml").read_text(encoding="utf-8").startswith("<?xml")


def test_a_reviewer_only_format_refuses_the_candidate(
    rich_outcome: GradeOutcome, rubric: Rubric
) -> None:
    with pytest.raises(ValueError, match="not written for the candidate"):
        FORMATS["json"].render(rich_outcome, Audience.CANDIDATE, rubric)


def test_unknown_format_is_a_usage_error_with_the_choices() -> None:
    with pytest.raises(UsageError) as caught:
        report_format("pdf")

    assert "json, markdown, html, junit, gradescope, sarif" in (caught.value.tip or "")


def test_an_unwritable_folder_is_a_usage_error(
    rich_outcome: GradeOutcome, rubric: Rubric, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")

    with pytest.raises(UsageError, match="Cannot write reports"):
        write_reports(rich_outcome, ["html"], blocker / "out", [Audience.REVIEWER], rubric=rubric)
