"""Nothing a candidate receives may reveal the hidden suite, the rubric or the reference."""

from __future__ import annotations

import ast
import re
import tomllib

import pytest

from grader.paths import EXERCISE_DIR, HIDDEN_TESTS_DIR, REFERENCE_DIR, RUBRIC_PATH

# Reference modules that implement the candidate's tasks (the starter shares the rest on purpose).
REFERENCE_ANSWERS = (
    "app/idempotency.py",
    "app/metrics.py",
    "app/routes/transfers.py",
    "app/routes/withdrawals.py",
    "app/routes/reports.py",
    "app/routes/transactions.py",
)
MIN_LINE = 45
# Imports, signatures, docstrings and returns are shared by a stub and its answer.
GENERIC = re.compile(r'^(from |import |@|#|"""|def |async def |class |return )')
WORDS = ("hidden_tests", "rubric.toml", "reference solution", "review_key", "starter_flaws")


def exercise_text(*, visible_tests: bool = True) -> str:
    parts = []
    for path in sorted(EXERCISE_DIR.rglob("*")):
        relative = path.relative_to(EXERCISE_DIR)
        if not path.is_file() or {".venv", "__pycache__"} & set(relative.parts):
            continue
        if not visible_tests and relative.parts[0] == "tests":
            continue
        parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def text() -> str:
    return exercise_text()


def hidden_test_names() -> set[str]:
    names = set()
    for path in HIDDEN_TESTS_DIR.rglob("*.py"):
        if REFERENCE_DIR in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return names


def test_no_hidden_test_name_appears_outside_visible_tests() -> None:
    # Visible tests may share a plain behaviour name (test_malformed_json_is_400) on purpose.
    text = exercise_text(visible_tests=False)
    leaked = sorted(name for name in hidden_test_names() if len(name) > 12 and name in text)
    assert leaked == []


def test_no_rubric_check_id_or_title_appears(text: str) -> None:
    rubric = tomllib.loads(RUBRIC_PATH.read_text(encoding="utf-8"))
    leaked = [c["id"] for c in rubric["checks"] if c["id"] in text]
    leaked += [c["title"] for c in rubric["checks"] if c["title"] in text]
    assert leaked == []


def test_no_grader_only_words_appear(text: str) -> None:
    lowered = text.lower()
    assert [word for word in WORDS if word in lowered] == []


def test_no_line_of_the_reference_answers_appears(text: str) -> None:
    exercise_lines = {line.strip() for line in text.splitlines()}
    leaked = []
    for relative in REFERENCE_ANSWERS:
        path = REFERENCE_DIR / relative
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            distinctive = len(stripped) >= MIN_LINE and not GENERIC.match(stripped)
            if distinctive and stripped in exercise_lines:
                leaked.append(f"{relative}: {stripped}")
    assert leaked == []
