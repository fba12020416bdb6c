"""The candidate-tests stage: hostile result files, changed lines, scoring, assertion counting."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from grader.checks.base import CheckContext
from grader.checks.candidate_tests import (
    COVERAGE_CHECK,
    MAX_DIFF_LINES,
    MEANINGFUL_CHECK,
    PASSING_CHECK,
    ChangedLines,
    FileLines,
    UnreadableReport,
    changed_lines,
    coverage_share,
    inserted_or_replaced,
    inventory_tests,
    measure_changes,
    needs_run,
    outcome,
    parse_coverage,
    parse_junit,
)
from grader.checks.candidate_tests import (
    run as run_stage,
)
from grader.model import CheckResult, Status
from grader.paths import EXERCISE_DIR, RUBRIC_PATH
from grader.rubric import Rubric, load_rubric
from grader.sandbox.base import MAX_RESULT_FILE_BYTES, Limits, Sandbox, TestsRun, sandbox_failure
from grader.sandbox.docker import candidate_options, candidate_tests_options
from grader.submission import Submission

# What pytest 9 writes, abridged: one test of each outcome, in a module and a class.
JUNIT = b"""<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite
 name="pytest" errors="1" failures="1" skipped="2" tests="6" time="0.054">
<testcase classname="tests.test_a" name="test_ok" time="0.000" />
<testcase classname="tests.test_a" name="test_fail" time="0.001"><failure
 message="assert 1 == 2">E   assert 1 == 2</failure></testcase>
<testcase classname="tests.test_a" name="test_err" time="0.000"><error
 message="failed on setup with &quot;RuntimeError: x&quot;">E   RuntimeError: x</error></testcase>
<testcase classname="tests.test_a" name="test_skip" time="0.000"><skipped type="pytest.skip"
 message="no">tests/test_a.py:7: no</skipped></testcase>
<testcase classname="tests.test_a" name="test_xf" time="0.000"><skipped type="pytest.xfail"
 message="" /></testcase>
<testcase classname="tests.test_a.TestK" name="test_m" time="0.000" />
</testsuite></testsuites>"""

COLLECTION_FAILED = b"""<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest"
 errors="1" failures="0" skipped="0" tests="1"><testcase classname="" name="tests.test_b"
 time="0.000"><error message="collection failure">ImportError while importing test module
</error></testcase></testsuite></testsuites>"""

ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<testsuites><testsuite><testcase name="&lol3;"/></testsuite></testsuites>"""


def junit_of(*cases: str, suite_attrs: str = "") -> bytes:
    body = "".join(cases)
    return f"<testsuites><testsuite {suite_attrs}>{body}</testsuite></testsuites>".encode()


def passing_cases(count: int) -> list[str]:
    return [f'<testcase classname="tests.test_x" name="test_{i}"/>' for i in range(count)]


def coverage_of(totals: Any, files: Any = None) -> bytes:
    return json.dumps({"meta": {"format": 3}, "totals": totals, "files": files or {}}).encode()


def summary(covered_branches: int, branches: int, *, covered: int = 8, statements: int = 10) -> Any:
    return {
        "covered_lines": covered,
        "num_statements": statements,
        "covered_branches": covered_branches,
        "num_branches": branches,
        "excluded_lines": 0,
    }


def lines_entry(
    executed: Sequence[int], missing: Sequence[int] = (), excluded: Sequence[int] = ()
) -> Any:
    """A file's entry as coverage.py writes it: line numbers plus their summary."""
    counts = summary(0, 0, covered=len(executed), statements=len(executed) + len(missing))
    return {
        "executed_lines": list(executed),
        "missing_lines": list(missing),
        "excluded_lines": list(excluded),
        "summary": counts,
    }


# --------------------------------------------------------------------------- JUnit


def test_junit_counts_each_test_case_by_outcome() -> None:
    report = parse_junit(JUNIT)
    assert (report.passed, report.failed, report.errors, report.skipped) == (2, 1, 1, 2)
    assert report.executed == 4
    assert not report.collection_failed
    assert report.failing == (
        "tests.test_a::test_fail (failure: assert 1 == 2)",
        'tests.test_a::test_err (error: failed on setup with "RuntimeError: x")',
    )


def test_junit_collection_failure_is_recognised() -> None:
    report = parse_junit(COLLECTION_FAILED)
    assert report.collection_errors == 1
    assert report.collection_failed
    assert report.failing == ("tests.test_b (could not be collected)",)


