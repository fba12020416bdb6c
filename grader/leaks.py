"""Find grader-only material in a tree of files before it reaches a candidate.

Five kinds of leak, each matched conservatively to keep false alarms away:
- a hidden test function name (longer than MIN_TEST_NAME, as a whole word), unless the
  exercise's own visible tests define a test of that name on purpose;
- a rubric check id, or a check title, hint or reviewer note of at least MIN_PHRASE characters;
- a sentence of the review key's `what_a_good_comment_says` of at least MIN_PHRASE characters;
- a distinctive line (MIN_LINE characters, not an import, signature or comment) of the
  reference solution: any line of the modules that answer the tasks (ANSWER_MODULES), and of the
  other reference files only lines the exercise does not itself contain;
- a canary string (grader/canary.py).
Phrases are compared with whitespace collapsed, so re-wrapped text is still found.
"""

from __future__ import annotations

import ast
import bisect
import enum
import functools
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.canary import find_canaries, walk_files
from grader.errors import InfrastructureError
from grader.paths import EXERCISE_DIR, HIDDEN_TESTS_DIR
from grader.rubric import load_rubric

MIN_TEST_NAME = 12
MIN_PHRASE = 40
MIN_LINE = 45
# Reference modules that implement the candidate's tasks: none of their lines may be handed out.
ANSWER_MODULES = (
    "app/idempotency.py",
    "app/metrics.py",
    "app/routes/transfers.py",
    "app/routes/withdrawals.py",
    "app/routes/reports.py",
    "app/routes/transactions.py",
)
# Imports, signatures, decorators, comments, docstring quotes and returns: shared by any code.
GENERIC_LINE = re.compile(r'^(from |import |@|#|"""|def |async def |class |return )')
REFERENCE_TEXT_SUFFIXES = frozenset({".py", ".md", ".toml", ".txt", ".cfg", ".ini", ".sh", ""})
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SHOWN_CHARS = 80


class LeakKind(enum.StrEnum):
    """What kind of grader-only material leaked."""

    TEST_NAME = "hidden test name"
    RUBRIC_TEXT = "rubric text"
    REVIEW_KEY = "review key text"
    REFERENCE_LINE = "reference solution line"
    CANARY = "canary string"


@dataclass(frozen=True, slots=True)
class Leak:
    """One piece of grader-only material found in a file of the tree."""

    path: PurePosixPath
    line: int
    kind: LeakKind
    text: str
    origin: str

    def describe(self) -> str:
        """One line for a person: where, what, and where it comes from."""
        shown = self.text if len(self.text) <= SHOWN_CHARS else self.text[: SHOWN_CHARS - 3] + "..."
        return f"{self.path}:{self.line}: {self.kind} {shown!r} (from {self.origin})"


@dataclass(frozen=True, slots=True)
class HiddenMaterial:
    """What must never be handed out, each piece with the file it comes from."""

    test_names: dict[str, str]
    phrases: dict[str, tuple[LeakKind, str]]
    reference_lines: dict[str, str]


@functools.cache
def hidden_material(
    *, hidden: Path = HIDDEN_TESTS_DIR, exercise: Path = EXERCISE_DIR
) -> HiddenMaterial:
    """The grader-only material: hidden test names, rubric and review key text, reference lines.

    Read once per process: the grader's own files do not change while it runs.
    """
    shared_names = {name for name, _ in _test_functions(exercise / "tests")}
    names = {
        name: origin
        for name, origin in _test_functions(hidden, skip=hidden / "reference")
        if len(name) > MIN_TEST_NAME and name not in shared_names
    }
    phrases = dict(_rubric_phrases(hidden / "rubric.toml"))
    phrases.update(_review_phrases(hidden / "review_key.toml"))
    return HiddenMaterial(
        test_names=names,
        phrases=phrases,
        reference_lines=_reference_lines(hidden / "reference", exercise),
    )


def _test_functions(root: Path, *, skip: Path | None = None) -> Iterator[tuple[str, str]]:
    """(test function name, relative origin) for the Python files under root."""
    for relative, path in walk_files(root):
        if path.suffix != ".py" or (skip is not None and skip in path.parents):
            continue
        tree = _parsed(path)
        functions = (
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        )
        for node in functions:
            if node.name.startswith("test_"):
                yield node.name, f"{root.name}/{relative}"


def _parsed(path: Path) -> ast.Module:
    """A grader-owned Python file's syntax tree; a broken one is the grader's problem."""
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
        raise InfrastructureError(
            f"Cannot read {path} to collect the hidden test names: {exc}",
            tip="Fix the file; the hidden suite must parse.",
        ) from exc


