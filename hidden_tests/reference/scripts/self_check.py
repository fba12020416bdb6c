"""Self-check before you submit (`make check`): lint, tests and a smoke test of the service.

1. `ruff check .` and `ruff format --check .` with the configuration in pyproject.toml;
2. the tests in tests/;
3. the service started as the grader starts it (`python -m app` on a free port, a fresh data
   directory, a random admin token): /readyz within 30 s; /healthz, /readyz and /metrics checked
   against openapi.yaml; a request log line on stdout; SIGTERM ends it with status 0 within 10 s.

It is a floor, not a grade: it cannot tell whether the ledger is correct.
Exit status: 0 when nothing failed (TODO items are allowed), 1 otherwise.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import httpx
    import yaml
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as missing:
    sys.exit(f"self-check: {missing.name} is missing; run `make install` first, then `make check`.")

ROOT = Path(__file__).resolve().parents[1]
# The contract is the exercise's openapi.yaml: the reference keeps no copy of it.
OPENAPI = ROOT / "openapi.yaml"
OPENAPI_URI = "urn:ledger:openapi"
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
LOG_FIELDS = ("timestamp", "level", "message", "request_id", "method", "route", "status")
METRIC_SERIES = (
    "http_requests_total",
    "http_request_duration_seconds",
    "ledger_transactions_total",
    "ledger_idempotent_replays_total",
)

PASS, TODO, FAIL = "PASS", "TODO", "FAIL"


@dataclass(frozen=True, slots=True)
class Result:
    """One line of the summary."""

    status: str
    name: str
    message: str
    tip: str = ""


results: list[Result] = []


def say(text: str = "") -> None:
    """Write a line of the report on stdout."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def record(status: str, name: str, message: str, tip: str = "") -> None:
    """Add a line to the summary and show it now."""
    results.append(Result(status, name, message, tip))
    say(f"  {status}  {name}: {message}")


def banner(title: str) -> None:
    say(f"\n== {title}")


# 1. Lint and 2. tests ------------------------------------------------------------------------


def run_tool(name: str, args: list[str], tip: str) -> None:
    """Run a command in the project root, its output shown as it comes."""
    banner(name)
    done = subprocess.run([sys.executable, *args], cwd=ROOT, check=False)  # noqa: S603 - our own args
    if done.returncode == 0:
        record(PASS, name, "clean" if "ruff" in name else "passed")
    else:
        record(FAIL, name, f"exit status {done.returncode}", tip)


# 3. Smoke test -------------------------------------------------------------------------------


