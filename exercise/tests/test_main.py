"""``python -m app`` refuses to start without a usable configuration."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "PORT"))}
    return subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=ROOT,
        env={**base, "PYTHONDONTWRITEBYTECODE": "1", **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_missing_admin_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = _run(LEDGER_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "LEDGER_ADMIN_TOKEN" in lines[0]


def test_uncreatable_data_dir_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = _run(LEDGER_ADMIN_TOKEN="t", LEDGER_DATA_DIR=str(blocker / "data"))
    assert result.returncode == 2
    assert "LEDGER_DATA_DIR" in result.stderr