def test_junit_a_failure_in_the_call_outranks_an_error_in_teardown() -> None:
    case = '<testcase name="test_t"><failure message="boom"/><error message="teardown"/></testcase>'
    report = parse_junit(junit_of(case))
    assert (report.failed, report.errors) == (1, 0)


def test_junit_declared_totals_are_ignored_even_absurd_ones() -> None:
    attrs = 'tests="99999999999999999999999" failures="-5" errors="NaN" skipped="1e308"'
    report = parse_junit(junit_of(*passing_cases(3), suite_attrs=attrs))
    assert (report.passed, report.failed, report.errors, report.skipped) == (3, 0, 0, 0)


def test_junit_missing_attributes_are_tolerated() -> None:
    report = parse_junit(junit_of("<testcase/>", "<testcase><failure/></testcase>"))
    assert (report.passed, report.failed) == (1, 1)
    assert report.failing == ("? (failure)",)


def test_junit_failing_names_are_capped_and_bounded() -> None:
    long_name = "x" * 5000
    cases = [
        f'<testcase name="{long_name}{i}"><failure message="m"/></testcase>' for i in range(50)
    ]
    report = parse_junit(junit_of(*cases))
    assert report.failed == 50
    assert len(report.failing) == 20
    assert all(len(name) < 500 for name in report.failing)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (ENTITY_BOMB, "DOCTYPE or ENTITY"),
        (ENTITY_BOMB.replace(b"DOCTYPE", b"doctype"), "DOCTYPE or ENTITY"),
        (b'<!ENTITY x SYSTEM "file:///etc/passwd"><testsuites/>', "DOCTYPE or ENTITY"),
        (b"<testsuites><testsuite><testcase name='a'>", "not well-formed"),
        (b"\x00\xff\xfe binary", "not valid UTF-8"),
        ('<?xml version="1.0" encoding="utf-16"?><testsuites/>'.encode("utf-16"), "UTF-8"),
        (b"not xml at all", "not well-formed"),
        (b"", "not well-formed"),
        (b"<a>" + b" " * (MAX_RESULT_FILE_BYTES + 1) + b"</a>", "larger than 5 MiB"),
    ],
    ids=[
        "entity-bomb",
        "lowercase-doctype",
        "external-entity",
        "truncated",
        "binary",
        "utf-16",
        "text",
        "empty",
        "huge",
    ],
)
def test_junit_hostile_or_broken_reports_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableReport, match=reason):
        parse_junit(data)


# --------------------------------------------------------------------------- coverage JSON


def test_coverage_reads_totals_and_only_files_under_app() -> None:
    files = {
        "app/main.py": {"summary": summary(3, 4)},
        "app\\routes\\accounts.py": {"summary": summary(1, 2)},
        "tests/test_main.py": {"summary": summary(1, 1)},
        "/etc/app/x.py": {"summary": summary(1, 1)},
        "app/../secrets.py": {"summary": summary(1, 1)},
        "app/bad.py": {"summary": {"covered_branches": "lots"}},
        "app/list.py": ["not", "a", "dict"],
    }
    report = parse_coverage(coverage_of(summary(4, 6), files))
    assert report.totals.percent == pytest.approx(100 * 4 / 6)
    assert report.totals.measure == "4 of 6 branches"
    assert [path for path, _ in report.files] == ["app/main.py", "app/routes/accounts.py"]


def test_coverage_without_branches_falls_back_to_statements() -> None:
    report = parse_coverage(coverage_of(summary(0, 0, covered=9, statements=12)))
    assert report.totals.percent == pytest.approx(75.0)
    assert report.totals.measure == "9 of 12 statements"
    empty = parse_coverage(coverage_of(summary(0, 0, covered=0, statements=0)))
    assert empty.totals.percent is None


@pytest.mark.parametrize(
    "totals",
    [
        None,
        ["covered_branches", 1],
        {"covered_branches": "10", "num_branches": "10"},
        {"covered_branches": 1.5, "num_branches": 2},
        {"covered_branches": True, "num_branches": True},
        {"covered_branches": -1, "num_branches": 10},
        {"covered_branches": 11, "num_branches": 10},
        {"covered_branches": 10**30, "num_branches": 10**30},
        {"covered_lines": 5, "num_statements": 4},
    ],
    ids=["missing", "list", "strings", "float", "bool", "negative", "over", "absurd", "lines"],
)
def test_coverage_with_implausible_totals_is_refused(totals: Any) -> None:
    with pytest.raises(UnreadableReport, match="totals"):
        parse_coverage(coverage_of(totals))


