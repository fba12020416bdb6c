"""PYTEST_DONT_REWRITE: write the dataset and measure how the probe account's queries grow."""

from __future__ import annotations

import pytest

from performance.dataset import Seeded
from performance.records import handle_of, record


@pytest.mark.check("performance.growth.entries")
def test_dataset_and_growth(dataset: Seeded, request: pytest.FixtureRequest) -> None:
    record(request, dataset.record())
    record(request, {"kind": "handle", "value": handle_of(dataset)})
    for point in dataset.growth:
        record(request, point)
    if dataset.mode == "none":
        pytest.skip(f"no dataset could be written: {dataset.reason}")
    assert len(dataset.growth) == 2, f"the dataset stopped part-way: {dataset.reason}"
