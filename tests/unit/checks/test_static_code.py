"""static_code: lint with the grader's rules, complexity and type hints, on small trees."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.checks import static_code
from grader.checks.base import MAX_FINDINGS, CheckContext
from grader.checks.static_code import (
    COMPLEXITY_CHECK,
    LINT_CHECK,
    TYPES_CHECK,
    cyclomatic_complexity,
    rule_weight,
)
from grader.model import CheckResult, Status
from grader.paths import EXERCISE_DIR, REFERENCE_DIR
from grader.rubric import Rubric
from grader.submission import Submission

EXERCISE_PYPROJECT = """\
[tool.ruff]
target-version = "py311"
line-length = 100

[tool.ruff.lint]
select = ["E", "W", "F", "I", "B", "S", "T20", "N", "PL"]
ignore = ["PLR2004", "S101"]

[tool.ruff.lint.per-file-ignores]
"tests/**" = ["S", "PLR"]
"""

# A candidate's attempt to switch the grader's lint off.
CANDIDATE_PYPROJECT = """\
[tool.ruff]
exclude = ["app"]
line-length = 10

[tool.ruff.lint]
select = []
ignore = ["ALL"]
"""

CLEAN_MODULE = '''\
"""Money helpers."""


def total(amounts: list[int]) -> int:
    """The sum of some amounts."""
    return sum(amounts)


class Ledger:
    """A tiny ledger."""

    def __init__(self) -> None:
        self.amounts: list[int] = []

    def add(self, amount: int) -> None:
        """Record one amount."""
        self.amounts.append(amount)
'''

SLOPPY_MODULE = """\
import os, sys
import json

def load(path, default = None):
    try:
        data = open(path).read()
    except:
        return default
    if data == None:
        return default
    return json.loads(data)

def check(x):
    if x == True:
        return 1
    return eval(x)
"""

TEST_MODULE = '''\
"""Tests of the money helpers."""

from app.money import total


def test_total() -> None:
    password = "hunter2"
    assert total([1, 2]) == 3, password
'''


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a small tree of files under root."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def make_rubric() -> Rubric:
    skill = {"title": "Code quality", "requirement": "Clean code.", "weight": 1}
    checks = [
        {"id": check_id, "skill": "code_quality", "points": points, "title": check_id}
        | {"hint": "Fix it.", "scoring": "fraction", "source": "static"}
        for check_id, points in ((LINT_CHECK, 3), (COMPLEXITY_CHECK, 2), (TYPES_CHECK, 1))
    ]
    return Rubric.model_validate(
        {"schema_version": 1, "skills": {"code_quality": skill}, "checks": checks}
    )


@pytest.fixture
def exercise(tmp_path: Path) -> Path:
    """An original exercise: the grader's ruff rules and a clean app."""
    return write(
        tmp_path / "exercise",
        {
            "pyproject.toml": EXERCISE_PYPROJECT,
            "app/__init__.py": '"""The app."""\n',
            "app/money.py": CLEAN_MODULE,
            "tests/test_money.py": TEST_MODULE,
        },
    )


@pytest.fixture
def submission(tmp_path: Path, exercise: Path) -> Path:
    """A submission starting as a copy of the exercise."""
    root = tmp_path / "submission"
    for path in sorted(exercise.rglob("*")):
        if path.is_file():
            write(root, {str(path.relative_to(exercise)): path.read_bytes()})
    return root


def grade(root: Path, exercise: Path, *, only: tuple[str, ...] = ()) -> dict[str, CheckResult]:
    submission = Submission(
        source=str(root),
        kind="dir",
        root=root,
        tree_hash="sha256:test",
        file_count=0,
        total_bytes=0,
        git=None,
        skipped=(),
    )
    context = CheckContext(
        rubric=make_rubric(), submission=submission, exercise=exercise, only=only
    )
    outcome = static_code.run(context)
    assert outcome.problems == ()
    return {result.id: result for result in outcome.checks}


def findings(result: CheckResult) -> list[dict[str, Any]]:
    return [e for e in result.evidence if e["kind"] == "finding"]


def rules(result: CheckResult) -> set[str]:
    return {f["rule"] for f in findings(result)}


# --------------------------------------------------------------------------- lint