@pytest.mark.parametrize(
    "data",
    [b"{", b"[1, 2]", b"\xff\xfe", b"[" * 100_000, b"x" * (MAX_RESULT_FILE_BYTES + 1)],
    ids=["truncated", "not-an-object", "binary", "deep", "huge"],
)
def test_coverage_unreadable_documents_are_refused(data: bytes) -> None:
    with pytest.raises(UnreadableReport):
        parse_coverage(data)


def test_coverage_keeps_each_app_files_line_numbers() -> None:
    files = {
        "app/fees.py": lines_entry([1, 2, 5], [7], excluded=[9]),
        "app/main.py": {"executed_lines": [1], "missing_lines": []},
        "tests/test_fees.py": lines_entry([1], [2]),
    }
    report = parse_coverage(coverage_of(summary(4, 6), files))
    assert report.lines == (
        ("app/fees.py", FileLines(frozenset({1, 2, 5}), frozenset({7}), frozenset({9}))),
        ("app/main.py", FileLines(frozenset({1}), frozenset())),
    )
    assert report.lines[0][1].statements == {1, 2, 5, 7}
    assert report.ignored == ()


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("app/x.py", "its entry is not a JSON object"),
        ({"executed_lines": "1,2", "missing_lines": []}, "executed_lines is not a list"),
        ({"executed_lines": [1, "2"], "missing_lines": []}, "executed_lines is not a list"),
        ({"executed_lines": [True], "missing_lines": []}, "executed_lines is not a list"),
        ({"executed_lines": [1.0], "missing_lines": []}, "executed_lines is not a list"),
        ({"executed_lines": [[1]], "missing_lines": []}, "executed_lines is not a list"),
        ({"executed_lines": [0], "missing_lines": []}, "executed_lines is not a list"),
        ({"executed_lines": [-3], "missing_lines": []}, "executed_lines is not a list"),
        ({"executed_lines": [10**30], "missing_lines": []}, "executed_lines is not a list"),
        ({"executed_lines": [1]}, "missing_lines is not a list"),
        ({"executed_lines": [1], "missing_lines": None}, "missing_lines is not a list"),
        ({"executed_lines": [1], "missing_lines": [], "excluded_lines": {}}, "excluded_lines"),
        ({"executed_lines": [1, 2], "missing_lines": [2]}, "both executed and missing"),
    ],
    ids=[
        "not-an-object",
        "string",
        "string-item",
        "bool",
        "float",
        "nested",
        "zero",
        "negative",
        "absurd",
        "missing-key",
        "null",
        "excluded-dict",
        "overlap",
    ],
)
def test_coverage_line_numbers_that_cannot_be_trusted_ignore_the_file(
    entry: Any, reason: str
) -> None:
    report = parse_coverage(coverage_of(summary(4, 6), {"app/x.py": entry}))
    assert report.lines == ()
    assert [path for path, _ in report.ignored] == ["app/x.py"]
    assert reason in report.ignored[0][1]


@pytest.mark.parametrize(
    ("percent", "share"),
    [(0.0, 0.0), (70.0, 0.0), (82.5, 0.5), (95.0, 1.0), (100.0, 1.0)],
)
def test_coverage_share_is_linear_from_70_to_95_percent(percent: float, share: float) -> None:
    assert coverage_share(percent) == pytest.approx(share)


# --------------------------------------------------------------------------- changed lines

EXERCISE_FEES = """\
    \"\"\"Fees.\"\"\"


    def fee(amount):
        return amount // 100


    def rate():
        return 1
"""

CANDIDATE_FEES = """\
    \"\"\"Fees.\"\"\"


    def fee(amount, *, percent=1):
        if amount < 0:
            raise ValueError("negative")
        return amount * percent // 100


    def rate():
        return 1
"""

