"""Static code checks: the grader's ruff rules, function complexity and type hints; nothing runs.

Scoring curves (each check is a `fraction` check):

- lint: ruff, with the exercise's rules only, over every Python file (application and tests).
  Findings are weighted by rule family (RULE_WEIGHTS: bugs and security 3, style 1,
  formatting 0.5; a file that does not parse counts 3; a finding silenced by a suppression
  comment naming its rule counts SILENCED_SHARE) and divided by thousands of non-blank Python
  lines. Up to FREE_DENSITY earns full points, ZERO_DENSITY and more earns nothing, linear in
  between.
- complexity: McCabe cyclomatic complexity of every function of the application code (see
  `cyclomatic_complexity`); each function above COMPLEXITY_THRESHOLD costs COST_PER_COMPLEX
  of the check, unless the exercise shipped it at least as complex.
- types: share of public functions and methods with every parameter and the return annotated;
  TYPED_FULL and more earns full points, TYPED_ZERO and less earns nothing, linear in between.

Application code is every Python file that is not a test (`is_test_path`); tooling folders
(hidden folders, virtualenvs, vendored or built trees) are never read.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

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
from grader.errors import InfrastructureError
from grader.model import CheckResult, Status
from grader.rubric import Check

LINT_CHECK = "code_quality.lint.ruff"
COMPLEXITY_CHECK = "code_quality.complexity.functions"
TYPES_CHECK = "code_quality.types.public_functions"
CHECK_IDS = (LINT_CHECK, COMPLEXITY_CHECK, TYPES_CHECK)

# Weighted ruff findings per 1,000 non-blank lines. Measured with the exercise's rules: the
# starter 0.7 (3 findings in 2,434 lines) and the reference solution 1.0 (6 in 4,473), all
# silenced with a `noqa` naming the rule and a reason; the corpus variant lint-hostile-style
# (7 more findings in the reference) 2.9, which costs it 10% of the check; a careless module
# (unused imports, bare except, == None, eval) lands far beyond ZERO_DENSITY.
FREE_DENSITY = 1.5
ZERO_DENSITY = 15.0
# The longest matching prefix of the code's own family wins ("S" never matches SIM115);
# codes not listed weigh DEFAULT_RULE_WEIGHT (1: style, naming, simplifications, upgrades).
RULE_WEIGHTS = (
    ("E9", 3.0),  # the file does not parse or cannot be read
    ("F", 3.0),  # pyflakes: undefined names, unused or shadowed bindings
    ("B", 3.0),  # bugbear: likely bugs
    ("S", 3.0),  # bandit: security
    ("PLE", 3.0),  # pylint errors
    ("PLW", 3.0),  # pylint warnings
    ("E501", 0.5),  # line length
    ("W", 0.5),  # whitespace
    ("I", 0.5),  # import order
)
DEFAULT_RULE_WEIGHT = 1.0
# Suppression comments never hide a finding (ruff runs with --ignore-noqa), but one that names
# the rule is a visible, deliberate exception: it counts this share of the finding's weight.
# A blanket suppression without codes counts in full.
SILENCED_SHARE = 0.25
NOQA_COMMENT = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.I)
RULE_CODE = re.compile(r"[A-Z]+[0-9]+")
ERROR_FAMILIES = frozenset({"F", "S", "B"})
UNPARSABLE_RULE = "unparsable-file"
DEFAULT_SELECT = ("E", "W", "F", "I", "B", "C4", "UP", "SIM", "S", "T20", "RUF", "N", "PL")
RUFF_TIMEOUT_S = 60.0

COMPLEXITY_THRESHOLD = 10
COST_PER_COMPLEX = 1 / 3

TYPED_FULL = 0.9
TYPED_ZERO = 0.4

MAX_SOURCE_BYTES = 2 * 1024 * 1024
# Folders of other people's or generated code; hidden folders are skipped as well.
TOOLING_DIRS = frozenset({"venv", "site-packages", "node_modules", "__pycache__", "build", "dist"})
TEST_DIRS = frozenset({"tests", "test"})


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A Python file of the submission that parsed."""

    path: str
    tree: ast.Module
    lines: tuple[str, ...]

    @property
    def code_lines(self) -> int:
        """Non-blank lines."""
        return sum(1 for line in self.lines if line.strip())

    def line(self, number: int) -> str:
        """One line of the file by its 1-based number, empty when out of range."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    @property
    def is_test(self) -> bool:
        """Whether the file belongs to the tests rather than the application."""
        return is_test_path(self.path)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A Python file that could not be analysed, and why."""

    path: str
    reason: str
    line: int = 1

    def as_finding(self) -> dict[str, Any]:
        """The file as a located finding."""
        return finding(self.path, self.line, UNPARSABLE_RULE, self.reason, severity="error")


