"""Run a throwaway hidden suite through the harness, in this process, and read its JSON lines."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from grader.harness.run import main, parse_args, run_suite

Records = list[dict[str, Any]]


def write_suite(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        (root / name).write_text(textwrap.dedent(source), encoding="utf-8")
    return root


@contextmanager
def forgetting_imports(root: Path) -> Iterator[None]:
    """Inner runs import test modules by basename; forget them so the next run imports its own."""
    try:
        yield
    finally:
        for name, module in list(sys.modules.items()):
            path = getattr(module, "__file__", None)
            if path and Path(path).is_relative_to(root):
                del sys.modules[name]


def read_records(text: str) -> Records:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def run_harness(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Records]:
    """`run_suite` as `python -m grader.harness run` calls it, after readiness."""

    def run(files: dict[str, str], *, only: str = "") -> Records:
        root = write_suite(tmp_path_factory.mktemp("suite"), files)
        argv = ["run", "--base-url", "http://127.0.0.1:9", "--tests", str(root)]
        args = parse_args([*argv, "--results", "-", "--only", only])
        out = io.StringIO()
        with forgetting_imports(root):
            run_suite(args, out)
        return read_records(out.getvalue())

    return run


@pytest.fixture
def run_harness_main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Records]:
    """The whole `python -m grader.harness run`: readiness first, then the suite."""
    monkeypatch.delenv("GRADER_BASE_URL", raising=False)

    def run(files: dict[str, str], *, base_url: str, ready_timeout: float) -> Records:
        root = write_suite(tmp_path / "suite", files)
        results = tmp_path / "out" / "results.jsonl"
        argv = ["run", "--base-url", base_url, "--tests", str(root), "--results", str(results)]
        with forgetting_imports(root):
            assert main([*argv, "--ready-timeout", str(ready_timeout)]) == 0
        return read_records(results.read_text(encoding="utf-8"))

    return run