# The candidate's fees.py as coverage.py reports it: its statements, line 6 and 11 never run.
CANDIDATE_FEES_LINES = lines_entry([1, 4, 5, 7, 10], [6, 11])
MAIN = "from app.fees import fee\n\nPRICE = fee(100)\n"
LIMITS = "LIMIT = 10\n\n\ndef over(amount):\n    return amount > LIMIT\n"


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    """An exercise and a submission: fees.py modified, main.py untouched, limits.py new,
    old.py deleted, plus a file that is not Python."""
    exercise, submission = tmp_path / "exercise", tmp_path / "submission"
    for root in (exercise, submission):
        write(root, "app/__init__.py", "")
        write(root, "app/main.py", MAIN)
    write(exercise, "app/fees.py", EXERCISE_FEES)
    write(exercise, "app/old.py", "def gone():\n    return 0\n")
    write(submission, "app/fees.py", CANDIDATE_FEES)
    write(submission, "app/limits.py", LIMITS)
    write(submission, "app/data.json", "{}\n")
    return exercise, submission


def test_only_inserted_or_replaced_lines_are_changed() -> None:
    old = ["a", "b", "c", "d"]
    assert inserted_or_replaced(old, ["a", "x", "c", "d", "e"]) == {2, 5}
    assert inserted_or_replaced(old, ["a", "d"]) == frozenset()
    assert inserted_or_replaced([], ["a", "b"]) == {1, 2}
    assert inserted_or_replaced(old, old) == frozenset()


def test_changed_lines_new_modified_untouched_and_deleted_files(trees: tuple[Path, Path]) -> None:
    exercise, submission = trees
    changes = changed_lines(submission, exercise)
    assert changes.files == (
        ("app/fees.py", frozenset({4, 5, 6, 7})),
        ("app/limits.py", frozenset({1, 2, 3, 4, 5})),
    )
    assert changes.unreadable == ()