def test_clean_tree_earns_every_check(submission: Path, exercise: Path) -> None:
    results = grade(submission, exercise)
    assert {r.id: (r.status, r.points) for r in results.values()} == {
        LINT_CHECK: (Status.PASSED, 3.0),
        COMPLEXITY_CHECK: (Status.PASSED, 2.0),
        TYPES_CHECK: (Status.PASSED, 1.0),
    }
    # per-file-ignores of the exercise apply: S105 in tests/ is not reported.
    assert findings(results[LINT_CHECK]) == []


def test_sloppy_module_earns_no_lint_points(submission: Path, exercise: Path) -> None:
    write(submission, {"app/loader.py": SLOPPY_MODULE})
    result = grade(submission, exercise)[LINT_CHECK]
    assert result.status is Status.FAILED
    assert result.points == 0.0
    assert {"F401", "E401", "E722", "E711", "E712", "S307", "I001"} <= rules(result)
    eval_finding = next(f for f in findings(result) if f["rule"] == "S307")
    assert eval_finding["path"] == "app/loader.py"
    assert (eval_finding["line"], eval_finding["severity"]) == (16, "error")
    assert next(f for f in findings(result) if f["rule"] == "E711")["severity"] == "warning"
    assert "weighted per 1,000 lines" in result.message


def test_a_few_findings_in_a_large_app_cost_part_of_the_points(
    submission: Path, exercise: Path
) -> None:
    padding = "\n".join(f"VALUE_{n} = {n}" for n in range(400))
    write(submission, {"app/big.py": f'"""Constants."""\n\nimport os\n\n{padding}\n'})
    result = grade(submission, exercise)[LINT_CHECK]
    # One F401 (weight 3) in 419 non-blank lines of Python (tests included): 7.2 per 1,000,
    # between the free 1.5 and the zero 15.
    assert rules(result) == {"F401"}
    assert result.status is Status.FAILED
    assert result.points == pytest.approx(3 * (15 - 3000 / 419) / 13.5, abs=1e-3)


def test_a_noqa_naming_the_rule_counts_a_quarter(submission: Path, exercise: Path) -> None:
    padding = "\n".join(f"VALUE_{n} = {n}" for n in range(400))
    imports = "import os  # noqa: F401 - re-exported\nimport sys  # noqa: E501, W291\n"
    write(submission, {"app/big.py": f'"""Constants."""\n\n{imports}\n{padding}\n'})
    result = grade(submission, exercise)[LINT_CHECK]
    assert [(f["line"], f["severity"], f["message"]) for f in findings(result)] == [
        (3, "note", "`os` imported but unused (silenced with noqa)"),
        (4, "error", "`sys` imported but unused"),
    ]
    # 3 * 0.25 + 3 in 420 non-blank lines.
    assert result.points == pytest.approx(3 * (15 - 3750 / 420) / 13.5, abs=1e-3)
    assert "1 silenced with a `noqa` naming the rule" in result.message


def test_candidate_configuration_and_noqa_do_not_change_the_lint(
    submission: Path, exercise: Path
) -> None:
    write(submission, {"app/loader.py": SLOPPY_MODULE})
    baseline = grade(submission, exercise)[LINT_CHECK]
    silenced = "".join(f"{line}  # noqa\n" if line else "\n" for line in SLOPPY_MODULE.splitlines())
    write(
        submission,
        {
            "app/loader.py": silenced,
            "pyproject.toml": CANDIDATE_PYPROJECT,
            "ruff.toml": '[lint]\nselect = []\nignore = ["ALL"]\n',
            "app/ruff.toml": 'line-length = 10\n[lint]\nignore = ["ALL"]\n',
            ".gitignore": "app/\n",
        },
    )
    result = grade(submission, exercise)[LINT_CHECK]
    assert (result.points, result.message) == (baseline.points, baseline.message)
    assert findings(result) == findings(baseline)


