"""Loading `rubric.toml`: a valid file loads with its hash; every inconsistency is a RubricError."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.errors import RubricError
from grader.rubric import load_rubric

VALID = """\
schema_version = 1

[bands]
strong = 80
meets = 60

[skills.data]
title = "Data"
requirement = "Models money exactly."
weight = 2

[skills.security]
title = "Security"
requirement = "Keeps tenants apart."
weight = 1

[[checks]]
id = "data.transfers"
skill = "data"
points = 3
title = "Transfers move money"
hint = "Post both legs in one transaction."

[[checks]]
id = "security.tenant_isolation"
skill = "security"
points = 2
title = "Tenants are isolated"
hint = "Scope every query by tenant."
scoring = "fraction"
"""

CHECK = """
[[checks]]
id = "{id}"
skill = "{skill}"
points = 1
title = "Another check"
hint = "A hint."
"""

WriteRubric = Callable[[str], Path]


@pytest.fixture
def write_rubric(tmp_path: Path) -> WriteRubric:
    def write(text: str) -> Path:
        path = tmp_path / "rubric.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_valid_rubric_loads_with_the_sha256_of_its_bytes(write_rubric: WriteRubric) -> None:
    path = write_rubric(VALID)

    rubric = load_rubric(path)

    assert rubric.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert set(rubric.skills) == {"data", "security"}
    assert [c.id for c in rubric.checks] == ["data.transfers", "security.tenant_isolation"]
    assert [c.scoring for c in rubric.checks] == ["all", "fraction"]
    assert rubric.by_source("hidden") == rubric.checks


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param(VALID + "\nnot = [valid toml\n", "not valid TOML", id="invalid-toml"),
        pytest.param(
            VALID.replace("[skills.security]", "[skills.cooking]").replace(
                'skill = "security"', 'skill = "cooking"'
            ),
            "unknown skills ['cooking']",
            id="unknown-skill",
        ),
        pytest.param(
            VALID + CHECK.format(id="reliability.retries", skill="reliability"),
            "check 'reliability.retries' names undeclared skill 'reliability'",
            id="check-names-undeclared-skill",
        ),
        pytest.param(
            VALID + CHECK.format(id="ledger.transfers", skill="data"),
            "check 'ledger.transfers' must start with its skill 'data'",
            id="check-id-outside-its-skill",
        ),
        pytest.param(
            VALID + CHECK.format(id="data.transfers", skill="data"),
            "check id 'data.transfers' appears twice",
            id="duplicate-check-id",
        ),
        pytest.param(
            VALID + CHECK.format(id="Data-Transfers", skill="data"),
            "checks.2.id: String should match pattern",
            id="bad-check-id-pattern",
        ),
        pytest.param(
            VALID.replace("meets = 60", "meets = 90"),
            "bands.meets must not exceed bands.strong",
            id="meets-above-strong",
        ),
    ],
)
def test_inconsistent_rubric_is_a_rubric_error_naming_the_problem(
    write_rubric: WriteRubric, text: str, named: str
) -> None:
    path = write_rubric(text)

    with pytest.raises(RubricError) as caught:
        load_rubric(path)

    assert named in caught.value.message
    assert str(path) in caught.value.message
    assert caught.value.tip


def test_missing_rubric_file_is_a_rubric_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"

    with pytest.raises(RubricError) as caught:
        load_rubric(path)

    assert "Cannot read the rubric" in caught.value.message
    assert str(path) in caught.value.message
    assert caught.value.tip
