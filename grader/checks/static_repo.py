"""Static repository checks: secrets, committed junk, dependencies and the provided tests.

Everything is compared with the original exercise (`context.exercise`), so what the exercise
itself ships is never held against the candidate. Nothing of the submission is executed.

- no_secrets (all): `.env` files and secret-looking values (private keys, cloud and chat
  tokens, high-entropy literals assigned to secret-sounding names) not already in the exercise.
- clean_tree (all): virtualenvs, bytecode, tool caches, coverage output, databases,
  dependencies, build output, OS metadata and binaries over LARGE_BINARY_BYTES.
- dependencies (all): requirements.txt lines added or changed, and imports of the runtime
  code that neither the standard library, the submission itself nor the runtime image provides.
- tests_intact (fraction): 1 - weakened / items, where the items are the exercise's test
  functions, its `test`/`lint`/`check` Makefile targets, scripts/self_check.py and CI files
  under .github/. A test is weakened when deleted (beyond the new tests that may replace it,
  see `_compare_tests`), newly skipped or xfailed, or left with fewer assertions.
"""

from __future__ import annotations

import ast
import bisect
import math
import re
import string
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard

from grader.checks.base import (
    CheckContext,
    StageOutcome,
    check_result,
    finding,
    scored,
    text_evidence,
    wanted,
)
from grader.checks.static_code import (
    SourceFile,
    Unreadable,
    capped_findings,
    is_tooling_dir,
    load_sources,
    parse_python,
    walk_files,
)
from grader.errors import InfrastructureError
from grader.model import CheckResult, Status
from grader.rubric import Check

SECRETS_CHECK = "security.repo.no_secrets"
CLEAN_TREE_CHECK = "code_quality.repo.clean_tree"
DEPENDENCIES_CHECK = "code_quality.repo.dependencies"
TESTS_INTACT_CHECK = "code_quality.repo.tests_intact"
CHECK_IDS = (SECRETS_CHECK, CLEAN_TREE_CHECK, DEPENDENCIES_CHECK, TESTS_INTACT_CHECK)

MAX_SCAN_BYTES = 1024 * 1024
SNIFF_BYTES = 8192
LARGE_BINARY_BYTES = 1024 * 1024
MAX_GROUP_LINES = 20
VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})

# --------------------------------------------------------------------------- file reading


def read_head(path: Path, limit: int) -> bytes:
    """At most `limit` bytes from the start of a file; empty when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return handle.read(limit)
    except OSError:
        return b""


def is_binary(head: bytes) -> bool:
    """A NUL byte near the start: not text worth scanning."""
    return b"\0" in head[:SNIFF_BYTES]


# --------------------------------------------------------------------------- secrets

CREDENTIAL_NAMES = (
    r"api[_-]?key|secret|token|passw(?:or)?d|passwd|pwd|private[_-]?key|access[_-]?key"
)
# Searched in ASCII-lowercased text (same length, so offsets hold): far faster than re.I.
CREDENTIAL_WORD = re.compile(CREDENTIAL_NAMES)
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Longer lines (minified or data files) get only the token patterns, which stay linear.
MAX_ASSIGNMENT_LINE = 4096
_KEY = rf"(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]{{0,40}}?(?i:{CREDENTIAL_NAMES})[A-Za-z0-9_.-]{{0,40}})"
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "private key",
        re.compile(
            r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:\\n|\s){0,8}"
            r"([A-Za-z0-9+/=]{0,64})"
        ),
    ),
    ("AWS access key", re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b")),
    ("GitHub token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_\w{22,255})")),
    ("Slack token", re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,200})")),
    ("Slack webhook", re.compile(r"(hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,200})")),
)
QUOTED_ASSIGNMENT = re.compile(
    _KEY + r"[\"']?\s*(?::=|[:=])\s*[rbuRBU]{0,2}([\"'])([^\"'\s]{16,200})\2"
)
# In configuration files (.env, YAML, INI, TOML) values need no quotes.
BARE_ASSIGNMENT = re.compile(_KEY + r"[\"']?\s*[:=]\s*([^\s\"'#,;]{16,200})")
PLACEHOLDER = re.compile(r"\$\{|\{\{|<|%\(|xxxx|change.?me|example|placeholder|your", re.I)
MIN_ENTROPY_BITS = 3.5
ENV_TEMPLATE_SUFFIXES = frozenset({"example", "sample", "template", "dist"})
SECRET_SKIP_DIRS = frozenset(
    {"venv", "site-packages", "node_modules", "__pycache__"}
    | {".venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis"}
)


@dataclass(frozen=True, slots=True)
class Secret:
    """Something that looks like a committed credential."""

    path: str
    line: int
    kind: str
    value: str

    @property
    def masked(self) -> str:
        """The value as reports may show it: its first 4 characters."""
        return f"{self.value[:4]}****"

    def as_finding(self) -> dict[str, Any]:
        """A located finding that never shows the whole value."""
        shown = "" if self.kind == ".env file" else f": {self.masked}"
        return finding(self.path, self.line, "secret", f"{self.kind}{shown}", severity="error")


def shannon_entropy(text: str) -> float:
    """Bits per character of a string's own character distribution."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_random(value: str) -> bool:
    """A literal that looks generated: letters and digits, high entropy, not a placeholder."""
    return (
        any(c.isalpha() for c in value)
        and any(c.isdigit() for c in value)
        and shannon_entropy(value) >= MIN_ENTROPY_BITS
        and not PLACEHOLDER.search(value)
    )