def test_changed_lines_are_numbered_as_python_numbers_them(tmp_path: Path) -> None:
    exercise, submission = tmp_path / "exercise", tmp_path / "submission"
    write(exercise, "app/text.py", "a = 1\nb = '\u2028\x0c'\nc = 2\n")
    (submission / "app").mkdir(parents=True)
    (submission / "app" / "text.py").write_bytes(
        "\ufeffa = 1\r\nb = '\u2028\x0c'\rc = 3\r\n".encode()
    )
    (submission / "app" / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    changes = changed_lines(submission, exercise)
    assert changes.files == (
        ("app/latin.py", frozenset({1, 2})),
        ("app/text.py", frozenset({3})),
    )


def test_unreadable_application_files_are_reported_not_raised(tmp_path: Path) -> None:
    app = tmp_path / "submission" / "app"
    app.mkdir(parents=True)
    (app / "binary.py").write_bytes(b"\x00\xff\xfe\x80 = 1\n")
    (app / "huge.py").write_bytes(b"#" * (2 * 1024 * 1024))
    (app / "klingon.py").write_bytes(b"# coding: klingon\nx = 1\n")
    (app / "link.py").symlink_to(app / "klingon.py")
    changes = changed_lines(tmp_path / "submission", tmp_path / "exercise")
    assert changes.files == ()
    reasons = dict(changes.unreadable)
    assert sorted(reasons) == ["app/binary.py", "app/huge.py", "app/klingon.py"]
    assert reasons["app/huge.py"] == "larger than 1024 KiB"
    assert reasons["app/klingon.py"] == "cannot be decoded: unknown encoding: klingon"
    assert reasons["app/binary.py"].startswith("cannot be decoded: ")


def test_a_file_too_long_to_diff_is_changed_throughout(tmp_path: Path) -> None:
    source = "".join(f"x{i} = {i}\n" for i in range(MAX_DIFF_LINES))
    write(tmp_path / "exercise", "app/big.py", source)
    write(tmp_path / "submission", "app/big.py", source + "extra = 1\n")
    changes = changed_lines(tmp_path / "submission", tmp_path / "exercise")
    assert changes.files == (("app/big.py", frozenset(range(1, MAX_DIFF_LINES + 2))),)


def test_only_changed_executable_lines_are_measured() -> None:
    changes = ChangedLines(
        files=(
            ("app/fees.py", frozenset({4, 5, 6, 7})),
            ("app/gone.py", frozenset({1})),
            ("app/notes.py", frozenset({1, 2})),
            ("app/pragmas.py", frozenset({3})),
            ("app/tampered.py", frozenset({1})),
        ),
        unreadable=(("app/binary.py", "cannot be decoded (UnicodeDecodeError)"),),
    )
    files = {
        "app/fees.py": CANDIDATE_FEES_LINES,
        "app/notes.py": lines_entry([5]),
        "app/pragmas.py": lines_entry([1], excluded=[3]),
        "app/tampered.py": lines_entry([1], [1]),
    }
    measured = measure_changes(changes, parse_coverage(coverage_of(summary(4, 6), files)))
    assert [(f.path, f.statements, f.covered, f.excluded) for f in measured.files] == [
        ("app/fees.py", 4, 3, 0),
        ("app/pragmas.py", 0, 0, 1),
    ]
    assert (measured.statements, measured.covered) == (4, 3)
    assert measured.files[0].uncovered == ((6, 6),)
    assert measured.unmeasured == (
        ("app/binary.py", "not compared, cannot be decoded (UnicodeDecodeError)"),
        ("app/gone.py", "coverage reports nothing about it (never imported?)"),
        ("app/tampered.py", "some lines are listed as both executed and missing"),
    )


def test_uncovered_ranges_span_lines_that_are_not_statements() -> None:
    changes = ChangedLines(files=(("app/x.py", frozenset(range(1, 30))),))
    entry = lines_entry([1, 13, 20], [10, 12, 15, 16, 25])
    report = parse_coverage(coverage_of(summary(4, 6), {"app/x.py": entry}))
    assert measure_changes(changes, report).files[0].uncovered == ((10, 12), (15, 16), (25, 25))


# --------------------------------------------------------------------------- assertions (ast)


def write(root: Path, rel: str, source: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")


ASSERTING_STYLES = """
    import pytest

    def expect_created(response):
        assert response == 201

    def created_twice(response):
        expect_created(response)
        expect_created(response)

    def test_plain_assert():
        assert 1 + 1 == 2

    def test_raises():
        with pytest.raises(ValueError):
            int("x")

    def test_warns_call_form():
        pytest.warns(UserWarning, lambda: None)

    def test_named_checker(api):
        api.check_problem(404)

    def test_schemathesis(case):
        case.call_and_validate(base_url="http://127.0.0.1")

    def test_helper_of_helper():
        created_twice(201)

    async def test_async():
        assert True

    class TestUnittestStyle:
        def test_method(self):
            self.assertEqual(1, 1)
"""

NOT_ASSERTING = """
    def log(value):
        print(value)

    def test_calls_only():
        log(1)

    def test_checkout_is_not_a_check(cart):
        cart.checkout()
        expected_total = 3

    def test_empty():
        pass

    class TestThings:
        def test_method(self):
            log(self)

        def helper(self):
            assert False
"""


def test_every_checking_style_counts(tmp_path: Path) -> None:
    write(tmp_path, "tests/test_styles.py", ASSERTING_STYLES)
    inventory = inventory_tests(tmp_path)
    assert len(inventory.tests) == 8
    assert [t.name for t in inventory.tests if not t.asserts] == []


def test_tests_that_check_nothing_are_named(tmp_path: Path) -> None:
    write(tmp_path, "tests/test_empty.py", NOT_ASSERTING)
    inventory = inventory_tests(tmp_path)
    assert [(t.name, t.line, t.asserts) for t in inventory.tests] == [
        ("test_calls_only", 5, False),
        ("test_checkout_is_not_a_check", 8, False),
        ("test_empty", 12, False),
        ("TestThings.test_method", 16, False),
    ]


def test_test_files_are_found_where_pytest_would_look(tmp_path: Path) -> None:
    write(tmp_path, "test_root.py", "def test_a():\n    assert 1\n")
    write(tmp_path, "pkg/check_test.py", "def test_b():\n    assert 1\n")
    write(tmp_path, "helpers.py", "def test_not_a_test_file():\n    pass\n")
    write(tmp_path, ".venv/lib/test_vendored.py", "def test_c():\n    pass\n")
    write(tmp_path, "node_modules/x/test_js.py", "def test_d():\n    pass\n")
    found = {(t.path, t.name) for t in inventory_tests(tmp_path).tests}
    assert found == {("test_root.py", "test_a"), ("pkg/check_test.py", "test_b")}
    write(tmp_path, "tests/test_only_here.py", "def test_e():\n    assert 1\n")
    assert {t.path for t in inventory_tests(tmp_path).tests} == {"tests/test_only_here.py"}


def test_unreadable_test_files_are_reported_not_raised(tmp_path: Path) -> None:
    write(tmp_path, "tests/test_syntax.py", "def test_x(:\n")
    (tmp_path / "tests" / "test_binary.py").write_bytes(b"\xff\xfe\x00def test_y(): pass")
    (tmp_path / "tests" / "test_huge.py").write_bytes(b"#" * (2 * 1024 * 1024))
    write(tmp_path, "tests/test_deep.py", "x = " + "(" * 5000 + ")" * 5000 + "\n")
    inventory = inventory_tests(tmp_path)
    assert inventory.tests == ()
    reasons = dict(inventory.unreadable)
    assert reasons["tests/test_syntax.py"].startswith("syntax error on line 1")
    assert reasons["tests/test_binary.py"] == "not valid UTF-8 (byte 0)"
    assert reasons["tests/test_huge.py"] == "larger than 1024 KiB"
    assert "tests/test_deep.py" in reasons


# --------------------------------------------------------------------------- the stage


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric(RUBRIC_PATH)


def context_for(
    rubric: Rubric, root: Path, *, only: tuple[str, ...] = (), exercise: Path = EXERCISE_DIR
) -> CheckContext:
    submission = Submission(
        source=str(root),
        kind="directory",
        root=root,
        tree_hash="0" * 64,
        file_count=1,
        total_bytes=1,
        git=None,
        skipped=(),
    )
    return CheckContext(rubric=rubric, submission=submission, exercise=exercise, only=only)


def run_of(
    junit: bytes | None,
    coverage: bytes | None = None,
    *,
    exit_code: int | None = 0,
    timed_out: bool = False,
) -> TestsRun:
    return TestsRun(
        exit_code=exit_code,
        timed_out=timed_out,
        duration_s=12.5,
        output_tail="....F\n1 failed, 4 passed",
        junit_xml=junit,
        coverage_json=coverage,
        budget_s=180.0,
    )


def results(
    rubric: Rubric, root: Path, run: TestsRun, *, exercise: Path = EXERCISE_DIR
) -> dict[str, CheckResult]:
    return {c.id: c for c in outcome(context_for(rubric, root, exercise=exercise), run).checks}


def evidence_texts(check: CheckResult) -> dict[str, str]:
    return {str(e["title"]): str(e["text"]) for e in check.evidence if e["kind"] == "text"}


def test_a_green_well_covered_suite_earns_everything(rubric: Rubric, tmp_path: Path) -> None:
    write(tmp_path, "tests/test_ok.py", "def test_ok():\n    assert True\n")
    write(tmp_path, "app/limits.py", LIMITS)
    limits = lines_entry([1, 4, 5])
    run = run_of(
        junit_of(*passing_cases(5)), coverage_of(summary(90, 100), {"app/limits.py": limits})
    )
    checks = results(rubric, tmp_path, run)
    assert {cid: c.status for cid, c in checks.items()} == {
        PASSING_CHECK: Status.PASSED,
        COVERAGE_CHECK: Status.PASSED,
        MEANINGFUL_CHECK: Status.PASSED,
    }
    assert checks[PASSING_CHECK].message == "5 of 5 tests passed."
    assert checks[PASSING_CHECK].duration_s == 12.5
    assert checks[COVERAGE_CHECK].message == (
        "Coverage of the lines you changed in app/: 100.0% (3 of 3); "
        "whole app/ branch coverage 90.0%."
    )


def test_partial_results_earn_their_share(rubric: Rubric, tmp_path: Path) -> None:
    write(tmp_path, "tests/test_mixed.py", NOT_ASSERTING + ASSERTING_STYLES)
    write(tmp_path, "app/rates.py", "".join(f"RATE_{i} = {i}\n" for i in range(1, 11)))
    rates = lines_entry([1, 2, 3, 4, 5, 6, 7, 8], [9, 10])
    run = run_of(JUNIT, coverage_of(summary(57, 100), {"app/rates.py": rates}), exit_code=1)
    checks = results(rubric, tmp_path, run)
    passing = checks[PASSING_CHECK]
    assert passing.points == pytest.approx(passing.max_points * 2 / 4)
    assert passing.message == "2 of 4 tests passed (2 skipped); 1 failed, 1 errored."
    titles = [e.get("title") for e in passing.evidence]
    assert titles == ["The candidate's test run", "Failing tests", "End of the test run's output"]
    coverage = checks[COVERAGE_CHECK]
    assert coverage.points == pytest.approx(coverage.max_points * 10 / 25, abs=1e-3)
    meaningful = checks[MEANINGFUL_CHECK]
    assert meaningful.message == "8 of 12 test functions check an outcome."
    flagged = [e["message"] for e in meaningful.evidence if e["kind"] == "finding"]
    assert "test_empty checks no outcome (no assert)" in flagged


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        (
            run_of(None, exit_code=None, timed_out=True),
            "the test suite did not finish within 180 s",
        ),
        (run_of(None, exit_code=4), "the test run left no JUnit report (pytest exit code 4)"),
        (run_of(ENTITY_BOMB), "the JUnit report could not be read"),
        (run_of(COLLECTION_FAILED, exit_code=2), "test collection failed (1 module(s)"),
        (run_of(junit_of('<testcase><skipped message="later"/></testcase>')), "all 1 were skipped"),
        (run_of(junit_of(), exit_code=5), "pytest collected no tests"),
    ],
    ids=["timed-out", "no-report", "hostile-report", "collection", "all-skipped", "no-tests"],
)
def test_a_suite_that_did_not_run_scores_nothing(
    rubric: Rubric, tmp_path: Path, run: TestsRun, reason: str
) -> None:
    checks = results(rubric, tmp_path, run)
    assert checks[PASSING_CHECK].points == 0.0
    assert checks[PASSING_CHECK].message.startswith("Not scored: ")
    assert reason in checks[PASSING_CHECK].message
    assert checks[COVERAGE_CHECK].points == 0.0
    assert checks[COVERAGE_CHECK].message.startswith("Not measured: ")


