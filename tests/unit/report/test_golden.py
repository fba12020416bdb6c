"""Every report format, for each audience it is written for, against a golden file.

Volatile values (timestamps, durations, the grader version, temporary paths) are replaced
before comparing. Regenerate after an intended change with `UPDATE_GOLDEN=1 pytest ...` and
review the diff of tests/fixtures/golden/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from grader.pipeline import GradeOutcome
from grader.report.formats import FORMATS, Audience
from grader.report.terminal import render_terminal
from grader.rubric import Rubric

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
VOLATILE = (
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?"), "<TIME>"),
    (re.compile(r'time="[0-9.]+"'), 'time="<SECONDS>"'),
    (re.compile(r'"(duration_s|seconds|execution_time)": [0-9.]+'), r'"\1": <SECONDS>'),
    (re.compile(r"\b\d+(\.\d+)? s\b"), "<SECONDS> s"),
    (re.compile(r"/tmp/[^\s\"'<]+"), "<TMP>"),
)
CASES = [
    *(
        pytest.param(name, audience, id=f"{name}-{audience}")
        for name, fmt in FORMATS.items()
        for audience in sorted(fmt.audiences)
    ),
    *(pytest.param("terminal", audience, id=f"terminal-{audience}") for audience in Audience),
]


def normalize(text: str, version: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text.replace(version, "<VERSION>")


def rendered(name: str, audience: Audience, outcome: GradeOutcome, rubric: Rubric) -> str:
    if name == "terminal":
        return render_terminal(outcome, audience, rubric=rubric)
    return FORMATS[name].render(outcome, audience, rubric)


def golden_path(name: str, audience: Audience) -> Path:
    suffix = ".txt" if name == "terminal" else Path(FORMATS[name].filename).suffix
    return GOLDEN_DIR / f"{name}-{audience}{suffix}"


@pytest.mark.parametrize(("name", "audience"), CASES)
def test_report_matches_its_golden_file(
    rich_outcome: GradeOutcome, rubric: Rubric, name: str, audience: Audience
) -> None:
    text = normalize(
        rendered(name, audience, rich_outcome, rubric), rich_outcome.provenance.grader_version
    )
    path = golden_path(name, audience)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run the test with UPDATE_GOLDEN=1 and review it"

    assert text == path.read_text(encoding="utf-8")


def test_normalize_replaces_only_volatile_values() -> None:
    text = '"started_at": "2025-11-27T22:00:00+00:00", "seconds": 80.5, grader 0.1.0, 7 of 9'

    assert normalize(text, "0.1.0") == (
        '"started_at": "<TIME>", "seconds": <SECONDS>, grader <VERSION>, 7 of 9'
    )
