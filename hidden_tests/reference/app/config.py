"""Service settings read from the environment and validated once at start-up."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOG_LEVELS = frozenset({"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"})


class SettingsError(ValueError):
    """Raised when the environment does not describe a usable configuration."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Runtime configuration of the service."""

    admin_token: str
    data_dir: Path = Path("data")
    port: int = 8000
    log_level: str = "INFO"

    @property
    def database_path(self) -> Path:
        """The SQLite database file inside the data directory."""
        return self.data_dir / "ledger.db"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build validated settings from environment variables."""
    env = os.environ if environ is None else environ
    admin_token = env.get("LEDGER_ADMIN_TOKEN", "")
    if not admin_token:
        raise SettingsError("LEDGER_ADMIN_TOKEN is required and must not be empty")
    log_level = env.get("LOG_LEVEL", "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(sorted(LOG_LEVELS))}")
    return Settings(
        admin_token=admin_token,
        data_dir=Path(env.get("LEDGER_DATA_DIR", "data")),
        port=_parse_port(env.get("PORT", "8000")),
        log_level=log_level,
    )


def _parse_port(raw: str) -> int:
    """Parse a TCP port number, rejecting anything outside 1..65535."""
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"PORT must be an integer between 1 and 65535, got {raw!r}")
    return int(raw)
