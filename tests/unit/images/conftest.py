"""A small fake project tree: just what the image builds read, plus things they must leave out."""

from __future__ import annotations

from pathlib import Path

import pytest

FILES = {
    "docker/runtime.Dockerfile": "FROM ${BASE_IMAGE}\n",
    "docker/harness.Dockerfile": "FROM ${BASE_IMAGE}\nCOPY harness/ /opt/harness/\n",
    "docker/harness-requirements.txt": "pytest==9.2.0\n",
    "exercise/requirements.txt": "fastapi==0.165.0\n",
    "exercise/openapi.yaml": "openapi: 3.1.0\n",
    "exercise/app/main.py": "app = None\n",
    "grader/__init__.py": '__version__ = "0"\n',
    "grader/cli.py": "# not part of any image\n",
    "grader/harness/__init__.py": "",
    "grader/harness/plugin.py": "def pytest_configure(config): ...\n",
    "hidden_tests/rubric.toml": "[skills]\n",
    "hidden_tests/test_api.py": "def test_ok(): ...\n",
    "hidden_tests/support/data.json": "{}\n",
    "hidden_tests/reference/app/main.py": "SECRET_REFERENCE = 1\n",
    "hidden_tests/reference/requirements.txt": "fastapi==0.165.0\n",
    "hidden_tests/__pycache__/test_api.cpython-311.pyc": "cache",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "fastapi-0.165.0-py3-none-any.whl").write_bytes(b"PK fake wheel")
    (wheels / ".complete").write_text("")
    return wheels
