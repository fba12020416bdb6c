"""The candidate's own test suite: does it pass, what does it cover, do its tests assert anything.

The sandbox runs the suite (`Sandbox.run_candidate_tests`): pytest under coverage.py with the
grader's coverage settings, writing a JUnit XML report and a coverage JSON report. Both files were
written by candidate code, so they are parsed here as untrusted data. Scoring (`fraction` checks):

- pass: passed / (passed + failed + errors), skipped tests left out; nothing when the suite timed
  out, could not be collected, produced no readable report, or ran no test (all skipped).
- coverage: line coverage of the code the candidate changed. The changed lines of a Python file
  under `app/` are the lines `difflib.SequenceMatcher` finds inserted or replaced relative to the
  same file of the exercise starter (every line of a file the starter lacks); the executable ones
  are those coverage.py lists as executed or missing. COVERAGE_ZERO percent and less earns
  nothing, COVERAGE_FULL and more earns full points, linear in between. No changed executable
  line fails the check (the untouched starter's bundled tests cover its own code, not the
  candidate's); nothing when the suite did not run. The branch coverage of the whole of `app/`
  is reported alongside, for context only.
- meaningful: share of test functions (pytest's `test*` functions and methods in `test_*.py` /
  `*_test.py` files) that check an outcome: an `assert`, `pytest.raises`/`warns`, a call to a
  function named for checking (`assert*`, `check*`, `expect*`, `verify*`, `*_and_validate`, see
  ASSERTING_NAME), or a call to a function of the same file that itself checks something. Read
  statically with `ast`; nothing runs.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import os
import re
import tokenize
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard, TypeVar
from xml.parsers import expat

from grader.checks.base import (
    MAX_FINDINGS,
    CheckContext,
    StageOutcome,
    check_result,
    finding,
    scored,
    text_evidence,
    wanted,
)
from grader.model import CheckResult, Status
from grader.rubric import Check
from grader.sandbox.base import (
    MAX_RESULT_FILE_BYTES,
    Progress,
    Sandbox,
    TestsRun,
    candidate_test_paths,
)

PASSING_CHECK = "code_quality.tests.pass"
COVERAGE_CHECK = "code_quality.tests.coverage"
MEANINGFUL_CHECK = "code_quality.tests.meaningful"
CHECK_IDS = (PASSING_CHECK, COVERAGE_CHECK, MEANINGFUL_CHECK)
SOURCE = "candidate_tests"

# Line coverage of the changed lines, in percent. The reference solution's own suite reaches 99.8%;
# the reference's code under only the starter's bundled tests (no test of its own) already 89.7%,
# as most changed code runs on import or behind the starter's routes: hence the narrow band.
COVERAGE_ZERO = 70.0
COVERAGE_FULL = 95.0
# Any count above this in a coverage report is not a real measurement of a take-home exercise.
MAX_COUNT = 10_000_000
MAX_FAILING_NAMES = 20
MAX_NAME_CHARS = 200
MAX_COVERAGE_FILES = 100
MAX_UNCOVERED_RANGES = 30
MAX_SOURCE_BYTES = 1024 * 1024
MAX_TEST_FILES = 2_000
MAX_APP_FILES = 2_000
MAX_DIFF_LINES = 10_000
APP_DIR = "app"
TOOLING_DIRS = frozenset({"venv", "site-packages", "node_modules", "__pycache__", "build", "dist"})
# `assertEqual`, `assert_status`, `check_problem`, `expect`, `case.call_and_validate`; not
# `checkout` or `expected_total`.
ASSERTING_NAME = re.compile(r"(^|_)(assert|check|expect|verify|validate)(_|[A-Z0-9]|$)")
EXPECTING_CALLS = frozenset({"raises", "warns", "deprecated_call"})
NO_ASSERT_RULE = "assertion-free-test"
UNPARSABLE_RULE = "unparsable-test-file"


Parsed = TypeVar("Parsed")
# Stands in for the suite when `--only` selects only the static check, which never reads it.
NOT_RUN = TestsRun(
    exit_code=None,
    timed_out=False,
    duration_s=0.0,
    output_tail="",
    junit_xml=None,
    coverage_json=None,
)


class UnreadableReport(ValueError):
    """A result file the candidate's test run left that cannot be trusted or understood."""


