"""static_repo: secrets, committed junk, dependencies and the provided tests, on small trees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grader.checks import static_repo
from grader.checks.base import CheckContext
from grader.checks.static_repo import (
    CLEAN_TREE_CHECK,
    DEPENDENCIES_CHECK,
    SECRETS_CHECK,
    TESTS_INTACT_CHECK,
    make_targets,
    parse_requirements,
)
from grader.model import CheckResult, Status
from grader.paths import EXERCISE_DIR, REFERENCE_DIR
from grader.rubric import Rubric
from grader.submission import Submission

# Built at run time so that no secret-looking literal sits in this repository.
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
AWS_KEY = "AKIA" + "Z7Q2M4X8C6V1B3N5"
RANDOM_VALUE = "q8Zr2LmX7vKp4TnW9sYb"
PRIVATE_KEY = (
    "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq9\n-----END RSA PRIVATE KEY-----\n"
)

MAKEFILE = """\
PYTHON ?= python3
VENV := .venv

.PHONY: install test check

install:
\tpip install -r requirements.txt

test: install
\t$(PYTHON) -m pytest

check: install
\t$(PYTHON) scripts/self_check.py
"""

TESTS = '''\
"""Provided tests."""

import pytest

from app.money import total


def test_total() -> None:
    assert total([1, 2]) == 3
    assert total([]) == 0


def test_rejects_text() -> None:
    with pytest.raises(TypeError):
        total(["a"])


class TestLedger:
    def test_empty(self) -> None:
        assert total([]) == 0
'''

APP = '''\
"""Money."""

import json
import logging

from fastapi import FastAPI
from pythonjsonlogger.json import JsonFormatter

from app import helpers

app = FastAPI()


def total(amounts: list[int]) -> int:
    """Sum."""
    logging.getLogger(__name__).info(json.dumps(amounts), extra={"f": JsonFormatter})
    return sum(amounts) + helpers.ZERO
'''

REQUIREMENTS = """\
# The runtime image's packages.
fastapi==0.165.0
python-json-logger==4.2.0
pydantic==2.14.4
"""


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
    def check(check_id: str, points: float, scoring: str) -> dict[str, Any]:
        declared = {"id": check_id, "skill": check_id.partition(".")[0], "points": points}
        return (
            declared
            | {"title": check_id, "hint": "Fix it.", "scoring": scoring}
            | {"source": "static"}
        )

    skill = {"title": "A skill", "requirement": "Does it.", "weight": 1}
    return Rubric.model_validate(
        {
            "schema_version": 1,
            "skills": {"code_quality": skill, "security": skill},
            "checks": [
                check(SECRETS_CHECK, 2, "all"),
                check(CLEAN_TREE_CHECK, 1, "all"),
                check(DEPENDENCIES_CHECK, 1, "all"),
                check(TESTS_INTACT_CHECK, 2, "fraction"),
            ],
        }
    )


@pytest.fixture
def exercise(tmp_path: Path) -> Path:
    """An original exercise with tests, a Makefile, a self-check and a CI workflow."""
    return write(
        tmp_path / "exercise",
        {
            "requirements.txt": REQUIREMENTS,
            "Makefile": MAKEFILE,
            "app/__init__.py": "",
            "app/money.py": APP,
            "app/helpers.py": "ZERO = 0\n",
            "scripts/self_check.py": "import yaml\n",
            "tests/conftest.py": '"""Fixtures."""\n',
            "tests/test_money.py": TESTS,
            "tests/fixtures/keys.py": f'TEST_SIGNING_KEY = "{RANDOM_VALUE}"\n',
            ".github/workflows/ci.yml": "on: push\n",
            ".gitignore": ".venv/\n",
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


def grade(root: Path, exercise: Path, *, skipped: tuple[str, ...] = ()) -> dict[str, CheckResult]:
    submission = Submission(str(root), "dir", root, "sha256:test", 0, 0, None, skipped)
    context = CheckContext(rubric=make_rubric(), submission=submission, exercise=exercise)
    outcome = static_repo.run(context)
    assert outcome.problems == ()
    return {result.id: result for result in outcome.checks}


def findings(result: CheckResult) -> list[dict[str, Any]]:
    return [e for e in result.evidence if e["kind"] == "finding"]


def test_untouched_exercise_earns_every_check(submission: Path, exercise: Path) -> None:
    results = grade(submission, exercise)
    assert {r.id: (r.status, r.points) for r in results.values()} == {
        SECRETS_CHECK: (Status.PASSED, 2.0),
        CLEAN_TREE_CHECK: (Status.PASSED, 1.0),
        DEPENDENCIES_CHECK: (Status.PASSED, 1.0),
        # 3 tests + `make test` + `make check` + self-check + CI workflow.
        TESTS_INTACT_CHECK: (Status.PASSED, 2.0),
    }
    assert results[TESTS_INTACT_CHECK].message == "All 7 provided tests and checks kept."


# --------------------------------------------------------------------------- secrets


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("app/config.py", f'GITHUB = "{GITHUB_TOKEN}"\n', "GitHub token"),
        ("deploy/aws.ini", f"key_id = {AWS_KEY}\n", "AWS access key"),
        ("app/keys.py", f'KEY = """{PRIVATE_KEY}"""\n', "private key"),
        ("app/config.py", f'settings = {{"api_key": "{RANDOM_VALUE}x"}}\n', "api_key"),
        ("config.yaml", f"db:\n  password: {RANDOM_VALUE}x\n", "password"),
        (".env", "LEDGER_ADMIN_TOKEN=\n", ".env file"),
        (".env.production", "X=1\n", ".env file"),
    ],
)
def test_committed_secret_fails(
    submission: Path, exercise: Path, name: str, content: str, kind: str
) -> None:
    write(submission, {name: content})
    result = grade(submission, exercise)[SECRETS_CHECK]
    assert (result.status, result.points) == (Status.FAILED, 0.0)
    [found] = findings(result)
    assert found["path"] == name
    assert found["severity"] == "error"
    assert kind in found["message"]
    assert name in result.message


def test_secret_values_are_masked(submission: Path, exercise: Path) -> None:
    write(submission, {"app/config.py": f'\n\nTOKEN = "{GITHUB_TOKEN}"\n'})
    result = grade(submission, exercise)[SECRETS_CHECK]
    [found] = findings(result)
    assert found["line"] == 3
    assert found["message"] == "GitHub token: ghp_****"
    assert GITHUB_TOKEN[:8] not in json.dumps([result.message, list(result.evidence)])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (".env.example", "LEDGER_ADMIN_TOKEN=\nLEDGER_DATA_DIR=\n"),
        ("app/config.py", 'password = "test-admin-token-for-local-runs"\n'),
        ("app/config.py", 'api_key = os.environ["LEDGER_API_KEY_FOR_TENANTS"]\n'),
        ("app/config.py", 'token = "${LEDGER_TOKEN_1234567890}"\n'),
        # the exercise's own fixture value, moved elsewhere, is not the candidate's secret
        ("tests/test_auth.py", f'signing_key = "{RANDOM_VALUE}"\n'),
        ("static/logo.bin", b"\0\x01" + GITHUB_TOKEN.encode()),
    ],
)
def test_what_is_not_a_committed_secret(
    submission: Path, exercise: Path, name: str, content: str | bytes
) -> None:
    write(submission, {name: content})
    result = grade(submission, exercise)[SECRETS_CHECK]
    assert (result.status, findings(result)) == (Status.PASSED, [])


def test_secrets_in_undecodable_files_are_still_found(submission: Path, exercise: Path) -> None:
    write(submission, {"notes.txt": b"caf\xe9 \xff\xfe " + AWS_KEY.encode() + b"\n"})
    result = grade(submission, exercise)[SECRETS_CHECK]
    assert [f["message"] for f in findings(result)] == ["AWS access key: AKIA****"]


# --------------------------------------------------------------------------- clean tree


def test_committed_junk_fails_grouped_by_kind(submission: Path, exercise: Path) -> None:
    write(
        submission,
        {
            ".venv/pyvenv.cfg": "home = /usr/bin\n",
            ".venv/lib/site-packages/x.py": "",
            "app/__pycache__/money.cpython-311.pyc": b"\0",
            "ledger.db": b"",
            "data/store": b"SQLite format 3\0" + b"\0" * 100,
            "assets/model.bin": b"\0" * (1024 * 1024 + 1),
            "assets/big.txt": "text\n" * 300_000,
            ".DS_Store": b"\0",
            ".pytest_cache/v/cache/lastfailed": "{}",
            "ledger.egg-info/PKG-INFO": "",
            ".coverage": b"",
        },
    )
    result = grade(submission, exercise)[CLEAN_TREE_CHECK]
    assert (result.status, result.points) == (Status.FAILED, 0.0)
    groups = {e["title"]: e["text"] for e in result.evidence}
    assert groups == {
        "OS metadata": ".DS_Store",
        "build output": "ledger.egg-info/ (1 files)",
        "bytecode": "app/__pycache__/ (1 files)",
        "coverage output": ".coverage",
        "database": "data/store\nledger.db",
        "large binary": "assets/model.bin",
        "tool cache": ".pytest_cache/ (1 files)",
        "virtualenv": ".venv/ (2 files)",
    }
    assert result.message.startswith("Should not be committed: OS metadata: .DS_Store;")


def test_paths_skipped_by_the_intake_count(submission: Path, exercise: Path) -> None:
    skipped = (
        ".git/ (version control metadata)",
        "venv/bin/python (link, not copied)",
        "venv/bin/python3 (link, not copied)",
        "docs/latest (link, not copied)",
    )
    result = grade(submission, exercise, skipped=skipped)[CLEAN_TREE_CHECK]
    assert result.status is Status.FAILED
    assert {e["title"]: e["text"] for e in result.evidence} == {"virtualenv": "venv/ (2 files)"}


def test_long_junk_lists_are_capped(submission: Path, exercise: Path) -> None:
    write(submission, {f"data/t{n:02}.db": b"" for n in range(25)})
    result = grade(submission, exercise)[CLEAN_TREE_CHECK]
    [group] = result.evidence
    assert group["text"].splitlines()[-1] == "... and 5 more"
    assert len(result.message) <= 400


# --------------------------------------------------------------------------- dependencies


def test_added_and_changed_requirements_fail(submission: Path, exercise: Path) -> None:
    write(
        submission,
        {
            "requirements.txt": REQUIREMENTS.replace("pydantic==2.14.4", "Pydantic == 2.15.0")
            + "redis>=5  # cache\n--extra-index-url http://mirror.invalid/simple\n"
        },
    )
    result = grade(submission, exercise)[DEPENDENCIES_CHECK]
    assert (result.status, result.points) == (Status.FAILED, 0.0)
    assert [(f["line"], f["message"]) for f in findings(result)] == [
        (4, "changed requirement pydantic==2.14.4 -> pydantic==2.15.0"),
        (5, "added requirement redis>=5"),
        (6, "added line '--extra-index-url http://mirror.invalid/simple'"),
    ]
    assert "not installed when the service is graded" in result.message


def test_unavailable_imports_of_the_service_fail(submission: Path, exercise: Path) -> None:
    write(
        submission,
        {
            "app/cache.py": "import os\nimport redis.client\n\n\ndef f():\n    import orjson\n",
            "app/optional.py": (
                "from typing import TYPE_CHECKING\n"
                "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n"
                "if TYPE_CHECKING:\n    import boto3\n"
                "from . import helpers\n"
            ),
            "scripts/bench.py": "import aiohttp\n",
            "tests/test_cache.py": "import fakeredis\n",
        },
    )
    result = grade(submission, exercise)[DEPENDENCIES_CHECK]
    assert result.status is Status.FAILED
    assert [(f["path"], f["line"], f["message"]) for f in findings(result)] == [
        ("app/cache.py", 2, "imports redis, which the runtime image lacks"),
        ("app/cache.py", 6, "imports orjson, which the runtime image lacks"),
    ]


def test_broken_requirements_and_sources_do_not_crash(submission: Path, exercise: Path) -> None:
    write(
        submission,
        {
            "requirements.txt": b"\xff\xfe\0garbage\n" + REQUIREMENTS.encode(),
            "app/broken.py": "import redis\ndef (:\n",
        },
    )
    result = grade(submission, exercise)[DEPENDENCIES_CHECK]
    assert result.status is Status.FAILED
    assert [f["line"] for f in findings(result)] == [1]


def test_a_deleted_requirements_file_is_not_an_addition(submission: Path, exercise: Path) -> None:
    (submission / "requirements.txt").unlink()
    assert grade(submission, exercise)[DEPENDENCIES_CHECK].status is Status.PASSED


def test_requirement_lines_are_normalized() -> None:
    parsed = parse_requirements("Python_JSON.Logger [x] >= 4 ; python_version>'3'\n-r dev.txt\n")
    assert parsed.pins == {"python-json-logger": ("[x]>=4;python_version>'3'", 1)}
    assert parsed.other == {"-r dev.txt": 2}


# --------------------------------------------------------------------------- tests intact


def test_weakened_tests_cost_their_share(submission: Path, exercise: Path) -> None:
    weakened = (
        TESTS.replace("    assert total([]) == 0\n\n\ndef test_rejects", "\n\ndef test_rejects")
        .replace(
            "def test_rejects_text", '@pytest.mark.skip(reason="flaky")\ndef test_rejects_text'
        )
        .replace("    def test_empty", "    def helper_empty")
    )
    write(submission, {"tests/test_money.py": weakened, "Makefile": "check:\n\ttrue\n"})
    (submission / ".github" / "workflows" / "ci.yml").unlink()
    result = grade(submission, exercise)[TESTS_INTACT_CHECK]
    # 5 of 7 items weakened: asserts, skip, deleted test, `make test`, the CI workflow.
    assert result.status is Status.FAILED
    assert result.points == pytest.approx(2 * 2 / 7, abs=1e-3)
    assert sorted((f["rule"], f["message"]) for f in findings(result)) == [
        ("asserts-removed", "test_total has 1 assertions, 2 in the exercise"),
        ("file-deleted", ".github/workflows/ci.yml deleted"),
        ("target-removed", "`make test` removed"),
        ("test-deleted", "TestLedger::test_empty no longer exists"),
        ("test-skipped", "test_rejects_text newly skipped or xfailed"),
    ]
    assert result.message == "5 of 7 provided tests and checks removed or weakened."


def test_module_level_skips_and_skip_calls_count(submission: Path, exercise: Path) -> None:
    skipped = TESTS.replace("import pytest\n", "import pytest\n\npytestmark = pytest.mark.xfail\n")
    write(submission, {"tests/test_money.py": skipped})
    assert grade(submission, exercise)[TESTS_INTACT_CHECK].points == pytest.approx(
        2 * 4 / 7, abs=1e-3
    )
    in_body = TESTS.replace("    assert total([1, 2]) == 3\n", '    pytest.skip("later")\n')
    write(
        submission, {"tests/test_money.py": in_body + "\n\ndef test_new() -> None:\n    assert 1\n"}
    )
    result = grade(submission, exercise)[TESTS_INTACT_CHECK]
    assert [f["rule"] for f in findings(result)] == ["test-skipped"]


def test_moved_renamed_and_added_tests_are_fine(submission: Path, exercise: Path) -> None:
    (submission / "tests" / "test_money.py").unlink()
    renamed = TESTS.replace("def test_total(", "def test_total_of_amounts(")
    write(submission, {"tests/unit/test_amounts.py": renamed})
    result = grade(submission, exercise)[TESTS_INTACT_CHECK]
    assert (result.status, result.points) == (Status.PASSED, 2.0)
    assert [f["rule"] for f in findings(result)] == ["test-deleted"]
    note = next(e["text"] for e in result.evidence if e.get("title") == "Deleted or renamed tests")
    assert note.endswith("so 0 are charged.")


def test_a_deleted_test_file_loses_its_tests(submission: Path, exercise: Path) -> None:
    (submission / "tests" / "test_money.py").unlink()
    (submission / "scripts" / "self_check.py").unlink()
    result = grade(submission, exercise)[TESTS_INTACT_CHECK]
    assert result.points == pytest.approx(2 * 3 / 7, abs=1e-3)


@pytest.mark.parametrize("content", ["def test_total(:\n", b"\xff\xfe\0\0binary"])
def test_unreadable_test_files_lose_their_tests(
    submission: Path, exercise: Path, content: str | bytes
) -> None:
    write(submission, {"tests/test_money.py": content})
    result = grade(submission, exercise)[TESTS_INTACT_CHECK]
    assert result.points == pytest.approx(2 * 4 / 7, abs=1e-3)
    assert "unparsable-file" in {f["rule"] for f in findings(result)}


def test_make_targets_ignore_variables_and_recipes() -> None:
    assert make_targets(MAKEFILE) == {".PHONY", "install", "test", "check"}


# --------------------------------------------------------------------------- the real trees


def test_starter_and_reference_results() -> None:
    starter = grade(EXERCISE_DIR, EXERCISE_DIR)
    assert all(r.status is Status.PASSED for r in starter.values())
    reference = grade(REFERENCE_DIR, EXERCISE_DIR)
    # The reference moves and renames provided tests but keeps every one of their assertions.
    assert all(r.status is Status.PASSED for r in reference.values())
