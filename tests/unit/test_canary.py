"""Canary strings: each declared one is planted where declared, and scanning finds them."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from grader.canary import (
    CANARIES_PATH,
    Canary,
    CanaryHit,
    canary_line,
    find_canaries,
    load_canaries,
)
from grader.errors import InfrastructureError
from grader.paths import EXERCISE_DIR, HIDDEN_TESTS_DIR, REFERENCE_DIR

CANARIES = load_canaries()


@pytest.mark.parametrize("canary", CANARIES, ids=lambda c: str(c.path))
def test_each_declared_canary_is_planted_on_its_own_line(canary: Canary) -> None:
    lines = (HIDDEN_TESTS_DIR / canary.path).read_text(encoding="utf-8").splitlines()
    assert canary_line(canary.token) in lines


def test_canaries_are_unique_and_cover_the_suite_and_the_reference() -> None:
    tokens = [c.token for c in CANARIES]
    assert len(set(tokens)) == len(tokens)
    places = {c.path.parts[0] for c in CANARIES}
    assert "reference" in places
    assert places - {"reference"}, "no canary in the hidden suite itself"


def test_every_planted_canary_is_declared() -> None:
    declared = {(c.token, f"hidden_tests/{c.path}") for c in CANARIES}
    hits = find_canaries(HIDDEN_TESTS_DIR)
    found = {
        (hit.token, f"hidden_tests/{hit.path}") for hit in hits if hit.path.name != "canaries.toml"
    }
    assert found == declared


def test_the_exercise_carries_no_canary() -> None:
    assert find_canaries(EXERCISE_DIR) == []


def test_the_reference_is_flagged_by_its_own_canaries() -> None:
    paths = {hit.path for hit in find_canaries(REFERENCE_DIR)}
    declared = {c.path.relative_to("reference") for c in CANARIES if c.path.parts[0] == "reference"}
    assert paths == declared


def test_scan_locates_tokens_in_text_and_binary_and_skips_git(tmp_path: Path) -> None:
    token = CANARIES[0].token
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text(f'"""Doc."""\n\n{canary_line(token)}\n')
    (tmp_path / "blob.bin").write_bytes(b"\0\xff" + token.encode() + b"\0")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "packed").write_text(token)
    assert find_canaries(tmp_path) == [
        CanaryHit(path=PurePosixPath("blob.bin"), line=1, token=token),
        CanaryHit(path=PurePosixPath("app/main.py"), line=3, token=token),
    ]


def test_a_rotated_out_token_is_still_recognised_by_its_shape(tmp_path: Path) -> None:
    old = "lgc-00000000-1111-4222-8333-444444444444"
    (tmp_path / "notes.md").write_text(f"copied: {old}\n")
    assert [hit.token for hit in find_canaries(tmp_path)] == [old]


def test_links_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / "link.py").symlink_to(HIDDEN_TESTS_DIR / CANARIES[0].path)
    assert find_canaries(tmp_path) == []


@pytest.mark.parametrize(
    "text",
    ["", "canaries = 3\n", '[[canaries]]\ntoken = "not-a-token"\npath = "x.py"\n'],
    ids=["empty", "wrong-type", "malformed-token"],
)
def test_a_broken_canary_list_is_the_graders_problem(tmp_path: Path, text: str) -> None:
    path = tmp_path / "canaries.toml"
    path.write_text(text)
    with pytest.raises(InfrastructureError) as caught:
        load_canaries(path)
    assert str(path) in caught.value.message
    assert caught.value.exit_code == 3


def test_the_default_list_is_the_hidden_suites() -> None:
    assert CANARIES_PATH == HIDDEN_TESTS_DIR / "canaries.toml"