@pytest.mark.parametrize(
    ("coverage", "reason"),
    [
        (None, "the test run left no coverage report"),
        (b"[]", "the coverage report could not be read: not a JSON object"),
        (coverage_of(summary(0, 0, covered=0, statements=0)), "no code under app/ was measured"),
    ],
)
def test_coverage_that_cannot_be_measured_scores_nothing(
    rubric: Rubric, tmp_path: Path, coverage: bytes | None, reason: str
) -> None:
    checks = results(rubric, tmp_path, run_of(junit_of(*passing_cases(2)), coverage))
    assert checks[COVERAGE_CHECK].points == 0.0
    assert checks[COVERAGE_CHECK].message == f"Not measured: {reason}."
    assert checks[PASSING_CHECK].status is Status.PASSED


def test_an_untouched_starter_fails_coverage_however_well_it_is_tested(
    rubric: Rubric, trees: tuple[Path, Path]
) -> None:
    exercise, _ = trees
    files = {"app/fees.py": lines_entry([1, 4, 5, 8, 9]), "app/main.py": lines_entry([1, 3])}
    run = run_of(junit_of(*passing_cases(3)), coverage_of(summary(10, 10), files))
    coverage = results(rubric, exercise, run, exercise=exercise)[COVERAGE_CHECK]
    assert coverage.status is Status.FAILED
    assert coverage.points == 0.0
    assert coverage.message == "No application code changed: nothing of yours to cover."
    texts = evidence_texts(coverage)
    assert texts["Coverage of the changed lines per file"] == (
        "No Python file under app/ differs from the exercise."
    )
    assert texts["Coverage of the whole of app/ per file"].startswith("total: 10/10 branches")


