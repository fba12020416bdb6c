"""parse_spec: where the ref separator '@' is, and where it is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.submission import parse_spec


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("git@github.com:org/repo.git", ("git@github.com:org/repo.git", None)),
        ("git@github.com:org/repo.git@main", ("git@github.com:org/repo.git", "main")),
        ("ssh://git@host/repo", ("ssh://git@host/repo", None)),
        ("ssh://git@host/repo@v1", ("ssh://git@host/repo", "v1")),
        (
            "ssh://git@host:2222/org/repo.git@release/2.0",
            ("ssh://git@host:2222/org/repo.git", "release/2.0"),
        ),
        ("https://user:tok@host/r.git@feature/x", ("https://user:tok@host/r.git", "feature/x")),
        ("https://host/r.git@HEAD~2", ("https://host/r.git", "HEAD~2")),
        ("file:///srv/repo.git@0123abcd", ("file:///srv/repo.git", "0123abcd")),
        # Not plausible refs: the whole spec stays the location.
        ("https://host/r.git@-upload-pack=evil", ("https://host/r.git@-upload-pack=evil", None)),
        ("https://host/r.git@a..b", ("https://host/r.git@a..b", None)),
        ("https://host/r.git@", ("https://host/r.git@", None)),
        ("https://host/r.git@x:y", ("https://host/r.git@x:y", None)),
        # Neither a URL nor an existing path before the '@': not a ref.
        ("missing/dir@main", ("missing/dir@main", None)),
    ],
)
def test_urls_and_implausible_refs(spec: str, expected: tuple[str, str | None]) -> None:
    assert parse_spec(spec) == expected


def test_existing_path_takes_a_ref(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    assert parse_spec(f"{tmp_path}/repo@main") == (f"{tmp_path}/repo", "main")


def test_existing_path_with_at_sign_is_a_location(tmp_path: Path) -> None:
    (tmp_path / "me@work").mkdir()
    assert parse_spec(f"{tmp_path}/me@work") == (f"{tmp_path}/me@work", None)


def test_only_the_last_at_sign_counts(tmp_path: Path) -> None:
    (tmp_path / "me@work").mkdir()
    assert parse_spec(f"{tmp_path}/me@work@v2") == (f"{tmp_path}/me@work", "v2")


def test_spec_that_exists_whole_wins_over_a_split(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo@main").mkdir()
    assert parse_spec(f"{tmp_path}/repo@main") == (f"{tmp_path}/repo@main", None)


def test_ref_may_contain_slashes_after_an_existing_path(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    assert parse_spec(f"{tmp_path}/repo@feature/login") == (f"{tmp_path}/repo", "feature/login")


def test_plain_path_without_at(tmp_path: Path) -> None:
    assert parse_spec(str(tmp_path)) == (str(tmp_path), None)