# --------------------------------------------------------------------------- JUnit XML


@dataclass(frozen=True, slots=True)
class JunitSummary:
    """Outcome counts of a JUnit report, one per `<testcase>` (never the declared totals)."""

    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    collection_errors: int = 0
    failing: tuple[str, ...] = ()

    @property
    def executed(self) -> int:
        """Tests that ran to a verdict: passed, failed or errored (collection errors included)."""
        return self.passed + self.failed + self.errors + self.collection_errors

    @property
    def collection_failed(self) -> bool:
        """Collection broke and nothing else ran: pytest stops before running any test."""
        return self.collection_errors > 0 and self.passed + self.failed + self.errors == 0


class _JunitScanner:
    """Counts `<testcase>` outcomes as expat streams through the document (no tree is built)."""

    def __init__(self) -> None:
        self.counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "collection": 0}
        self.failing: list[str] = []
        self.case: dict[str, str] | None = None
        self.verdict = "passed"
        self.message = ""

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "testcase":
            self.case, self.verdict, self.message = attrs, "passed", ""
        elif self.case is not None and tag in ("failure", "error", "skipped"):
            # A test failing in its call and again in teardown carries both; the call decides.
            rank = ("passed", "skipped", "error", "failure")
            if rank.index(tag) > rank.index(self.verdict):
                self.verdict, self.message = tag, str(attrs.get("message", ""))

    def end(self, tag: str) -> None:
        if tag != "testcase" or self.case is None:
            return
        case, verdict = self.case, self.verdict
        self.case = None
        if verdict == "error" and self.message == "collection failure":
            verdict = "collection"
        key = {"failure": "failed", "error": "errors"}.get(verdict, verdict)
        self.counts[key] += 1
        if verdict in ("failure", "error", "collection") and len(self.failing) < MAX_FAILING_NAMES:
            self.failing.append(_case_name(case, verdict, self.message))

    def summary(self) -> JunitSummary:
        c = self.counts
        return JunitSummary(
            passed=c["passed"],
            failed=c["failed"],
            errors=c["errors"],
            skipped=c["skipped"],
            collection_errors=c["collection"],
            failing=tuple(self.failing),
        )


def _case_name(case: dict[str, str], outcome: str, message: str) -> str:
    """`tests.test_x::test_y (failure: assert 1 == 2)`, bounded."""
    classname, name = str(case.get("classname", "")), str(case.get("name", "?"))
    label = f"{classname}::{name}" if classname else name
    if outcome == "collection":
        return f"{label[:MAX_NAME_CHARS]} (could not be collected)"
    detail = " ".join(message.split())[:MAX_NAME_CHARS]
    return f"{label[:MAX_NAME_CHARS]} ({outcome}{': ' + detail if detail else ''})"