def _rubric_phrases(path: Path) -> Iterator[tuple[str, tuple[LeakKind, str]]]:
    rubric = load_rubric(path)
    for check in rubric.checks:
        origin = f"rubric check {check.id}"
        yield _collapsed(check.id), (LeakKind.RUBRIC_TEXT, origin)
        for text in (check.title, check.hint, check.reviewer_note):
            if len(text) >= MIN_PHRASE:
                yield _collapsed(text), (LeakKind.RUBRIC_TEXT, origin)


def _review_phrases(path: Path) -> Iterator[tuple[str, tuple[LeakKind, str]]]:
    try:
        key = tomllib.loads(path.read_text(encoding="utf-8"))
        defects = [(str(d["id"]), str(d["what_a_good_comment_says"])) for d in key["defects"]]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise InfrastructureError(
            f"Cannot read the review key at {path}: {exc}",
            tip="Restore hidden_tests/review_key.toml from the grader's repository.",
        ) from exc
    for defect_id, says in defects:
        for sentence in SENTENCE_END.split(_collapsed(says)):
            if len(sentence) >= MIN_PHRASE:
                yield sentence, (LeakKind.REVIEW_KEY, f"review key defect {defect_id}")


def _reference_lines(reference: Path, exercise: Path) -> dict[str, str]:
    """Distinctive reference lines: all of the answer modules, the rest when new."""
    exercise_lines = {line for _, text in _text_files(exercise) for line in _stripped(text)}
    found: dict[str, str] = {}
    for relative, text in _text_files(reference):
        answer = str(relative) in ANSWER_MODULES
        for line in _stripped(text):
            distinctive = len(line) >= MIN_LINE and not GENERIC_LINE.match(line)
            if distinctive and (answer or line not in exercise_lines):
                found.setdefault(line, f"reference/{relative}")
    return found


def _text_files(root: Path) -> Iterator[tuple[PurePosixPath, str]]:
    for relative, path in walk_files(root):
        if path.suffix not in REFERENCE_TEXT_SUFFIXES or "__pycache__" in relative.parts:
            continue
        try:
            yield relative, path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue


def _stripped(text: str) -> Iterator[str]:
    return (line.strip() for line in text.splitlines())


def _collapsed(text: str) -> str:
    return " ".join(text.split())


def find_leaks(tree: Path, material: HiddenMaterial | None = None) -> list[Leak]:
    """Every piece of grader-only material found in the files under `tree` (.git skipped)."""
    material = material if material is not None else hidden_material()
    names = _word_pattern(material.test_names)
    leaks: list[Leak] = []
    for relative, path in walk_files(tree):
        text = _readable_text(path)
        if text is None:
            continue
        leaks += _name_leaks(relative, text, names, material)
        leaks += _phrase_leaks(relative, text, material)
        leaks += _line_leaks(relative, text, material)
    leaks += [
        Leak(path=hit.path, line=hit.line, kind=LeakKind.CANARY, text=hit.token, origin="canary")
        for hit in find_canaries(tree)
    ]
    return leaks


def _readable_text(path: Path) -> str | None:
    """A file's text, or None for binary or unreadable files (canaries are scanned as bytes)."""
    try:
        content = path.read_bytes()
    except OSError:
        return None
    if b"\0" in content[:8192]:
        return None
    return content.decode("utf-8", errors="replace")


def _word_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b") if ordered else None


def _name_leaks(
    relative: PurePosixPath, text: str, names: re.Pattern[str] | None, material: HiddenMaterial
) -> Iterator[Leak]:
    if names is None:
        return
    for match in names.finditer(text):
        name = match.group()
        line = text.count("\n", 0, match.start()) + 1
        yield Leak(relative, line, LeakKind.TEST_NAME, name, material.test_names[name])


def _phrase_leaks(relative: PurePosixPath, text: str, material: HiddenMaterial) -> Iterator[Leak]:
    words = list(re.finditer(r"\S+", text))
    collapsed = " ".join(w.group() for w in words)
    starts = list(_word_starts(words))
    for phrase, (kind, origin) in material.phrases.items():
        at = collapsed.find(phrase)
        if at >= 0:
            word = words[bisect.bisect_right(starts, at) - 1]
            line = text.count("\n", 0, word.start()) + 1
            yield Leak(relative, line, kind, phrase, origin)


def _word_starts(words: list[re.Match[str]]) -> Iterator[int]:
    """Where each word starts in the collapsed text (words joined by single spaces)."""
    position = 0
    for word in words:
        yield position
        position += len(word.group()) + 1


def _line_leaks(relative: PurePosixPath, text: str, material: HiddenMaterial) -> Iterator[Leak]:
    for number, line in enumerate(_stripped(text), start=1):
        origin = material.reference_lines.get(line)
        if origin is not None:
            yield Leak(relative, number, LeakKind.REFERENCE_LINE, line, origin)