def contract_validator(schema_name: str) -> Draft202012Validator:
    """A validator for ``#/components/schemas/<schema_name>`` of openapi.yaml, $refs resolved."""
    spec = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    resource = Resource(contents=spec, specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(OPENAPI_URI, resource)
    schema = {"$ref": f"{OPENAPI_URI}#/components/schemas/{schema_name}"}
    return Draft202012Validator(schema, registry=registry)


def schema_errors(schema_name: str, document: Any) -> list[str]:
    """Why ``document`` does not match the schema, at most three reasons."""
    errors = sorted(contract_validator(schema_name).iter_errors(document), key=str)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in errors[:3]
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join("      | " + line for line in text.splitlines()[-lines:])


class Service:
    """The service as a child process, started the way the grader starts it."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = secrets.token_urlsafe(24)
        self.stdout = workdir / "stdout.log"
        self.stderr = workdir / "stderr.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "PORT"))}
        env |= {
            "PORT": str(self.port),
            "LEDGER_DATA_DIR": str(workdir / "data"),
            "LEDGER_ADMIN_TOKEN": self.admin_token,
            "LOG_LEVEL": "INFO",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        with self.stdout.open("wb") as out, self.stderr.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=out, stderr=err
            )

    def wait_ready(self) -> float | None:
        """Seconds until /readyz answered 200, or None (the process died or time ran out)."""
        started = time.monotonic()
        while time.monotonic() - started < READY_TIMEOUT_S:
            if self.process.poll() is not None:
                return None
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        return None

    def stop(self) -> tuple[int | None, float]:
        """Send SIGTERM; the exit status (None if it had to be killed) and the time it took."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None, time.monotonic() - started
        return code, time.monotonic() - started


def check_json(
    name: str, response: httpx.Response, schema_name: str, media_type: str = "application/json"
) -> bool:
    """Record whether the response has the media type and a body matching the schema."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if content_type != media_type:
        record(
            FAIL,
            name,
            f"{response.status_code} with Content-Type {content_type or 'none'}, "
            f"expected {media_type}",
        )
        return False
    try:
        body = response.json()
    except ValueError:
        record(FAIL, name, f"{response.status_code} with a body that is not JSON")
        return False
    errors = schema_errors(schema_name, body)
    if errors:
        record(
            FAIL,
            name,
            f"{response.status_code}, body does not match {schema_name}: " + "; ".join(errors),
            f"See components/schemas/{schema_name} in openapi.yaml.",
        )
        return False
    return True


def check_healthz(response: httpx.Response) -> None:
    name = "GET /healthz"
    if response.status_code != 200:
        record(FAIL, name, f"answered {response.status_code}, expected 200")
    elif check_json(name, response, "HealthStatus"):
        record(PASS, name, "200, body matches HealthStatus")


def check_readyz(response: httpx.Response) -> None:
    name = "GET /readyz"
    if response.status_code == 200:
        if check_json(name, response, "ReadyStatus"):
            record(PASS, name, "200, body matches ReadyStatus")
    elif response.status_code == 503:
        if check_json(name, response, "Problem", "application/problem+json"):
            record(FAIL, name, "503 not_ready right after answering 200", "Is the database usable?")
    else:
        record(FAIL, name, f"answered {response.status_code}, expected 200 (or 503 not_ready)")


def check_metrics(response: httpx.Response) -> None:
    name = "GET /metrics"
    if response.status_code == 501:
        if check_json(name, response, "Problem", "application/problem+json"):
            record(TODO, name, "501 not_implemented: not implemented yet (task 6)")
        return
    if response.status_code != 200:
        record(FAIL, name, f"answered {response.status_code}, expected 200")
        return
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith("text/plain"):
        record(FAIL, name, f"Content-Type {content_type or 'none'}, expected text/plain")
        return
    missing = [series for series in METRIC_SERIES if series not in response.text]
    if missing:
        record(
            FAIL,
            name,
            "200, but these series are missing: " + ", ".join(missing),
            "openapi.yaml lists the required series under GET /metrics.",
        )
    else:
        record(PASS, name, "200, Prometheus text with the required series")


def check_request_id(responses: list[tuple[str, httpx.Response]]) -> None:
    name = "X-Request-ID"
    wrong = [
        path
        for path, response in responses
        if response.headers.get("x-request-id") != response.request.headers["x-request-id"]
    ]
    if wrong:
        record(TODO, name, "the valid X-Request-ID sent is not returned yet on " + ", ".join(wrong))
    else:
        record(PASS, name, "the request id sent is returned on every response")


def check_logs(service: Service, request_ids: list[str], paths: list[str]) -> None:
    """One line per request on stdout; ideally JSON with the fields the brief asks for."""
    lines = service.stdout.read_text(encoding="utf-8", errors="replace").splitlines()
    records = []
    for line in lines:
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict):
            records.append(document)
    ours = [r for r in records if r.get("request_id") in request_ids]
    if ours:
        incomplete = [field for field in LOG_FIELDS if any(field not in r for r in ours)]
        if not any(isinstance(r.get("duration_ms"), int | float) for r in ours):
            incomplete.append("duration_ms")
        if any(not isinstance(r.get("status"), int) for r in ours):
            incomplete.append("status as an integer")
        if incomplete:
            record(TODO, "request log", "JSON lines lack: " + ", ".join(dict.fromkeys(incomplete)))
        else:
            record(PASS, "request log", f"{len(ours)} JSON lines with the request ids sent")
        return
    plain = [line for line in lines if any(path in line for path in paths)]
    if plain:
        record(PASS, "request log", f"{len(plain)} lines on stdout for the requests sent")
        record(
            TODO,
            "request log",
            "lines are not JSON objects with the request id yet (task 6), e.g. " + plain[0][:80],
        )
        return
    record(
        FAIL,
        "request log",
        "no line on stdout for the requests sent",
        "The grader reads the request log from stdout (one JSON object per line).",
    )


def smoke_test() -> None:
    banner("smoke test: python -m app, as the grader starts it")
    with tempfile.TemporaryDirectory(prefix="ledger-self-check-") as tmp:
        service = Service(Path(tmp))
        try:
            ready_after = service.wait_ready()
            if ready_after is None:
                code = service.process.poll()
                reason = (
                    f"exited with status {code} before /readyz answered 200"
                    if code is not None
                    else f"/readyz did not answer 200 within {READY_TIMEOUT_S:.0f} s"
                )
                record(
                    FAIL,
                    "start",
                    f"{reason}; its stderr ends with:\n{tail(service.stderr)}",
                    "Run `make run` and read the error; the grader waits at most 30 s.",
                )
                return
            record(PASS, "start", f"/readyz answered 200 after {ready_after:.1f} s")
            paths = ["/healthz", "/readyz", "/metrics"]
            request_ids = [f"self-check-{secrets.token_hex(6)}" for _ in paths]
            responses = []
            with httpx.Client(base_url=service.url, timeout=10) as http:
                for path, request_id in zip(paths, request_ids, strict=True):
                    responses.append((path, http.get(path, headers={"X-Request-ID": request_id})))
            checks: list[Callable[[httpx.Response], None]] = [
                check_healthz,
                check_readyz,
                check_metrics,
            ]
            for check, (_, response) in zip(checks, responses, strict=True):
                check(response)
            check_request_id(responses)
        finally:
            code, took = service.stop()
        if code == 0:
            record(PASS, "SIGTERM", f"exited with status 0 after {took:.1f} s")
        elif code is None:
            record(
                FAIL,
                "SIGTERM",
                f"still running {STOP_TIMEOUT_S:.0f} s after SIGTERM (killed)",
                "Let uvicorn handle SIGTERM and finish in-flight requests, then exit.",
            )
        else:
            record(
                FAIL,
                "SIGTERM",
                f"exited with status {code}, expected 0; stderr ends with:\n{tail(service.stderr)}",
                "The grader expects a graceful stop to exit with status 0.",
            )
        check_logs(service, request_ids, paths)


def summary() -> int:
    banner("summary")
    for result in results:
        say(f"  {result.status}  {result.name}: {result.message.splitlines()[0]}")
        if result.tip:
            say(f"        Tip: {result.tip}")
    failed = [r for r in results if r.status == FAIL]
    todo = [r for r in results if r.status == TODO]
    started = any(r.name == "start" and r.status == PASS for r in results)
    say()
    if started:
        say("The grader can start your service.")
    else:
        say("The grader cannot start your service: see `start` above.")
    if todo:
        say(f"{len(todo)} TODO: parts of the brief that are not done yet (allowed, but scored).")
    if failed:
        say(f"{len(failed)} FAILED: fix them before you submit.")
        return 1
    say("Self-check passed. It is a floor, not a grade.")
    return 0


def main() -> int:
    os.chdir(ROOT)
    run_tool(
        "ruff check .",
        ["-m", "ruff", "check", "."],
        "Fix what ruff reports (`ruff check --fix .` fixes some); do not relax pyproject.toml.",
    )
    run_tool(
        "ruff format --check .",
        ["-m", "ruff", "format", "--check", "."],
        "Run `.venv/bin/ruff format .`.",
    )
    run_tool("tests", ["-m", "pytest", "-q"], "Run `make test` and fix the failing tests.")
    smoke_test()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