def test_unparsable_files_are_reported_and_the_rest_still_linted(
    submission: Path, exercise: Path
) -> None:
    write(
        submission,
        {
            "app/broken.py": "def broken(:\n    pass\n",
            "app/latin.py": b"NAME = '\xe9t\xe9'\n",
            "app/nul.py": b"x = 1\0\n",
            "app/loader.py": "import os\n",
            "app/logo.png": b"\x89PNG\r\n\x1a\n\0\0",
        },
    )
    results = grade(submission, exercise)
    lint = results[LINT_CHECK]
    unparsable = {f["path"]: f for f in findings(lint) if f["rule"] == "unparsable-file"}
    assert set(unparsable) == {"app/broken.py", "app/latin.py", "app/nul.py"}
    assert unparsable["app/broken.py"]["line"] == 1
    assert "UTF-8" in unparsable["app/latin.py"]["message"]
    assert "F401" in rules(lint)
    # Four weight-3 findings in ~22 lines: far past the zero point.
    assert lint.points == 0.0
    assert results[COMPLEXITY_CHECK].points == 2.0
    assert results[TYPES_CHECK].points == 1.0
    assert "unparsable-file" in rules(results[TYPES_CHECK])


def test_findings_are_capped_with_a_note(submission: Path, exercise: Path) -> None:
    write(submission, {"app/imports.py": "".join(f"import m{n}\n" for n in range(60))})
    result = grade(submission, exercise)[LINT_CHECK]
    assert len(findings(result)) == MAX_FINDINGS
    notes = [e["text"] for e in result.evidence if e["kind"] == "text"]
    assert any("10 more findings" in note for note in notes)


def test_tooling_folders_are_not_linted(submission: Path, exercise: Path) -> None:
    write(
        submission,
        {
            ".venv/lib/site.py": SLOPPY_MODULE,
            "env/pyvenv.cfg": "home = /usr\n",
            "env/lib/x.py": SLOPPY_MODULE,
            "node_modules/x.py": SLOPPY_MODULE,
            "build/lib/x.py": SLOPPY_MODULE,
        },
    )
    result = grade(submission, exercise)[LINT_CHECK]
    assert (result.status, findings(result)) == (Status.PASSED, [])