def test_the_changed_lines_are_scored_and_the_uncovered_ones_listed(
    rubric: Rubric, trees: tuple[Path, Path]
) -> None:
    exercise, submission = trees
    files = {
        "app/fees.py": CANDIDATE_FEES_LINES,
        "app/limits.py": lines_entry([1, 4], [5]),
        "app/main.py": lines_entry([1, 3]),
        "app/old.py": lines_entry([1], [2]),
    }
    run = run_of(junit_of(*passing_cases(3)), coverage_of(summary(9, 10), files))
    coverage = results(rubric, submission, run, exercise=exercise)[COVERAGE_CHECK]
    assert coverage.message == (
        "Coverage of the lines you changed in app/: 71.4% (5 of 7); "
        "whole app/ branch coverage 90.0%."
    )
    share = coverage_share(100 * 5 / 7)
    assert coverage.points == pytest.approx(coverage.max_points * share, abs=1e-3)
    texts = evidence_texts(coverage)
    assert texts["Coverage of the changed lines per file"] == (
        "app/fees.py: 3 of 4 changed executable lines covered\n"
        "app/limits.py: 2 of 3 changed executable lines covered"
    )
    assert texts["Changed lines no test ran"] == "app/fees.py: 6\napp/limits.py: 5"


def test_at_most_30_uncovered_ranges_are_listed(rubric: Rubric, tmp_path: Path) -> None:
    files = {}
    for name in ("a", "b"):
        write(tmp_path, f"app/{name}.py", "".join(f"x{i} = {i}\n" for i in range(1, 41)))
        files[f"app/{name}.py"] = lines_entry(list(range(1, 41, 2)), list(range(2, 41, 2)))
    run = run_of(junit_of(*passing_cases(1)), coverage_of(summary(1, 2), files))
    coverage = results(rubric, tmp_path, run)[COVERAGE_CHECK]
    assert coverage.message.startswith(
        "Coverage of the lines you changed in app/: 50.0% (40 of 80)"
    )
    listing = evidence_texts(coverage)["Changed lines no test ran"].splitlines()
    assert listing[0] == "app/a.py: " + ", ".join(str(line) for line in range(2, 41, 2))
    assert listing[1] == "app/b.py: " + ", ".join(str(line) for line in range(2, 21, 2))
    assert listing[2] == "[... 10 more ranges not listed]"