def is_env_file(name: str) -> bool:
    """`.env` or `.env.<stage>`, but not a template such as `.env.example`."""
    if name == ".env":
        return True
    return name.startswith(".env.") and name[5:].lower() not in ENV_TEMPLATE_SUFFIXES


def secrets_in_text(path: str, text: str) -> list[Secret]:
    """Secrets found in one file's text, located by line."""
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    found = [
        Secret(path, line_of(match.start()), kind, match.group(1) or match.group(0))
        for kind, pattern in SECRET_PATTERNS
        for match in pattern.finditer(text)
    ]
    known = {secret.value for secret in found}
    for start, end in _credential_lines(text, newlines):
        for match in _assignments(path, text, start, end):
            if match[1] not in known and looks_random(match[1]):
                kind = f"secret-looking value of {match[0]}"
                found.append(Secret(path, line_of(start), kind, match[1]))
    return found


def _credential_lines(text: str, newlines: list[int]) -> Iterator[tuple[int, int]]:
    """(start, end) of each line naming a credential: the only lines worth a closer look."""
    last = -1
    for word in CREDENTIAL_WORD.finditer(text.translate(ASCII_LOWER)):
        index = bisect.bisect_left(newlines, word.start())
        if index == last:
            continue
        last = index
        start = newlines[index - 1] + 1 if index else 0
        end = newlines[index] if index < len(newlines) else len(text)
        if end - start <= MAX_ASSIGNMENT_LINE:
            yield start, end


def _assignments(path: str, text: str, start: int, end: int) -> Iterator[tuple[str, str]]:
    """(name, value) of the assignments of one line; bare values outside Python only."""
    for match in QUOTED_ASSIGNMENT.finditer(text, start, end):
        yield match.group(1), match.group(3)
    if not path.endswith(".py"):
        for match in BARE_ASSIGNMENT.finditer(text, start, end):
            yield match.group(1), match.group(2)


def find_secrets(root: Path) -> list[Secret]:
    """Every secret-looking file or value under `root`, dependencies and caches skipped."""

    def skip(directory: Path) -> bool:
        return directory.name in VCS_DIRS | SECRET_SKIP_DIRS or (directory / "pyvenv.cfg").exists()

    found: list[Secret] = []
    for rel in walk_files(root, skip_dir=skip):
        if is_env_file(rel.name):
            found.append(Secret(str(rel), 1, ".env file", str(rel)))
        head = read_head(root / rel, MAX_SCAN_BYTES)
        if not is_binary(head):
            found += secrets_in_text(str(rel), head.decode("utf-8", "replace"))
    return sorted(set(found), key=lambda s: (s.path, s.line, s.kind, s.value))


