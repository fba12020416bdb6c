"""``python -m app``: validate the settings, then serve on 0.0.0.0:$PORT with uvicorn."""

import signal
import sys
from types import FrameType

import uvicorn

from app.config import SettingsError, load_settings
from app.main import create_app


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    """Uvicorn re-raises SIGTERM after its graceful shutdown: finish with status 0 instead."""
    raise SystemExit(0)


def main() -> int:
    """Run the service until SIGTERM/SIGINT; exit 2 on invalid configuration."""
    try:
        settings = load_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except SettingsError as exc:
        sys.stderr.write(f"ledger: configuration error: {exc}\n")
        return 2
    except OSError as exc:
        sys.stderr.write(f"ledger: cannot create LEDGER_DATA_DIR: {exc.strerror}\n")
        return 2
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        create_app(settings),
        host="0.0.0.0",  # noqa: S104 - the runtime contract: listen on every interface
        port=settings.port,
        workers=1,
        log_config=None,
        log_level=settings.log_level.lower(),
        access_log=False,  # RequestLogMiddleware writes the access log, as JSON
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