def test_a_sandbox_failure_is_a_problem_not_the_candidates_fault(
    rubric: Rubric, tmp_path: Path
) -> None:
    write(tmp_path, "tests/test_ok.py", "def test_ok():\n    assert True\n")
    run = sandbox_failure("Docker failed: no such image", budget_s=180.0)
    stage = outcome(context_for(rubric, tmp_path), run)
    assert stage.problems == ("Docker failed: no such image",)
    statuses = {c.id: c.status for c in stage.checks}
    assert statuses[PASSING_CHECK] is Status.ERROR
    assert statuses[COVERAGE_CHECK] is Status.ERROR
    assert statuses[MEANINGFUL_CHECK] is Status.PASSED


def test_no_test_functions_score_nothing_for_meaningful(rubric: Rubric, tmp_path: Path) -> None:
    checks = results(rubric, tmp_path, run_of(junit_of(), exit_code=5))
    assert checks[MEANINGFUL_CHECK].points == 0.0
    assert checks[MEANINGFUL_CHECK].message.startswith("No test functions were found")


def test_only_selects_checks_and_whether_the_suite_must_run(rubric: Rubric, tmp_path: Path) -> None:
    static_only = context_for(rubric, tmp_path, only=(MEANINGFUL_CHECK,))
    assert not needs_run(static_only)
    # A sandbox that is never asked to run anything.
    stage = run_stage(static_only, sandbox=cast(Sandbox, object()), progress=print)
    assert [c.id for c in stage.checks] == [MEANINGFUL_CHECK]
    assert stage.problems == ()
    assert needs_run(context_for(rubric, tmp_path, only=("code_quality",)))


# --------------------------------------------------------------------------- the container


def test_the_tests_container_is_locked_down_like_the_service(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    limits = Limits()
    options = candidate_tests_options(
        image="runtime:tag", root=tmp_path, volume="results", limits=limits, run_id="r1"
    )
    service = candidate_options(
        image="runtime:tag", root=tmp_path, volume="data", env={}, limits=limits, run_id="r1"
    )
    shared = ("user", "network_mode", "read_only", "tmpfs", "cap_drop", "security_opt")
    assert {key: options[key] for key in shared} == {key: service[key] for key in shared}
    assert options["network_mode"] == "none"
    assert options["cap_drop"] == ["ALL"]
    assert (options["mem_limit"], options["pids_limit"]) == (limits.memory_bytes, limits.pids)
    assert options["labels"]["ledger-grader.run"] == "r1"
    assert options["labels"]["ledger-grader.role"] == "tests"
    submission = options["mounts"][0]
    assert (submission["Target"], submission["ReadOnly"]) == ("/submission", True)
    script = options["command"][-1]
    assert "--junitxml=/data/junit.xml tests;" in script
    assert "--rcfile=/dev/null" in script
    assert script.endswith("exit $status")