@dataclass(frozen=True, slots=True)
class SourceTree:
    """Every Python file of the submission: the parsed ones and the unreadable ones."""

    files: tuple[SourceFile, ...]
    unreadable: tuple[Unreadable, ...]

    @property
    def app_files(self) -> tuple[SourceFile, ...]:
        """The parsed files that are application code, not tests."""
        return tuple(f for f in self.files if not f.is_test)

    @property
    def app_unreadable(self) -> tuple[Unreadable, ...]:
        """The unreadable files that would have been application code."""
        return tuple(u for u in self.unreadable if not is_test_path(u.path))


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    """A function or method with where it sits."""

    qualname: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    in_class: bool
    public: bool


@dataclass(frozen=True, slots=True)
class RuffRules:
    """The lint rules the grader applies, as ruff command-line flags."""

    select: tuple[str, ...]
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, str], ...] = ()
    line_length: int | None = None
    target_version: str | None = None

    def arguments(self) -> list[str]:
        """Flags that fully state the rules (with `--isolated`, nothing else is read)."""
        args = ["--select", ",".join(self.select)]
        if self.ignore:
            args += ["--ignore", ",".join(self.ignore)]
        for pattern, code in self.per_file_ignores:
            args += ["--per-file-ignores", f"{pattern}:{code}"]
        if self.line_length is not None:
            args += ["--line-length", str(self.line_length)]
        if self.target_version is not None:
            args += ["--target-version", self.target_version]
        return args


# --------------------------------------------------------------------------- the source tree


def walk_files(root: Path, *, skip_dir: Callable[[Path], bool]) -> list[PurePosixPath]:
    """Regular files under `root` (links never followed), relative and sorted.

    Directories for which `skip_dir` is true are not entered.
    """
    found: list[PurePosixPath] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not (here / d).is_symlink() and not skip_dir(here / d)
        )
        relative = PurePosixPath(here.relative_to(root).as_posix())
        found += [
            relative / name
            for name in filenames
            if not (here / name).is_symlink() and (here / name).is_file()
        ]
    return sorted(found)


def is_tooling_dir(path: Path) -> bool:
    """Hidden folders, virtualenvs, dependencies and build output: not the candidate's code."""
    name = path.name
    return (
        name.startswith(".")
        or name in TOOLING_DIRS
        or name.endswith(".egg-info")
        or (path / "pyvenv.cfg").is_file()
    )


