"""The reference is shaped like a submission: the exercise files it relies on are copies."""

from __future__ import annotations

from grader.paths import EXERCISE_DIR, REFERENCE_DIR


def test_the_reference_carries_the_exercise_contract_unchanged() -> None:
    # A submission is the exercise repository, so its tests find openapi.yaml at the root.
    reference = (REFERENCE_DIR / "openapi.yaml").read_bytes()
    assert reference == (EXERCISE_DIR / "openapi.yaml").read_bytes(), (
        "hidden_tests/reference/openapi.yaml differs from exercise/openapi.yaml: copy it over"
    )