def _secrets_result(check: Check, context: CheckContext) -> CheckResult:
    # The exercise's own fixtures (test tokens, sample keys) are not the candidate's doing,
    # wherever the candidate moved them.
    shipped = {s.value for s in find_secrets(context.exercise)}
    charged = [s for s in find_secrets(context.submission.root) if s.value not in shipped]
    if not charged:
        return scored(check, 1.0, message="No committed secrets found.")
    places = ", ".join(dict.fromkeys(f"{s.path} ({s.kind.split(' of ')[0]})" for s in charged))
    message = f"{len(charged)} likely secret{'s' if len(charged) > 1 else ''} committed: {places}"
    return scored(
        check,
        0.0,
        message=_shorten(message),
        evidence=capped_findings([s.as_finding() for s in charged], "secrets"),
    )


# --------------------------------------------------------------------------- clean tree

JUNK_DIRS = {
    ".venv": "virtualenv",
    "venv": "virtualenv",
    "site-packages": "virtualenv",
    "__pycache__": "bytecode",
    ".pytest_cache": "tool cache",
    ".mypy_cache": "tool cache",
    ".ruff_cache": "tool cache",
    ".hypothesis": "tool cache",
    ".tox": "tool cache",
    ".nox": "tool cache",
    "htmlcov": "coverage output",
    "node_modules": "node_modules",
    "dist": "build output",
    "build": "build output",
}
JUNK_SUFFIXES = {
    ".pyc": "bytecode",
    ".pyo": "bytecode",
    ".db": "database",
    ".db-wal": "database",
    ".db-shm": "database",
    ".db-journal": "database",
}
SQLITE_MAGIC = b"SQLite format 3\0"


def junk_dir_name(name: str) -> str | None:
    """Why a directory of this name should not be committed, if it should not."""
    if name.endswith(".egg-info"):
        return "build output"
    return JUNK_DIRS.get(name)


def junk_dir_category(path: Path) -> str | None:
    """Why a whole directory should not be committed: its name or a virtualenv marker."""
    if (path / "pyvenv.cfg").is_file():
        return "virtualenv"
    return junk_dir_name(path.name)


def junk_file_category(name: str) -> str | None:
    """Why a file should not be committed, judged by its name alone."""
    lowered = name.lower()
    if lowered == ".ds_store":
        return "OS metadata"
    if lowered == ".coverage" or lowered.startswith(".coverage."):
        return "coverage output"
    if PurePosixPath(lowered).suffix.startswith(".sqlite"):
        return "database"
    return next((c for s, c in JUNK_SUFFIXES.items() if lowered.endswith(s)), None)


def _content_category(path: Path) -> str | None:
    """Junk recognised by content: SQLite files by magic, large binaries by size."""
    head = read_head(path, SNIFF_BYTES)
    if head.startswith(SQLITE_MAGIC):
        return "database"
    try:
        size = path.stat().st_size
    except OSError:
        return None
    return "large binary" if size > LARGE_BINARY_BYTES and is_binary(head) else None


def find_junk(root: Path, skipped: tuple[str, ...]) -> dict[str, Counter[str]]:
    """{category: {path or "dir/": files}} for everything that should not be committed."""
    junk: dict[str, Counter[str]] = defaultdict(Counter)
    junk_dirs: dict[PurePosixPath, str] = {}

    def skip(directory: Path) -> bool:
        category = junk_dir_category(directory)
        if category is not None:
            junk_dirs[PurePosixPath(directory.relative_to(root).as_posix())] = category
        return category is not None or directory.name in VCS_DIRS

    for rel in walk_files(root, skip_dir=skip):
        category = junk_file_category(rel.name) or _content_category(root / rel)
        if category is not None:
            junk[category][str(rel)] += 1
    for directory, category in junk_dirs.items():
        junk[category][f"{directory}/"] += sum(p.is_file() for p in (root / directory).rglob("*"))
    for entry in skipped:
        _add_skipped(junk, entry)
    return dict(junk)


