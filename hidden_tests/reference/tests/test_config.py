"""Settings from the environment."""

from pathlib import Path

import pytest

from app.config import Settings, SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings({"LEDGER_ADMIN_TOKEN": "secret"})
    assert settings == Settings(admin_token="secret")
    assert settings.database_path == Path("data") / "ledger.db"
    assert (settings.port, settings.log_level) == (8000, "INFO")


def test_everything_from_env(tmp_path: Path) -> None:
    env = {
        "LEDGER_ADMIN_TOKEN": "t",
        "LEDGER_DATA_DIR": str(tmp_path),
        "PORT": "9001",
        "LOG_LEVEL": "debug",
    }
    settings = load_settings(env)
    assert (settings.data_dir, settings.port, settings.log_level) == (tmp_path, 9001, "DEBUG")
    assert settings.database_path == tmp_path / "ledger.db"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "LEDGER_ADMIN_TOKEN"),
        ({"LEDGER_ADMIN_TOKEN": ""}, "LEDGER_ADMIN_TOKEN"),
        ({"LEDGER_ADMIN_TOKEN": "t", "PORT": "http"}, "PORT"),
        ({"LEDGER_ADMIN_TOKEN": "t", "PORT": "0"}, "PORT"),
        ({"LEDGER_ADMIN_TOKEN": "t", "PORT": "70000"}, "PORT"),
        ({"LEDGER_ADMIN_TOKEN": "t", "LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ],
)
def test_invalid_settings(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_ADMIN_TOKEN", "from-env")
    assert load_settings().admin_token == "from-env"
