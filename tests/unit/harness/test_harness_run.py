"""The harness entry point: readiness polling against a real HTTP server, then the suite."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from grader.harness.run import wait_ready

Records = list[dict[str, Any]]
Serve = Callable[..., str]

PASSING_SUITE = {
    "test_run_suite.py": """
    import pytest


    @pytest.mark.check("data.balance")
    def test_passes():
        assert True
    """
}


@pytest.fixture
def serve_readyz() -> Iterator[Serve]:
    """Start a loopback server whose `/readyz` answers the given statuses, the last one forever."""
    servers: list[ThreadingHTTPServer] = []

    def serve(*statuses: int) -> str:
        answers = list(statuses)

        class Readyz(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status = answers.pop(0) if len(answers) > 1 else answers[0]
                self.send_response(status if self.path == "/readyz" else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Keep the test output quiet."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Readyz)
        servers.append(server)
        # A short poll interval keeps `shutdown()` (and so the test) fast.
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL on which nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_ready_when_readyz_answers_200(serve_readyz: Serve) -> None:
    ready = wait_ready(serve_readyz(200), timeout=2)

    assert ready["type"] == "ready"
    assert ready["ok"] is True
    assert ready["detail"] == "HTTP 200"
    assert ready["seconds"] < 2


def test_ready_once_a_starting_service_answers_200(serve_readyz: Serve) -> None:
    ready = wait_ready(serve_readyz(503, 503, 200), timeout=5)

    assert ready["ok"] is True
    assert ready["seconds"] >= 0.2


def test_not_ready_when_readyz_answers_503_until_the_timeout(serve_readyz: Serve) -> None:
    ready = wait_ready(serve_readyz(503), timeout=0.3)

    assert ready["ok"] is False
    assert ready["seconds"] >= 0.3
    assert ready["detail"] == "/readyz did not answer 200 within 0.3 s; last: HTTP 503"


def test_not_ready_quickly_when_nothing_listens(closed_port_url: str) -> None:
    started = time.monotonic()

    ready = wait_ready(closed_port_url, timeout=0.3)

    assert ready["ok"] is False
    assert "last: no answer" in ready["detail"]
    assert time.monotonic() - started < 1.5


def test_main_writes_readiness_then_tests_then_done(
    serve_readyz: Serve, run_harness_main: Callable[..., Records]
) -> None:
    records = run_harness_main(PASSING_SUITE, base_url=serve_readyz(200), ready_timeout=2)

    assert [r["type"] for r in records] == ["ready", "collected", "test", "done"]
    assert records[0]["ok"] is True
    assert records[2]["outcome"] == "passed"
    assert records[-1] == {"type": "done", "exit_code": 0}


def test_main_runs_no_test_when_the_service_is_not_ready(
    closed_port_url: str, run_harness_main: Callable[..., Records]
) -> None:
    records = run_harness_main(PASSING_SUITE, base_url=closed_port_url, ready_timeout=0.2)

    assert [r["type"] for r in records] == ["ready"]
    assert records[0]["ok"] is False
