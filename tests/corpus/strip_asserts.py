"""Produce the `tests-assert-nothing` variant: the reference's test files with every assert removed.

The seeded patch `seeded/tests-assert-nothing.patch` is this module's output, written as a diff.
Regenerate it after the reference's tests change:

    python tests/corpus/strip_asserts.py > tests/corpus/seeded/tests-assert-nothing.patch

Each assert is deleted with its continuation lines, except that the calls in its expression stay as
plain statements (so the code under test still runs); a block left empty gets `pass`. The tests
still run and pass but check nothing, which is what a candidate's hollow suite looks like.
"""

from __future__ import annotations

import ast
import difflib
import sys
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[2] / "hidden_tests" / "reference"
_BLOCK_FIELDS = ("body", "orelse", "finalbody")


def _blocks(tree: ast.AST) -> list[list[ast.stmt]]:
    """Every statement list of the module (function bodies, loop bodies, branches, handlers)."""
    found: list[list[ast.stmt]] = []
    for node in ast.walk(tree):
        for name in _BLOCK_FIELDS:
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                found.append(block)
    return found


def _outer_calls(node: ast.AST) -> list[ast.Call]:
    """The calls of an expression not nested in another call (comprehensions and lambdas skipped)."""
    if isinstance(node, ast.Call):
        return [node]
    if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp | ast.Lambda):
        return []
    return [call for child in ast.iter_child_nodes(node) for call in _outer_calls(child)]


def _kept_calls(source: str, stmt: ast.Assert) -> str:
    """What remains of an assert: its outermost calls as plain statements (they may matter)."""
    indent = " " * stmt.col_offset
    segments = (ast.get_source_segment(source, call) for call in _outer_calls(stmt.test))
    return "".join(f"{indent}{segment}\n" for segment in segments if segment)


def strip_asserts(source: str) -> str:
    """The source without its assertions.

    An assert keeps the outermost calls of its expression as plain statements (the calls still
    run, their results are not checked); the rest is deleted. A block left empty gets `pass`.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    replacement: dict[int, str] = {}  # first line (0-based) of an assert -> its new text
    dropped: set[int] = set()
    for block in _blocks(tree):
        asserts = [stmt for stmt in block if isinstance(stmt, ast.Assert)]
        for stmt in asserts:
            first, last = stmt.lineno - 1, (stmt.end_lineno or stmt.lineno) - 1
            dropped.update(range(first, last + 1))
            replacement[first] = _kept_calls(source, stmt)
        emptied = len(asserts) == len(block)
        if emptied and not any(replacement[stmt.lineno - 1] for stmt in asserts):
            replacement[block[0].lineno - 1] = " " * block[0].col_offset + "pass\n"
    out = []
    for number, line in enumerate(lines):
        if number in replacement:
            out.append(replacement[number])
        elif number not in dropped:
            out.append(line)
    return "".join(out)


def test_files(root: Path) -> list[Path]:
    """The test modules of a submission, in a stable order."""
    return sorted(path for path in (root / "tests").rglob("test_*.py") if path.is_file())


def assertless_patch(root: Path = REFERENCE) -> str:
    """A unified diff (paths `a/...`, `b/...`) stripping the asserts of every test module."""
    chunks = []
    for path in test_files(root):
        relative = path.relative_to(root).as_posix()
        before = path.read_text(encoding="utf-8")
        after = strip_asserts(before)
        if after != before:
            diff = difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"a/{relative}",
                tofile=f"b/{relative}",
            )
            chunks.append("".join(diff))
    return "".join(chunks)


if __name__ == "__main__":
    sys.stdout.write(assertless_patch())