def _add_skipped(junk: dict[str, Counter[str]], entry: str) -> None:
    """A path the intake left out ("path (reason)"), counted under its junk folder if any."""
    rel = PurePosixPath(entry.rsplit(" (", 1)[0].rstrip("/") or ".")
    for depth in range(1, len(rel.parts) + 1):
        category = junk_dir_name(rel.parts[depth - 1])
        if category is not None:
            junk[category][f"{PurePosixPath(*rel.parts[:depth])}/"] += 1
            return
    category = junk_file_category(rel.name)
    if category is not None:
        junk[category][str(rel)] += 1


def _clean_tree_result(check: Check, context: CheckContext) -> CheckResult:
    junk = find_junk(context.submission.root, context.submission.skipped)
    if not junk:
        return scored(check, 1.0, message="Nothing that should not be committed.")
    evidence = [
        text_evidence(category, _grouped(entries)) for category, entries in sorted(junk.items())
    ]
    summary = "; ".join(
        f"{category}: {', '.join(sorted(entries)[:3])}{' ...' if len(entries) > 3 else ''}"
        for category, entries in sorted(junk.items())
    )
    return scored(
        check, 0.0, message=_shorten(f"Should not be committed: {summary}"), evidence=evidence
    )


def _grouped(entries: Counter[str]) -> str:
    lines = [
        f"{path} ({count} files)" if path.endswith("/") else path
        for path, count in sorted(entries.items())
    ]
    if len(lines) > MAX_GROUP_LINES:
        lines = [*lines[:MAX_GROUP_LINES], f"... and {len(lines) - MAX_GROUP_LINES} more"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- dependencies

# Distributions whose import name is not their normalized name with "-" read as "_".
IMPORT_NAMES: dict[str, tuple[str, ...]] = {
    "python-json-logger": ("pythonjsonlogger",),
    "pyyaml": ("yaml",),
    "opentelemetry-api": ("opentelemetry",),
    "pytest": ("pytest", "_pytest"),
    "hypothesis": ("hypothesis", "_hypothesis_pytestplugin"),
    "attrs": ("attr", "attrs"),
    "python-dateutil": ("dateutil",),
    "pillow": ("PIL",),
    "beautifulsoup4": ("bs4",),
}
_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?(.*)$")
IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


@dataclass(frozen=True, slots=True)
class Requirements:
    """A requirements file: {normalized name: normalized specifier}, plus other lines."""

    pins: dict[str, tuple[str, int]] = field(default_factory=dict)
    other: dict[str, int] = field(default_factory=dict)


def normalize_name(name: str) -> str:
    """A distribution name as package indexes compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirements(text: str) -> Requirements:
    """Name and specifier of each requirement line with its line number; options kept apart."""
    pins: dict[str, tuple[str, int]] = {}
    other: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        match = _REQUIREMENT.match(line)
        if match is None or line.startswith("-"):
            other[re.sub(r"\s+", " ", line)] = number
            continue
        name, extras, rest = match.groups()
        pins[normalize_name(name)] = (re.sub(r"\s+", "", f"{extras or ''}{rest}").lower(), number)
    return Requirements(pins=pins, other=other)


def read_requirements(path: Path) -> Requirements | None:
    """A requirements file, or None when there is none."""
    if not path.is_file():
        return None
    return parse_requirements(read_head(path, MAX_SCAN_BYTES).decode("utf-8", "replace"))


def provided_modules(requirements: Requirements) -> set[str]:
    """Import names of the runtime image's distributions."""
    names: set[str] = set()
    for dist in requirements.pins:
        names.update(IMPORT_NAMES.get(dist, (dist.replace("-", "_"),)))
    return names


def requirement_changes(original: Requirements, submitted: Requirements) -> list[dict[str, Any]]:
    """Findings for requirement lines added or re-pinned compared with the exercise."""
    findings = []
    for name, (spec, line) in sorted(submitted.pins.items()):
        before = original.pins.get(name)
        if before is None:
            message = f"added requirement {name}{spec}"
        elif before[0] != spec:
            message = f"changed requirement {name}{before[0]} -> {name}{spec}"
        else:
            continue
        findings.append(finding("requirements.txt", line, "requirement", message))
    findings += [
        finding("requirements.txt", line, "requirement", f"added line {text!r}")
        for text, line in sorted(submitted.other.items())
        if text not in original.other
    ]
    return findings


def unconditional_imports(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Top-level module names a module imports with no fallback, with their line.

    Imports under `if TYPE_CHECKING:` and in a `try` whose handlers catch ImportError (or
    broader) are optional and skipped; relative imports are the submission's own.
    """
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            yield from ((alias.name.partition(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.partition(".")[0], node.lineno
        stack.extend(_unguarded_children(node))


def _unguarded_children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Try | ast.TryStar) and any(
        _catches_import_error(h) for h in node.handlers
    ):
        return [*node.handlers, *node.orelse, *node.finalbody]
    if isinstance(node, ast.If) and "TYPE_CHECKING" in _names_in(node.test):
        return list(node.orelse)
    return list(ast.iter_child_nodes(node))


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = {c.id if isinstance(c, ast.Name) else getattr(c, "attr", "") for c in caught}
    return bool(names & IMPORT_ERRORS)


def runtime_sources(root: Path) -> tuple[list[SourceFile], set[str]]:
    """The service's code (packages with `__init__.py` and root modules) and own module names.

    Folders that are not packages (scripts/, bench/) are tooling run with the development
    requirements, so their imports are not held to the runtime image.
    """
    sources = load_sources(root)
    paths = [PurePosixPath(f.path) for f in sources.files]
    paths += [PurePosixPath(u.path) for u in sources.unreadable]
    own = {p.parts[0] if len(p.parts) > 1 else p.stem for p in paths}
    runtime = [
        f
        for f in sources.app_files
        if len(PurePosixPath(f.path).parts) == 1
        or (root / PurePosixPath(f.path).parts[0] / "__init__.py").is_file()
    ]
    return runtime, own


def import_findings(root: Path, provided: set[str]) -> list[dict[str, Any]]:
    """Findings for imports of runtime code that nothing in the runtime image provides."""
    runtime, own = runtime_sources(root)
    allowed = provided | own | set(sys.stdlib_module_names)
    return [
        finding(source.path, line, "import", f"imports {module}, which the runtime image lacks")
        for source in runtime
        for module, line in sorted(set(unconditional_imports(source.tree)), key=lambda m: m[::-1])
        if module not in allowed
    ]


def _dependencies_result(check: Check, context: CheckContext) -> CheckResult:
    original = read_requirements(context.exercise / "requirements.txt")
    if original is None:
        raise InfrastructureError(
            f"The exercise has no requirements.txt in {context.exercise}: the runtime image's "
            "package list is unknown.",
            tip="Run the grader from a complete checkout of the project.",
        )
    submitted = read_requirements(context.submission.root / "requirements.txt")
    findings = requirement_changes(original, submitted) if submitted is not None else []
    findings += import_findings(context.submission.root, provided_modules(original))
    if not findings:
        return scored(check, 1.0, message="Only the runtime image's packages are used.")
    listed = "; ".join(dict.fromkeys(f["message"] for f in findings))
    message = f"Not in the runtime image, so not installed when the service is graded: {listed}"
    return scored(
        check,
        0.0,
        message=_shorten(message),
        evidence=capped_findings(findings, "dependency problems"),
    )


# --------------------------------------------------------------------------- tests intact

GUARDED_TARGETS = ("test", "lint", "check")
SELF_CHECK = PurePosixPath("scripts/self_check.py")
SKIP_NAMES = frozenset({"skip", "skipif", "xfail"})
ASSERTING_CALLS = frozenset({"raises", "warns", "deprecated_call", "fail"})
_MAKE_TARGET = re.compile(r"^([A-Za-z0-9_.%/ -]+?)\s*::?(?!=)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class TestFacts:
    """What makes one test function a test: its assertions and whether it is skipped."""

    line: int
    asserts: int
    skipped: bool


def _names_in(node: ast.AST) -> set[str]:
    """Every name and attribute name inside a node."""
    return {
        n.id if isinstance(n, ast.Name) else n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Name | ast.Attribute)
    }


def _called_names(node: ast.AST) -> Iterator[str]:
    """The name (or last attribute) of every call inside a node."""
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            yield func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def count_asserts(function: ast.AST) -> int:
    """`assert` statements plus assertion calls (assert_*(), pytest.raises/warns/fail)."""
    statements = sum(isinstance(n, ast.Assert) for n in ast.walk(function))
    calls = sum(
        name.startswith("assert") or name in ASSERTING_CALLS for name in _called_names(function)
    )
    return statements + calls


def _module_skips(tree: ast.Module) -> set[str]:
    """Skip marks of a whole module: `pytestmark = ...skip...` or a module-level skip() call."""
    marks: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and "pytestmark" in _names_in(statement):
            marks |= _names_in(statement.value) & SKIP_NAMES
        elif isinstance(statement, ast.Expr):
            marks |= set(_called_names(statement)) & SKIP_NAMES
    return marks


def _is_test(node: ast.AST) -> TypeGuard[ast.FunctionDef | ast.AsyncFunctionDef]:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")


def _facts(function: ast.FunctionDef | ast.AsyncFunctionDef, marks: set[str]) -> TestFacts:
    """A test's facts; `marks` are skip names inherited from its class or module."""
    decorators = set().union(*(_names_in(d) for d in function.decorator_list))
    calls = {name for statement in function.body for name in _called_names(statement)}
    skipped = bool((marks | decorators | calls) & SKIP_NAMES)
    return TestFacts(function.lineno, count_asserts(function), skipped)


def test_functions(tree: ast.Module) -> dict[str, TestFacts]:
    """{"name" or "Class::name": facts} for the tests pytest would collect from a module."""
    facts: dict[str, TestFacts] = {}
    module_marks = _module_skips(tree)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            marks = module_marks.union(*(_names_in(d) for d in node.decorator_list))
            for member in node.body:
                if _is_test(member):
                    facts[f"{node.name}::{member.name}"] = _facts(member, marks)
        elif _is_test(node):
            facts[node.name] = _facts(node, module_marks)
    return facts


def make_targets(text: str) -> set[str]:
    """Target names declared in a Makefile (variables and recipes excluded)."""
    return {name for match in _MAKE_TARGET.finditer(text) for name in match.group(1).split()}


def collect_tests(root: Path) -> tuple[dict[tuple[str, str], TestFacts], list[Unreadable]]:
    """{(path, test name): facts} of the test files under tests/, and those that do not parse."""
    tests: dict[tuple[str, str], TestFacts] = {}
    unreadable: list[Unreadable] = []
    for rel in walk_files(root, skip_dir=is_tooling_dir):
        if rel.suffix != ".py" or "tests" not in rel.parts[:-1]:
            continue
        parsed = parse_python(root / rel, str(rel))
        if isinstance(parsed, Unreadable):
            unreadable.append(parsed)
            continue
        tests.update(
            ((str(rel), name), facts) for name, facts in test_functions(parsed.tree).items()
        )
    return tests, unreadable


@dataclass(slots=True)
class _Tally:
    """Provided items counted, and findings for those deleted or weakened."""

    total: int = 0
    weakened: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    def weaken(self, path: str, line: int, rule: str, message: str) -> None:
        self.findings.append(finding(path, line, rule, message, severity="error"))
        self.weakened += 1


def _compare_tests(tally: _Tally, *, exercise: Path, root: Path) -> None:
    """Each provided test is one item, found by name in any test file (tests may move).

    A provided test no longer found is deleted; each new test with an assertion counts as the
    replacement of one deleted test (tests get renamed and rewritten), so only deletions beyond
    the new tests are charged. Skips and removed assertions are always charged.
    """
    original, _ = collect_tests(exercise)
    submitted, unreadable = collect_tests(root)
    tally.findings += [u.as_finding() for u in unreadable]
    by_name: dict[str, tuple[str, TestFacts]] = {}
    for (path, name), facts in sorted(submitted.items(), reverse=True):
        by_name[name] = (path, facts)
    deleted: list[tuple[str, str, TestFacts]] = []
    for (path, name), before in sorted(original.items()):
        tally.total += 1
        same_file = submitted.get((path, name))
        where, now = (path, same_file) if same_file else by_name.get(name, (path, None))
        if now is None:
            deleted.append((path, name, before))
        elif now.skipped and not before.skipped:
            tally.weaken(where, now.line, "test-skipped", f"{name} newly skipped or xfailed")
        elif now.asserts < before.asserts:
            message = f"{name} has {now.asserts} assertions, {before.asserts} in the exercise"
            tally.weaken(where, now.line, "asserts-removed", message)
    known = {name for _, name in original}
    replacements = sum(1 for (_, n), f in submitted.items() if n not in known and f.asserts)
    charged = max(0, len(deleted) - replacements)
    tally.weakened += charged
    tally.findings += [
        finding(path, facts.line, "test-deleted", f"{name} no longer exists")
        for path, name, facts in deleted
    ]
    if deleted:
        note = (
            f"{len(deleted)} provided tests no longer exist by name; {replacements} new tests "
            f"with assertions count as their replacements, so {charged} are charged."
        )
        tally.notes.append(text_evidence("Deleted or renamed tests", note))


def _compare_make_targets(tally: _Tally, *, exercise: Path, root: Path) -> None:
    """The exercise's `test`, `lint` and `check` targets, one item each."""
    original = make_targets(_text(exercise / "Makefile"))
    kept = make_targets(_text(root / "Makefile"))
    for target in GUARDED_TARGETS:
        if target in original:
            tally.total += 1
            if target not in kept:
                tally.weaken("Makefile", 1, "target-removed", f"`make {target}` removed")


def _compare_required_files(tally: _Tally, *, exercise: Path, root: Path) -> None:
    """The self-check script and CI files under .github/, one item each."""
    required = [SELF_CHECK] if (exercise / SELF_CHECK).is_file() else []
    github = exercise / ".github"
    if github.is_dir():
        required += [".github" / rel for rel in walk_files(github, skip_dir=lambda _: False)]
    for rel in required:
        tally.total += 1
        if not (root / rel).is_file():
            tally.weaken(str(rel), 1, "file-deleted", f"{rel} deleted")


def _text(path: Path) -> str:
    return read_head(path, MAX_SCAN_BYTES).decode("utf-8", "replace")


def _tests_intact_result(check: Check, context: CheckContext) -> CheckResult:
    exercise, root = context.exercise, context.submission.root
    tally = _Tally()
    _compare_tests(tally, exercise=exercise, root=root)
    _compare_make_targets(tally, exercise=exercise, root=root)
    _compare_required_files(tally, exercise=exercise, root=root)
    share = 1.0 - tally.weakened / max(tally.total, 1)
    if not tally.weakened:
        message = f"All {tally.total} provided tests and checks kept."
    else:
        message = (
            f"{tally.weakened} of {tally.total} provided tests and checks removed or weakened."
        )
    return scored(
        check,
        share,
        message=message,
        evidence=[*capped_findings(tally.findings, "changes"), *tally.notes],
    )


# --------------------------------------------------------------------------- stage

MAX_MESSAGE_CHARS = 400


def _shorten(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return message[: MAX_MESSAGE_CHARS - 5].rstrip() + " ..."


_ANSWERS = {
    SECRETS_CHECK: _secrets_result,
    CLEAN_TREE_CHECK: _clean_tree_result,
    DEPENDENCIES_CHECK: _dependencies_result,
    TESTS_INTACT_CHECK: _tests_intact_result,
}


def run(context: CheckContext) -> StageOutcome:
    """Answer the repository checks the rubric asks for; the submission is only read."""
    results: list[CheckResult] = []
    problems: list[str] = []
    for check in wanted(context, "static"):
        if check.id not in CHECK_IDS:
            continue
        try:
            results.append(_ANSWERS[check.id](check, context))
        except InfrastructureError as exc:
            problems.append(str(exc))
            results.append(check_result(check, Status.ERROR, message=exc.message))
    return StageOutcome(checks=tuple(results), problems=tuple(problems))