def parse_junit(data: bytes) -> JunitSummary:
    """Count a JUnit XML report's test cases; raise UnreadableReport for anything suspicious.

    Size-capped, UTF-8 only (pytest writes nothing else), and any DOCTYPE or ENTITY declaration
    is refused before parsing, so entity expansion and external references never happen.
    """
    if len(data) > MAX_RESULT_FILE_BYTES:
        raise UnreadableReport(f"larger than {MAX_RESULT_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableReport(f"not valid UTF-8 (byte {exc.start})") from exc
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise UnreadableReport("contains a DOCTYPE or ENTITY declaration")
    scanner = _JunitScanner()
    parser = expat.ParserCreate(encoding="utf-8")
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise UnreadableReport(f"not well-formed XML ({exc})") from exc
    return scanner.summary()


def _refuse_declaration(*_: object) -> None:
    raise UnreadableReport("contains a DOCTYPE or ENTITY declaration")


# --------------------------------------------------------------------------- coverage JSON


@dataclass(frozen=True, slots=True)
class CoverageCounts:
    """Covered and total statements and branches of one file or of the whole run."""

    covered_statements: int
    statements: int
    covered_branches: int
    branches: int
    excluded_lines: int = 0

    @property
    def percent(self) -> float | None:
        """Branch coverage, or statement coverage when there are no branches; None if empty."""
        if self.branches:
            return 100.0 * self.covered_branches / self.branches
        if self.statements:
            return 100.0 * self.covered_statements / self.statements
        return None

    @property
    def measure(self) -> str:
        """What `percent` measures."""
        if self.branches:
            return f"{self.covered_branches} of {self.branches} branches"
        return f"{self.covered_statements} of {self.statements} statements"


@dataclass(frozen=True, slots=True)
class FileLines:
    """The line numbers coverage.py lists for one file: run, never run, excluded by a pragma."""

    executed: frozenset[int]
    missing: frozenset[int]
    excluded: frozenset[int] = frozenset()

    @property
    def statements(self) -> frozenset[int]:
        """The executable lines: every line that was run or could have been."""
        return self.executed | self.missing


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """The totals of a coverage JSON report and its per-file data for `app/`.

    `files` holds each file's summary numbers, `lines` its line numbers, and `ignored` the files
    whose line numbers could not be trusted, with the reason.
    """

    totals: CoverageCounts
    files: tuple[tuple[str, CoverageCounts], ...]
    lines: tuple[tuple[str, FileLines], ...] = ()
    ignored: tuple[tuple[str, str], ...] = ()


def parse_coverage(data: bytes) -> CoverageReport:
    """Read coverage.py's JSON report; raise UnreadableReport when the totals are unusable.

    Files outside `app/` are left out, and so are the numbers of a file that are not plausible.
    """
    if len(data) > MAX_RESULT_FILE_BYTES:
        raise UnreadableReport(f"larger than {MAX_RESULT_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise UnreadableReport(f"not valid JSON ({type(exc).__name__})") from exc
    if not isinstance(document, dict):
        raise UnreadableReport("not a JSON object")
    totals = _counts(document.get("totals"))
    if totals is None:
        raise UnreadableReport("its totals are missing or not plausible numbers")
    files = document.get("files")
    entries = _app_entries(files if isinstance(files, dict) else {})
    lines: dict[str, FileLines] = {}
    ignored: dict[str, str] = {}
    for path, entry in entries:
        read = _file_lines(entry)
        if isinstance(read, str):
            ignored.setdefault(path, read)
        else:
            lines.setdefault(path, read)
    return CoverageReport(
        totals=totals,
        files=_app_summaries(entries),
        lines=tuple(sorted(lines.items())),
        ignored=tuple(sorted(ignored.items())),
    )


def _app_entries(files: dict[Any, Any]) -> list[tuple[str, object]]:
    """The report's entries for files under app/, by normalised path, in the report's order."""
    return [(path, entry) for name, entry in files.items() if (path := _app_path(name))]


def _app_summaries(entries: list[tuple[str, object]]) -> tuple[tuple[str, CoverageCounts], ...]:
    found: list[tuple[str, CoverageCounts]] = []
    for path, entry in entries:
        counts = _counts(entry.get("summary")) if isinstance(entry, dict) else None
        if counts is not None:
            found.append((path, counts))
    return tuple(sorted(found))


def _file_lines(entry: object) -> FileLines | str:
    """A file's executed, missing and excluded line numbers, or why they cannot be trusted."""
    if not isinstance(entry, dict):
        return "its entry is not a JSON object"
    numbers: dict[str, frozenset[int]] = {}
    for key in ("executed_lines", "missing_lines", "excluded_lines"):
        value = entry.get(key, [] if key == "excluded_lines" else None)
        if not _line_numbers(value):
            return f"{key} is not a list of line numbers"
        numbers[key] = frozenset(value)
    executed, missing = numbers["executed_lines"], numbers["missing_lines"]
    if executed & missing:
        return "some lines are listed as both executed and missing"
    return FileLines(executed=executed, missing=missing, excluded=numbers["excluded_lines"])


def _line_numbers(value: object) -> TypeGuard[list[int]]:
    return isinstance(value, list) and all(
        type(line) is int and 1 <= line <= MAX_COUNT for line in value
    )


def _app_path(name: object) -> str | None:
    """A relative path under app/, normalised, or None."""
    if not isinstance(name, str) or len(name) > 1000:
        return None
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or path.parts[:1] != ("app",):
        return None
    return str(path)


def _counts(summary: object) -> CoverageCounts | None:
    """Coverage numbers that are plain non-negative integers and consistent, else None."""
    if not isinstance(summary, dict):
        return None
    keys = ("covered_lines", "num_statements", "covered_branches", "num_branches")
    values = [summary.get(key, 0) for key in keys]
    if not all(_plausible(value) for value in values):
        return None
    covered_statements, statements, covered_branches, branches = values
    if covered_statements > statements or covered_branches > branches:
        return None
    excluded = summary.get("excluded_lines", 0)
    return CoverageCounts(
        covered_statements=covered_statements,
        statements=statements,
        covered_branches=covered_branches,
        branches=branches,
        excluded_lines=excluded if _plausible(excluded) else 0,
    )


def _plausible(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_COUNT


def coverage_share(percent: float) -> float:
    """Share of the coverage check's points: linear from COVERAGE_ZERO to COVERAGE_FULL."""
    return min(max((percent - COVERAGE_ZERO) / (COVERAGE_FULL - COVERAGE_ZERO), 0.0), 1.0)


# --------------------------------------------------------------------------- changed lines


@dataclass(frozen=True, slots=True)
class ChangedLines:
    """The lines the candidate inserted or replaced in each Python file under `app/`.

    Files identical to the starter's are left out; `unreadable` holds the files that could not be
    compared, with the reason.
    """

    files: tuple[tuple[str, frozenset[int]], ...]
    unreadable: tuple[tuple[str, str], ...] = ()


def changed_lines(root: Path, exercise: Path) -> ChangedLines:
    """Compare each `app/**/*.py` of the submission at `root` with the same file of the exercise.

    The changed lines are the new-side line numbers (1-based) that `difflib.SequenceMatcher`
    marks as inserted or replaced; a file the exercise lacks (or cannot provide) is all changed.
    """
    files: list[tuple[str, frozenset[int]]] = []
    unreadable: list[tuple[str, str]] = []
    for rel in _python_files(root, APP_DIR, keep=lambda name: name.endswith(".py"))[:MAX_APP_FILES]:
        new = _source_lines(root / rel)
        if isinstance(new, str):
            unreadable.append((str(rel), new))
            continue
        old = _source_lines(exercise / rel)
        changed = inserted_or_replaced(old if isinstance(old, list) else [], new)
        if changed:
            files.append((str(rel), changed))
    return ChangedLines(files=tuple(files), unreadable=tuple(unreadable))


def inserted_or_replaced(old: list[str], new: list[str]) -> frozenset[int]:
    """The 1-based numbers of the lines of `new` that are not kept from `old`.

    A `new` longer than MAX_DIFF_LINES is changed throughout: no exercise file comes close, and
    the matcher's time grows with the length times the repetitions of a line.
    """
    if len(new) > MAX_DIFF_LINES:
        return frozenset(range(1, len(new) + 1))
    # No autojunk: it would never match lines frequent in a long file (`return x`). Blank lines
    # are junk: never executable, and thousands of them would make the matcher crawl.
    matcher = difflib.SequenceMatcher(_blank, old, new, autojunk=False)
    return frozenset(
        line
        for tag, _, _, first, end in matcher.get_opcodes()
        if tag in ("insert", "replace")
        for line in range(first + 1, end + 1)
    )


def _blank(line: str) -> bool:
    return not line.strip()


def _source_lines(path: Path) -> list[str] | str:
    """A Python file's lines as Python numbers them, or why the file cannot be read."""
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            return f"larger than {MAX_SOURCE_BYTES // 1024} KiB"
        data = path.read_bytes()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    except SyntaxError as exc:  # detect_encoding: an unknown or missing encoding declaration
        return f"cannot be decoded: {exc.msg}"
    except (UnicodeDecodeError, LookupError) as exc:
        return f"cannot be decoded ({type(exc).__name__})"
    # Python ends a line at \r\n, \r or \n only (str.splitlines knows more separators).
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines[-1] == "" else lines


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """How far the tests ran one file's changed executable lines."""

    path: str
    statements: int
    covered: int
    excluded: int
    uncovered: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class ChangedCoverage:
    """Coverage of the changed lines per file, plus the changed files it could not be told for."""

    files: tuple[ChangedFile, ...]
    unmeasured: tuple[tuple[str, str], ...]

    @property
    def statements(self) -> int:
        """Changed executable lines in all files."""
        return sum(f.statements for f in self.files)

    @property
    def covered(self) -> int:
        """Changed executable lines the tests ran."""
        return sum(f.covered for f in self.files)


def measure_changes(changes: ChangedLines, coverage: CoverageReport) -> ChangedCoverage:
    """Intersect the changed lines with coverage.py's executed and missing lines, file by file."""
    lines, ignored = dict(coverage.lines), dict(coverage.ignored)
    files: list[ChangedFile] = []
    unmeasured = [(path, f"not compared, {reason}") for path, reason in changes.unreadable]
    for path, changed in changes.files:
        measured = lines.get(path)
        if measured is None:
            why = ignored.get(path, "coverage reports nothing about it (never imported?)")
            unmeasured.append((path, why))
        elif changed & (measured.statements | measured.excluded):
            files.append(_changed_file(path, changed, measured))
    return ChangedCoverage(files=tuple(files), unmeasured=tuple(sorted(unmeasured)))


def _changed_file(path: str, changed: frozenset[int], measured: FileLines) -> ChangedFile:
    uncovered = changed & measured.missing
    return ChangedFile(
        path=path,
        statements=len(changed & measured.statements),
        covered=len(changed & measured.executed),
        excluded=len(changed & measured.excluded),
        uncovered=_runs(sorted(measured.statements), uncovered),
    )


def _runs(statements: list[int], uncovered: frozenset[int]) -> tuple[tuple[int, int], ...]:
    """Ranges of consecutive statements that are all uncovered (lines between them don't break)."""
    runs: list[list[int]] = []
    previous = False
    for line in statements:
        current = line in uncovered
        if current and previous:
            runs[-1][1] = line
        elif current:
            runs.append([line, line])
        previous = current
    return tuple((first, last) for first, last in runs)


# --------------------------------------------------------------------------- assertions (ast)


@dataclass(frozen=True, slots=True)
class TestFunction:
    """A test function or method and whether it checks an outcome."""

    __test__ = False  # a record about tests, not a pytest test class

    path: str
    line: int
    name: str
    asserts: bool


@dataclass(frozen=True, slots=True)
class TestInventory:
    """Every test function of the candidate's test files, plus the files that could not be read."""

    __test__ = False

    tests: tuple[TestFunction, ...]
    unreadable: tuple[tuple[str, str], ...]


def inventory_tests(root: Path) -> TestInventory:
    """Find the test functions pytest would collect by default, and whether each asserts."""
    tests: list[TestFunction] = []
    unreadable: list[tuple[str, str]] = []
    for rel in _test_files(root)[:MAX_TEST_FILES]:
        tree = _parse(root / rel)
        if isinstance(tree, str):
            unreadable.append((str(rel), tree))
            continue
        tests += _tests_in(tree, path=str(rel))
    return TestInventory(tests=tuple(tests), unreadable=tuple(unreadable))


def _test_files(root: Path) -> list[PurePosixPath]:
    """`test_*.py` and `*_test.py` under the test paths."""
    found: list[PurePosixPath] = []
    for start in candidate_test_paths(root):
        found += _python_files(root, start, keep=_is_test_file)
    return sorted(found)


def _python_files(root: Path, start: str, *, keep: Callable[[str], bool]) -> list[PurePosixPath]:
    """Files under `root/start` whose name `keep` accepts, sorted; links and tooling skipped."""
    found: list[PurePosixPath] = []
    for dirpath, dirnames, filenames in os.walk(root / start):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _skipped_dir(here / d))
        found += [
            PurePosixPath((here / name).relative_to(root).as_posix())
            for name in filenames
            if keep(name) and not (here / name).is_symlink()
        ]
    return sorted(found)


def _skipped_dir(path: Path) -> bool:
    name = path.name
    return (
        path.is_symlink()
        or name.startswith(".")
        or name in TOOLING_DIRS
        or (path / "pyvenv.cfg").is_file()
    )


def _is_test_file(name: str) -> bool:
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _parse(path: Path) -> ast.Module | str:
    """The module's syntax tree, or why it could not be read."""
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            return f"larger than {MAX_SOURCE_BYTES // 1024} KiB"
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte {exc.start})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the candidate's escapes
            return ast.parse(text)
    except SyntaxError as exc:
        return f"syntax error on line {exc.lineno or '?'}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"cannot be parsed ({type(exc).__name__})"


Function = ast.FunctionDef | ast.AsyncFunctionDef


def _tests_in(tree: ast.Module, *, path: str) -> list[TestFunction]:
    helpers = _asserting_helpers(tree)
    return [
        TestFunction(path=path, line=node.lineno, name=name, asserts=_checks(node, helpers))
        for name, node in _test_functions(tree)
    ]


def _test_functions(tree: ast.Module) -> Iterator[tuple[str, Function]]:
    """Module-level `test*` functions and `test*` methods of module-level classes."""
    for node in tree.body:
        if isinstance(node, Function) and node.name.startswith("test"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, Function) and member.name.startswith("test"):
                    yield f"{node.name}.{member.name}", member


def _asserting_helpers(tree: ast.Module) -> frozenset[str]:
    """Names of the file's non-test functions that check something, directly or via each other."""
    functions = [
        node
        for node in ast.walk(tree)
        if isinstance(node, Function) and not node.name.startswith("test")
    ]
    helpers: set[str] = set()
    # Each round can only add names, so this ends after at most len(functions) rounds.
    while True:
        found = {f.name for f in functions if f.name not in helpers and _checks(f, helpers)}
        if not found:
            return frozenset(helpers)
        helpers |= found


def _checks(function: Function, helpers: set[str] | frozenset[str]) -> bool:
    """Whether a function asserts, expects an exception or warning, or calls something that does."""
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = _called_name(node.func)
            if name and (ASSERTING_NAME.search(name) or name in EXPECTING_CALLS or name in helpers):
                return True
    return False


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


# --------------------------------------------------------------------------- the stage


def needs_run(context: CheckContext) -> bool:
    """Whether `--only` selects a check that needs the suite run in the sandbox."""
    return any(c.id in (PASSING_CHECK, COVERAGE_CHECK) for c in wanted(context, SOURCE))


def run(context: CheckContext, *, sandbox: Sandbox, progress: Progress) -> StageOutcome:
    """Run the candidate's suite in the sandbox when a selected check needs it, then score."""
    if not needs_run(context):
        return outcome(context, NOT_RUN)
    return outcome(context, sandbox.run_candidate_tests(context.submission.root, progress))


def outcome(context: CheckContext, run: TestsRun) -> StageOutcome:
    """Score the candidate's own test run and test code against the rubric's checks."""
    junit = _read(parse_junit, run.junit_xml)
    coverage = _read(parse_coverage, run.coverage_json)
    results: list[CheckResult] = []
    for check in wanted(context, SOURCE):
        if check.id == MEANINGFUL_CHECK:
            results.append(_meaningful_result(check, inventory_tests(context.submission.root)))
        elif run.problem:
            message = "Not run: the grader could not run the tests."
            results.append(check_result(check, Status.ERROR, message=message))
        elif check.id == PASSING_CHECK:
            results.append(_pass_result(check, run, junit))
        elif check.id == COVERAGE_CHECK:
            results.append(_coverage_result(check, run, junit, coverage, context))
    return StageOutcome(checks=tuple(results), problems=(run.problem,) if run.problem else ())


def _read(parse: Callable[[bytes], Parsed], data: bytes | None) -> Parsed | str | None:
    """Parse an optional result file: the parsed value, None when absent, or why it is unusable."""
    if data is None:
        return None
    try:
        return parse(data)
    except UnreadableReport as exc:
        return str(exc)


def _suite_verdict(run: TestsRun, junit: JunitSummary | str | None) -> JunitSummary | str:
    """The counts of a suite that ran, or why it cannot be scored (one candidate-safe clause)."""
    if run.timed_out:
        return f"the test suite did not finish within {run.budget_s:g} s"
    if junit is None:
        return f"the test run left no JUnit report (pytest exit code {run.exit_code})"
    if isinstance(junit, str):
        return f"the JUnit report could not be read: {junit}"
    return _nothing_ran(junit) or junit


def _nothing_ran(junit: JunitSummary) -> str:
    """Why a readable report still scores nothing; empty when tests ran."""
    if junit.collection_failed:
        return f"test collection failed ({junit.collection_errors} module(s) could not be imported)"
    if junit.executed == 0 and junit.skipped:
        return f"no test ran (all {junit.skipped} were skipped)"
    if junit.executed == 0:
        return "pytest collected no tests"
    return ""


def _pass_result(check: Check, run: TestsRun, junit: JunitSummary | str | None) -> CheckResult:
    verdict = _suite_verdict(run, junit)
    evidence = _run_evidence(run, junit)
    if isinstance(verdict, str):
        return scored(
            check,
            0.0,
            message=f"Not scored: {verdict}.",
            evidence=evidence,
            duration=run.duration_s,
        )
    not_passing = [
        f"{count} {label}"
        for count, label in (
            (verdict.failed, "failed"),
            (verdict.errors, "errored"),
            (verdict.collection_errors, "could not be collected"),
        )
        if count
    ]
    skipped = f" ({verdict.skipped} skipped)" if verdict.skipped else ""
    details = f"; {', '.join(not_passing)}" if not_passing else ""
    message = f"{verdict.passed} of {verdict.executed} tests passed{skipped}{details}."
    return scored(
        check,
        verdict.passed / verdict.executed,
        message=message,
        evidence=evidence,
        duration=run.duration_s,
    )


def _run_evidence(run: TestsRun, junit: JunitSummary | str | None) -> list[dict[str, Any]]:
    # The wall time is in the result's duration; the evidence stays the same run after run.
    status = "timed out" if run.timed_out else f"pytest exit code {run.exit_code}"
    lines = [f"{status} (budget {run.budget_s:g} s)"]
    if isinstance(junit, JunitSummary):
        lines.append(
            f"passed {junit.passed}, failed {junit.failed}, errors {junit.errors}, "
            f"skipped {junit.skipped}, collection errors {junit.collection_errors}"
        )
    evidence = [text_evidence("The candidate's test run", "\n".join(lines))]
    if isinstance(junit, JunitSummary) and junit.failing:
        shown = len(junit.failing)
        more = junit.failed + junit.errors + junit.collection_errors - shown
        note = f"\n[... {more} more not listed]" if more > 0 else ""
        evidence.append(text_evidence("Failing tests", "\n".join(junit.failing) + note))
    if run.output_tail:
        evidence.append(text_evidence("End of the test run's output", run.output_tail))
    return evidence


def _coverage_result(
    check: Check,
    run: TestsRun,
    junit: JunitSummary | str | None,
    coverage: CoverageReport | str | None,
    context: CheckContext,
) -> CheckResult:
    verdict = _suite_verdict(run, junit)
    if isinstance(verdict, str):
        reason = verdict
    elif coverage is None:
        reason = "the test run left no coverage report"
    elif isinstance(coverage, str):
        reason = f"the coverage report could not be read: {coverage}"
    elif coverage.totals.percent is None:
        reason = "no code under app/ was measured"
    else:
        changes = changed_lines(context.submission.root, context.exercise)
        return _changed_coverage_result(
            check, run=run, coverage=coverage, changes=changes, whole_app=coverage.totals.percent
        )
    return scored(check, 0.0, message=f"Not measured: {reason}.", duration=run.duration_s)


def _changed_coverage_result(
    check: Check,
    *,
    run: TestsRun,
    coverage: CoverageReport,
    changes: ChangedLines,
    whole_app: float,
) -> CheckResult:
    measured = measure_changes(changes, coverage)
    evidence = [*_changed_evidence(measured), _coverage_evidence(coverage)]
    if not measured.statements:
        message = "No application code changed: nothing of yours to cover."
        return scored(check, 0.0, message=message, evidence=evidence, duration=run.duration_s)
    percent = 100.0 * measured.covered / measured.statements
    kind = "branch" if coverage.totals.branches else "statement"
    message = (
        f"Coverage of the lines you changed in app/: {percent:.1f}% "
        f"({measured.covered} of {measured.statements}); "
        f"whole app/ {kind} coverage {whole_app:.1f}%."
    )
    return scored(
        check,
        coverage_share(percent),
        message=message,
        evidence=evidence,
        duration=run.duration_s,
    )


def _changed_evidence(measured: ChangedCoverage) -> list[dict[str, Any]]:
    lines = [
        f"{f.path}: {f.covered} of {f.statements} changed executable lines covered"
        + (f" ({f.excluded} changed lines excluded by pragmas)" if f.excluded else "")
        for f in measured.files
    ]
    lines += [f"{path}: not measured: {reason}" for path, reason in measured.unmeasured]
    evidence = [
        text_evidence(
            "Coverage of the changed lines per file",
            "\n".join(lines) or "No Python file under app/ differs from the exercise.",
            limit=12000,
        )
    ]
    uncovered = _uncovered_listing(measured.files)
    if uncovered:
        evidence.append(text_evidence("Changed lines no test ran", uncovered))
    return evidence


def _uncovered_listing(files: tuple[ChangedFile, ...]) -> str:
    """`app/x.py: 41-44, 58` per file, at most MAX_UNCOVERED_RANGES ranges in all."""
    lines: list[str] = []
    budget = MAX_UNCOVERED_RANGES
    for f in files:
        shown = f.uncovered[:budget]
        budget -= len(shown)
        if shown:
            lines.append(f"{f.path}: " + ", ".join(_line_range(*r) for r in shown))
    left = sum(len(f.uncovered) for f in files) - MAX_UNCOVERED_RANGES
    if left > 0:
        lines.append(f"[... {left} more ranges not listed]")
    return "\n".join(lines)


def _line_range(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _coverage_evidence(coverage: CoverageReport) -> dict[str, Any]:
    totals = coverage.totals
    lines = [
        f"total: {totals.covered_branches}/{totals.branches} branches, "
        f"{totals.covered_statements}/{totals.statements} statements, "
        f"{totals.excluded_lines} lines excluded by pragmas"
    ]
    for path, counts in coverage.files[:MAX_COVERAGE_FILES]:
        percent = counts.percent
        shown = "-" if percent is None else f"{percent:5.1f}%"
        lines.append(f"{shown}  {path} ({counts.measure})")
    if len(coverage.files) > MAX_COVERAGE_FILES:
        lines.append(f"[... {len(coverage.files) - MAX_COVERAGE_FILES} more files]")
    return text_evidence("Coverage of the whole of app/ per file", "\n".join(lines), limit=12000)


def _meaningful_result(check: Check, inventory: TestInventory) -> CheckResult:
    unreadable = [
        finding(path, 1, UNPARSABLE_RULE, f"test file not analysed: {reason}", severity="error")
        for path, reason in inventory.unreadable
    ]
    tests = inventory.tests
    if not tests:
        message = "No test functions were found in test_*.py or *_test.py files."
        return scored(check, 0.0, message=message, evidence=unreadable)
    empty = [t for t in tests if not t.asserts]
    findings = [
        finding(t.path, t.line, NO_ASSERT_RULE, f"{t.name} checks no outcome (no assert)")
        for t in empty
    ]
    evidence = [*unreadable, *findings][:MAX_FINDINGS]
    if len(unreadable) + len(findings) > MAX_FINDINGS:
        rest = len(unreadable) + len(findings) - MAX_FINDINGS
        evidence.append(text_evidence("More assertion-free tests", f"{rest} more not listed."))
    checking = len(tests) - len(empty)
    message = f"{checking} of {len(tests)} test functions check an outcome."
    return scored(check, checking / len(tests), message=message, evidence=evidence)
