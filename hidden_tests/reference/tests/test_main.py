"""``python -m app`` as the grader runs it: configuration errors, SIGTERM, SIGKILL durability."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from app import __main__ as entrypoint
from app import main
from tests.conftest import ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "PORT"))}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """The service as a child process."""

    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = _env(
            LEDGER_ADMIN_TOKEN=ADMIN_TOKEN, LEDGER_DATA_DIR=str(data_dir), PORT=str(self.port)
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while True:
            assert self.process.poll() is None, self.process.communicate()
            try:
                if httpx.get(f"{self.url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "service did not become ready"
            time.sleep(0.05)

    def stop(self, sig: signal.Signals) -> tuple[int, str]:
        self.process.send_signal(sig)
        out, _ = self.process.communicate(timeout=15)
        return self.process.returncode, out.decode()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "nested" / "data"


def test_missing_admin_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=ROOT,
        env=_env(LEDGER_DATA_DIR=str(tmp_path)),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert "LEDGER_ADMIN_TOKEN" in lines[0]


def test_uncreatable_data_dir_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=ROOT,
        env=_env(LEDGER_ADMIN_TOKEN="t", LEDGER_DATA_DIR=str(blocker / "data")),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "LEDGER_DATA_DIR" in result.stderr.decode()


def test_writes_survive_sigkill_and_sigterm_is_graceful(data_dir: Path) -> None:
    service = Service(data_dir)
    try:
        tenant = httpx.post(
            f"{service.url}/admin/tenants",
            json={"name": "durable"},
            headers={"X-Admin-Token": ADMIN_TOKEN},
        ).json()
        headers = {"Authorization": f"Bearer {tenant['api_key']}"}
        account = httpx.post(
            f"{service.url}/v1/accounts", json={"name": "a", "currency": "EUR"}, headers=headers
        ).json()
        deposit = httpx.post(
            f"{service.url}/v1/deposits",
            json={"account_id": account["id"], "amount": 42},
            headers={**headers, "Idempotency-Key": "durable-1"},
        )
        assert deposit.status_code == 201
    finally:
        returncode, _ = service.stop(signal.SIGKILL)
    assert returncode == -signal.SIGKILL
    assert (data_dir / "ledger.db").exists()

    restarted = Service(data_dir)
    try:
        balance = httpx.get(f"{restarted.url}/v1/accounts/{account['id']}", headers=headers)
        assert balance.json()["balance"] == 42
    finally:
        returncode, output = restarted.stop(signal.SIGTERM)
    assert returncode == 0
    records = [line for line in output.splitlines() if line.startswith("{")]
    assert records and all('"level"' in line for line in records)
    assert not any(ADMIN_TOKEN in line or tenant["api_key"] in line for line in records)


def test_main_configures_uvicorn_per_the_runtime_contract(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runs: list[dict[str, object]] = []
    handlers: dict[int, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: runs.append(options))
    monkeypatch.setattr(signal, "signal", lambda sig, handler: handlers.update({sig: handler}))
    monkeypatch.setenv("LEDGER_ADMIN_TOKEN", "t")
    monkeypatch.setenv("LEDGER_DATA_DIR", str(tmp_path / "made"))
    monkeypatch.setenv("PORT", "8123")
    assert entrypoint.main() == 0
    assert (tmp_path / "made").is_dir()
    [options] = runs
    assert options["host"] == "0.0.0.0"  # the contract: every interface
    assert (options["port"], options["workers"]) == (8123, 1)
    assert options["access_log"] is False
    assert options["timeout_graceful_shutdown"] == 10
    handler = handlers[signal.SIGTERM]
    with pytest.raises(SystemExit) as exited:
        handler(signal.SIGTERM, None)  # type: ignore[operator]
    assert exited.value.code == 0


def test_main_reports_bad_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LEDGER_ADMIN_TOKEN", raising=False)
    assert entrypoint.main() == 2
    assert "LEDGER_ADMIN_TOKEN" in capsys.readouterr().err


def test_module_level_app_is_built_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_ADMIN_TOKEN", "t")
    main._default_app.cache_clear()
    try:
        assert main.app is main.app  # built once, on first access
        assert main.app.state.settings.admin_token == "t"
    finally:
        main._default_app.cache_clear()
    with pytest.raises(AttributeError):
        _ = main.no_such_attribute