def is_test_path(path: str | PurePosixPath) -> bool:
    """Test code: under a tests/ folder, or named test_*.py, *_test.py or conftest.py."""
    rel = PurePosixPath(path)
    name = rel.name
    return (
        bool(TEST_DIRS.intersection(rel.parts[:-1]))
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def parse_python(path: Path, rel: str) -> SourceFile | Unreadable:
    """Parse one file defensively: size, encoding and syntax problems become `Unreadable`."""
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            return Unreadable(rel, f"larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return Unreadable(rel, f"cannot be read: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        return Unreadable(rel, f"not valid UTF-8 (byte {exc.start})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the candidate's escapes
            tree = ast.parse(text, filename=rel)
    except SyntaxError as exc:
        return Unreadable(rel, f"syntax error: {exc.msg}", line=exc.lineno or 1)
    except (ValueError, RecursionError, MemoryError) as exc:
        return Unreadable(rel, f"cannot be parsed ({type(exc).__name__})")
    return SourceFile(path=rel, tree=tree, lines=tuple(text.splitlines()))


def load_sources(root: Path) -> SourceTree:
    """Every Python file of the submission outside tooling folders, parsed."""
    files: list[SourceFile] = []
    unreadable: list[Unreadable] = []
    for rel in walk_files(root, skip_dir=is_tooling_dir):
        if rel.suffix != ".py":
            continue
        parsed = parse_python(root / rel, str(rel))
        if isinstance(parsed, SourceFile):
            files.append(parsed)
        else:
            unreadable.append(parsed)
    return SourceTree(files=tuple(files), unreadable=tuple(unreadable))


# --------------------------------------------------------------------------- functions


def iter_functions(tree: ast.Module) -> Iterator[FunctionInfo]:
    """Every function of a module, nested ones included, with a dotted qualified name.

    Public means reachable as API: module functions and methods of classes, no name part
    starting with `_`, not defined inside another function.
    """
    yield from _functions_in(tree.body, prefix="", in_class=False, public=True)


def _functions_in(
    body: list[ast.stmt], *, prefix: str, in_class: bool, public: bool
) -> Iterator[FunctionInfo]:
    for node in _scope_statements(body):
        qualname = f"{prefix}{node.name}"
        visible = public and not node.name.startswith("_")
        if isinstance(node, ast.ClassDef):
            yield from _functions_in(
                node.body, prefix=f"{qualname}.", in_class=True, public=visible
            )
            continue
        yield FunctionInfo(qualname=qualname, node=node, in_class=in_class, public=visible)
        yield from _functions_in(
            node.body, prefix=f"{qualname}.<locals>.", in_class=False, public=False
        )


def _scope_statements(
    body: list[ast.stmt],
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """Definitions of a scope, also those under if/try/with/for blocks of the same scope."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node
            continue
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
        children += [
            s
            for c in ast.iter_child_nodes(node)
            if isinstance(c, ast.ExceptHandler | ast.match_case)
            for s in c.body
        ]
        stack.extend(reversed(children))


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def cyclomatic_complexity(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """McCabe complexity: 1 + the decision points of the body, nested definitions excluded.

    Decision points: each `if`/`elif`, conditional expression, `for`/`async for`, `while`,
    `except` clause, `case` other than a bare `case _:`, each extra operand of `and`/`or`, and
    each `if` of a comprehension. `with`, `assert`, `try`/`else`/`finally` are not branches
    here; lambdas count towards the function that contains them.
    """
    stack: list[ast.AST] = [s for s in function.body if not isinstance(s, _NESTED_SCOPES)]
    points = 1
    while stack:
        node = stack.pop()
        points += _decision_points(node)
        stack.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, _NESTED_SCOPES))
    return points


def _decision_points(node: ast.AST) -> int:
    branches = (ast.If, ast.IfExp, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler)
    if isinstance(node, branches):
        return 1
    if isinstance(node, ast.BoolOp):
        return len(node.values) - 1
    if isinstance(node, ast.comprehension):
        return len(node.ifs)
    if isinstance(node, ast.match_case):
        wildcard = isinstance(node.pattern, ast.MatchAs) and node.pattern.pattern is None
        return 0 if wildcard and node.guard is None else 1
    return 0


def missing_annotations(info: FunctionInfo) -> list[str]:
    """Parameters (self/cls of methods excluded) and `return` that carry no annotation."""
    args = info.node.args
    positional = [*args.posonlyargs, *args.args]
    if info.in_class and positional and positional[0].arg in {"self", "cls"}:
        positional = positional[1:]
    params = [*positional, *args.kwonlyargs]
    params += [a for a in (args.vararg, args.kwarg) if a is not None]
    missing = [p.arg for p in params if p.annotation is None]
    if info.node.returns is None:
        missing.append("return")
    return missing


# --------------------------------------------------------------------------- lint


def load_ruff_rules(exercise: Path) -> RuffRules:
    """The ruff rules of the original exercise's pyproject.toml, never the submission's."""
    path = exercise / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InfrastructureError(
            f"Cannot read the exercise's lint rules from {path}: {exc}",
            tip="Run the grader from a complete checkout of the project.",
        ) from exc
    ruff = data.get("tool", {}).get("ruff", {})
    lint = {**ruff, **ruff.get("lint", {})}
    per_file = lint.get("per-file-ignores", {})
    return RuffRules(
        select=tuple(lint.get("select", DEFAULT_SELECT)),
        ignore=tuple(lint.get("ignore", ())),
        per_file_ignores=tuple(
            (pattern, code) for pattern, codes in sorted(per_file.items()) for code in codes
        ),
        line_length=ruff.get("line-length"),
        target_version=ruff.get("target-version"),
    )


def ruff_executable() -> str:
    """The ruff installed with the grader (beside its Python), else the one on PATH."""
    beside = Path(sys.executable).parent / "ruff"
    found = str(beside) if beside.is_file() else shutil.which("ruff")
    if found is None:
        raise InfrastructureError(
            "ruff is not installed, so the lint check cannot run.",
            tip="Install the grader with its dependencies: `pip install -e .`.",
        )
    return found


def run_ruff(root: Path, files: list[str], rules: RuffRules) -> list[dict[str, Any]]:
    """ruff's JSON findings for `files` (relative to `root`) under the grader's rules only.

    `--isolated` ignores every configuration file of the submission, `--ignore-noqa` its
    suppression comments; ruff reads the files and never executes them.
    """
    command = [
        ruff_executable(),
        "check",
        "--isolated",
        "--no-cache",
        "--ignore-noqa",
        "--no-respect-gitignore",
        "--exit-zero",
        "--output-format",
        "json",
        *rules.arguments(),
        "--",
        *files,
    ]
    try:
        done = subprocess.run(
            command,
            cwd=root,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=RUFF_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfrastructureError(
            f"ruff did not finish: {exc}", tip="Run `ruff --version` to check the installation."
        ) from exc
    tip = "Run the same ruff command by hand on the submission to see the error."
    stderr = done.stderr.decode("utf-8", "replace")[-500:]
    if done.returncode != 0:
        raise InfrastructureError(f"ruff failed with code {done.returncode}: {stderr}", tip=tip)
    try:
        findings = json.loads(done.stdout.decode("utf-8", "replace"))
    except json.JSONDecodeError as exc:
        raise InfrastructureError(f"ruff printed no JSON: {stderr}", tip=tip) from exc
    return [f for f in findings if isinstance(f, dict)] if isinstance(findings, list) else []


def rule_family(code: str) -> str:
    """The letters of a rule code: `SIM` for SIM115, `S` for S104, `PLR` for PLR0912."""
    return code.rstrip("0123456789")


def rule_weight(code: str) -> float:
    """The weight of one finding: the longest RULE_WEIGHTS prefix of the same family."""
    family = rule_family(code)
    matches = [
        (len(prefix), weight)
        for prefix, weight in RULE_WEIGHTS
        if code.startswith(prefix) and rule_family(prefix) == family
    ]
    return max(matches)[1] if matches else DEFAULT_RULE_WEIGHT


def rule_severity(code: str) -> str:
    """`error` for likely bugs, security problems and unparsable code, else `warning`."""
    return "error" if rule_family(code) in ERROR_FAMILIES or code.startswith("E9") else "warning"


def noqa_codes(line: str) -> set[str]:
    """The rule codes a `# noqa: X1, Y2` comment names; a bare `# noqa` names none."""
    match = NOQA_COMMENT.search(line)
    return set(RULE_CODE.findall(match["codes"].upper())) if match else set()


def _ruff_finding(
    raw: dict[str, Any], root: Path, sources: dict[str, SourceFile]
) -> tuple[dict[str, Any], float]:
    """One ruff JSON record as a finding located in the submission, with its weight."""
    code = str(raw.get("code") or "E999")
    location = raw.get("location") or {}
    filename = Path(str(raw.get("filename", "")))
    try:
        path = filename.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        path = filename.name
    message = str(raw.get("message", ""))
    severity, weight = rule_severity(code), rule_weight(code)
    source = sources.get(path)
    noqa_row = int(raw.get("noqa_row") or location.get("row") or 1)
    if source is not None and code in noqa_codes(source.line(noqa_row)):
        message, severity = f"{message} (silenced with noqa)", "note"
        weight *= SILENCED_SHARE
    row, column = int(location.get("row") or 1), int(location.get("column") or 1)
    return finding(path, row, code, message, column=column, severity=severity), weight


def _lint_result(check: Check, context: CheckContext, sources: SourceTree) -> CheckResult:
    root = context.submission.root
    rules = load_ruff_rules(context.exercise)
    raw = run_ruff(root, [f.path for f in sources.files], rules) if sources.files else []
    by_path = {source.path: source for source in sources.files}
    weighted = [_ruff_finding(r, root, by_path) for r in raw]
    weighted += [(u.as_finding(), rule_weight("E999")) for u in sources.unreadable]
    weighted.sort(key=lambda fw: (fw[0]["path"], fw[0]["line"], fw[0]["column"], fw[0]["rule"]))
    findings = [f for f, _ in weighted]
    lines = sum(f.code_lines for f in sources.files)
    density = 1000 * sum(w for _, w in weighted) / max(lines, 1)
    share = (ZERO_DENSITY - density) / (ZERO_DENSITY - FREE_DENSITY)
    silenced = sum(1 for f in findings if f["severity"] == "note")
    counted = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
    if silenced:
        counted += f", {silenced} silenced with a `noqa` naming the rule"
    message = (
        f"{counted} ({density:.1f} weighted per 1,000 lines; "
        f"up to {FREE_DENSITY:g} earns full points)."
    )
    return scored(check, share, message=message, evidence=capped_findings(findings, "findings"))


def capped_findings(findings: list[dict[str, Any]], noun: str) -> list[dict[str, Any]]:
    """At most MAX_FINDINGS findings, a count by rule, and a note of what was left out."""
    if not findings:
        return []
    by_rule = Counter(f["rule"] for f in findings)
    summary = ", ".join(f"{rule} x{n}" for rule, n in sorted(by_rule.items()))
    evidence = [*findings[:MAX_FINDINGS], text_evidence(f"{noun.capitalize()} by rule", summary)]
    if len(findings) > MAX_FINDINGS:
        rest = len(findings) - MAX_FINDINGS
        evidence.append(text_evidence(f"More {noun}", f"{rest} more {noun} not listed."))
    return evidence


# --------------------------------------------------------------------------- complexity, types


def function_complexities(sources: SourceTree) -> dict[tuple[str, str], int]:
    """Cyclomatic complexity of every application function, by (path, qualified name)."""
    return {
        (source.path, info.qualname): cyclomatic_complexity(info.node)
        for source in sources.app_files
        for info in iter_functions(source.tree)
    }


def _complexity_result(check: Check, sources: SourceTree, original: SourceTree) -> CheckResult:
    measured = function_complexities(sources)
    # A function the exercise already shipped this complex is not the candidate's doing.
    inherited = function_complexities(original)
    over = sorted(
        (key for key, value in measured.items() if value > COMPLEXITY_THRESHOLD),
        key=lambda key: (-measured[key], key),
    )
    charged = [key for key in over if measured[key] > inherited.get(key, COMPLEXITY_THRESHOLD)]
    lines = {
        (source.path, info.qualname): info.node.lineno
        for source in sources.app_files
        for info in iter_functions(source.tree)
    }
    findings = [
        finding(
            path,
            lines[path, name],
            "complexity",
            f"{name} has cyclomatic complexity {measured[path, name]} "
            f"(threshold {COMPLEXITY_THRESHOLD})"
            + ("" if (path, name) in charged else "; as shipped with the exercise, not counted"),
        )
        for path, name in over
    ]
    findings += [u.as_finding() for u in sources.app_unreadable]
    message = (
        f"{len(charged)} of {len(measured)} functions above complexity {COMPLEXITY_THRESHOLD}"
        + (
            f" ({len(over) - len(charged)} more as shipped with the exercise)."
            if over != charged
            else "."
        )
    )
    share = 1.0 - COST_PER_COMPLEX * len(charged)
    return scored(check, share, message=message, evidence=capped_findings(findings, "findings"))


def _types_result(check: Check, sources: SourceTree) -> CheckResult:
    public = [
        (source.path, info)
        for source in sources.app_files
        for info in iter_functions(source.tree)
        if info.public
    ]
    lacking = [(path, info, missing_annotations(info)) for path, info in public]
    lacking = [item for item in lacking if item[2]]
    findings = [
        finding(
            path,
            info.node.lineno,
            "missing-annotation",
            f"{info.qualname}: no annotation on {', '.join(missing)}",
        )
        for path, info, missing in lacking
    ]
    findings += [u.as_finding() for u in sources.app_unreadable]
    if not public:
        return scored(check, 1.0, message="No public functions to annotate.", evidence=findings)
    typed = 1.0 - len(lacking) / len(public)
    share = (typed - TYPED_ZERO) / (TYPED_FULL - TYPED_ZERO)
    message = (
        f"{len(public) - len(lacking)} of {len(public)} public functions fully annotated "
        f"({typed:.0%}; {TYPED_FULL:.0%} earns full points)."
    )
    return scored(check, share, message=message, evidence=capped_findings(findings, "findings"))


# --------------------------------------------------------------------------- stage


def _answer(check: Check, context: CheckContext, sources: SourceTree) -> CheckResult:
    if not sources.app_files and not sources.app_unreadable:
        return check_result(
            check,
            Status.FAILED,
            message="No Python application code was found (only tests, or no Python at all).",
        )
    if check.id == LINT_CHECK:
        return _lint_result(check, context, sources)
    if check.id == COMPLEXITY_CHECK:
        return _complexity_result(check, sources, load_sources(context.exercise))
    return _types_result(check, sources)


def run(context: CheckContext) -> StageOutcome:
    """Answer the static code checks the rubric asks for; the submission is only read."""
    checks = [c for c in wanted(context, "static") if c.id in CHECK_IDS]
    if not checks:
        return StageOutcome()
    sources = load_sources(context.submission.root)
    results: list[CheckResult] = []
    problems: list[str] = []
    for check in checks:
        try:
            results.append(_answer(check, context, sources))
        except InfrastructureError as exc:
            problems.append(str(exc))
            results.append(check_result(check, Status.ERROR, message=exc.message))
    return StageOutcome(checks=tuple(results), problems=tuple(problems))