def test_missing_ruff_is_a_grader_problem(
    submission: Path, exercise: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "nowhere" / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    context = CheckContext(
        rubric=make_rubric(),
        submission=Submission(str(submission), "dir", submission, "", 0, 0, None, ()),
        exercise=exercise,
        only=(LINT_CHECK,),
    )
    outcome = static_code.run(context)
    assert [(r.id, r.status) for r in outcome.checks] == [(LINT_CHECK, Status.ERROR)]
    assert len(outcome.problems) == 1
    assert "ruff is not installed" in outcome.problems[0]


def test_no_application_code_fails_every_check(submission: Path, exercise: Path) -> None:
    (submission / "app" / "money.py").unlink()
    (submission / "app" / "__init__.py").unlink()
    results = grade(submission, exercise)
    for result in results.values():
        assert (result.status, result.points) == (Status.FAILED, 0.0)
        assert "No Python application code" in result.message


def test_only_selects_checks(submission: Path, exercise: Path) -> None:
    assert list(grade(submission, exercise, only=(TYPES_CHECK,))) == [TYPES_CHECK]


@pytest.mark.parametrize(
    ("code", "weight"),
    [
        ("F401", 3.0),
        ("S104", 3.0),
        ("SIM115", 1.0),
        ("E501", 0.5),
        ("E711", 1.0),
        ("E999", 3.0),
        ("PLE1142", 3.0),
        ("PLR0912", 1.0),
        ("I001", 0.5),
        ("W291", 0.5),
        ("N802", 1.0),
    ],
)
def test_rule_weights_follow_the_family(code: str, weight: float) -> None:
    assert rule_weight(code) == weight


# --------------------------------------------------------------------------- complexity

BRANCHY = """\
def route(kind, value, items):
    if kind == "a" and value:                   # if +1, and +1
        return 1
    elif kind == "b" or kind == "c" or value:   # elif +1, or +2
        return 2
    for item in items:                          # +1
        while item:                             # +1
            item -= 1
    try:
        pass
    except ValueError:                          # +1
        pass
    except KeyError:                            # +1
        pass
    evens = [i for i in items if i % 2 if i]    # two comprehension ifs +2
    match kind:
        case "x":                               # +1
            pass
        case _:                                 # wildcard: +0
            pass
    with open("f") as handle:                   # with: +0
        assert handle                           # assert: +0

    def inner(x):                               # nested: measured on its own
        if x:
            return x
    return 3 if evens else 4                    # +1
"""


def test_cyclomatic_complexity_counts_the_documented_decisions() -> None:
    function = ast.parse(BRANCHY).body[0]
    assert isinstance(function, ast.FunctionDef)
    assert cyclomatic_complexity(function) == 14
    inner = function.body[-2]
    assert isinstance(inner, ast.FunctionDef)
    assert cyclomatic_complexity(inner) == 2


def branchy(name: str, branches: int) -> str:
    body = "".join(f"    if x == {n}:\n        return {n}\n" for n in range(branches))
    return f'def {name}(x: int) -> int:\n    """Branches."""\n{body}    return -1\n'


def test_each_complex_function_costs_a_third(submission: Path, exercise: Path) -> None:
    write(
        submission,
        {
            "app/rules.py": branchy("fine", 9) + "\n\n" + branchy("tangled", 10),
            "tests/test_rules.py": branchy("test_huge", 30),
        },
    )
    result = grade(submission, exercise)[COMPLEXITY_CHECK]
    assert result.status is Status.FAILED
    assert result.points == pytest.approx(2 * 2 / 3, abs=1e-3)
    assert [(f["path"], f["rule"]) for f in findings(result)] == [("app/rules.py", "complexity")]
    assert "tangled has cyclomatic complexity 11" in findings(result)[0]["message"]


def test_complex_functions_shipped_with_the_exercise_are_not_charged(
    submission: Path, exercise: Path
) -> None:
    write(exercise, {"scripts/tool.py": branchy("shipped", 12)})
    write(submission, {"scripts/tool.py": branchy("shipped", 12)})
    result = grade(submission, exercise)[COMPLEXITY_CHECK]
    assert (result.status, result.points) == (Status.PASSED, 2.0)
    assert "not counted" in findings(result)[0]["message"]
    write(submission, {"scripts/tool.py": branchy("shipped", 14)})
    assert grade(submission, exercise)[COMPLEXITY_CHECK].status is Status.FAILED


def test_many_complex_functions_floor_at_zero(submission: Path, exercise: Path) -> None:
    module = "\n\n".join(branchy(f"f{n}", 12) for n in range(5))
    write(submission, {"app/rules.py": module})
    assert grade(submission, exercise)[COMPLEXITY_CHECK].points == 0.0


# --------------------------------------------------------------------------- types

PARTLY_TYPED = '''\
"""Some typed, some not."""


def typed_one(a: int, *args: int, key: str = "", **kw: int) -> int:
    return a


def typed_two() -> None:
    pass


def no_return(a: int):
    return a


def untyped_param(a, b: int) -> int:
    return b


def _private(a, b):
    return a


class Service:
    def method(self, a: int) -> int:
        return a

    @classmethod
    def build(cls) -> "Service":
        return cls()

    def sloppy(self, a):
        return a

    def _hidden(self, a):
        return a


class _Internal:
    def public_name(self, a):
        return a


def outer(a: int) -> int:
    def helper(b):
        return b

    return helper(a)
'''


def test_type_hint_share_is_linear_between_40_and_90_percent(
    submission: Path, exercise: Path
) -> None:
    (submission / "app" / "money.py").unlink()
    write(submission, {"app/partly.py": PARTLY_TYPED})
    result = grade(submission, exercise)[TYPES_CHECK]
    # Public: typed_one, typed_two, no_return, untyped_param, Service.method, Service.build,
    # Service.sloppy, outer: 5 of 8 typed = 62.5%, (0.625 - 0.4) / 0.5 = 0.45.
    assert result.status is Status.FAILED
    assert result.points == pytest.approx(0.45)
    assert sorted(f["message"] for f in findings(result)) == [
        "Service.sloppy: no annotation on a, return",
        "no_return: no annotation on return",
        "untyped_param: no annotation on a",
    ]


def test_no_public_function_passes_types(submission: Path, exercise: Path) -> None:
    write(submission, {"app/money.py": "def _hidden(a):\n    return a\n"})
    result = grade(submission, exercise)[TYPES_CHECK]
    assert (result.status, result.points) == (Status.PASSED, 1.0)


# --------------------------------------------------------------------------- the real trees


def test_reference_and_starter_earn_full_static_code_points() -> None:
    for root in (REFERENCE_DIR, EXERCISE_DIR):
        results = grade(root, EXERCISE_DIR)
        assert {r.id: r.points for r in results.values()} == {
            LINT_CHECK: 3.0,
            COMPLEXITY_CHECK: 2.0,
            TYPES_CHECK: 1.0,
        }, root
