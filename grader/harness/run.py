"""`python -m grader.harness run`: wait for the service to be ready, then run the hidden suite."""

from __future__ import annotations

import argparse
import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from grader.harness.plugin import ResultsPlugin

READY_POLL_S = 0.2
# The performance suite runs alone, and only when asked for: its rounds take minutes.
PERFORMANCE_SUITE = "performance"
# `--option name=value` is exported to the suite as GRADER_OPTION_<NAME> (the performance
# suite's scale and the dataset handle of a later round).
OPTION_NAME = re.compile(r"^[a-z][a-z_]{0,30}$")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m grader.harness")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="wait for readiness, then run the hidden suite")
    run.add_argument("--base-url", required=True)
    run.add_argument("--tests", required=True, type=Path, help="folder of the hidden suite")
    run.add_argument("--results", required=True, type=Path, help="JSON-lines file to write")
    run.add_argument("--ready-timeout", type=float, default=30.0)
    run.add_argument("--only", default="", help="comma-separated skills or check-id prefixes")
    run.add_argument(
        "--option", action="append", default=[], help="NAME=VALUE for the suite (repeatable)"
    )
    run.add_argument("--ignore", action="append", default=[], help="paths pytest must not collect")
    return parser.parse_args(argv)


def probe(url: str) -> tuple[int | None, str]:
    """One GET: (status, short description). Never raises."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL from the grader
            return response.status, f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"no answer ({reason})"


def wait_ready(base_url: str, *, timeout: float) -> dict[str, Any]:
    """Poll `/readyz` until it answers 200 or the budget runs out."""
    started = time.monotonic()
    last = "no attempt"
    attempts = 0
    while True:
        attempts += 1
        status, last = probe(base_url.rstrip("/") + "/readyz")
        elapsed = time.monotonic() - started
        if status == 200:
            return {"type": "ready", "ok": True, "seconds": elapsed, "detail": last}
        if elapsed >= timeout:
            detail = f"/readyz did not answer 200 within {timeout:g} s; last: {last}"
            return {"type": "ready", "ok": False, "seconds": elapsed, "detail": detail}
        time.sleep(READY_POLL_S)


def parse_options(pairs: list[str]) -> dict[str, str]:
    """`--option NAME=VALUE` arguments as a mapping; names are lower-case words."""
    options: dict[str, str] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if not OPTION_NAME.match(name):
            raise ValueError(f"harness option {name!r} is not a lower-case name")
        options[name] = value
    return options


def performance_only(only: tuple[str, ...]) -> bool:
    """Whether the selection is the performance suite's checks and nothing else."""
    return bool(only) and all(
        part == PERFORMANCE_SUITE or part.startswith(PERFORMANCE_SUITE + ".") for part in only
    )


def run_suite(args: argparse.Namespace, out: Any) -> int:
    """Run pytest on the hidden suite with the results plugin; return pytest's exit code."""
    only = tuple(part.strip() for part in args.only.split(",") if part.strip())
    for name, value in parse_options(args.option).items():
        os.environ[f"GRADER_OPTION_{name.upper()}"] = value
    plugin = ResultsPlugin(out, only=only)
    performance = performance_only(only)
    pytest_args = [
        str(args.tests / PERFORMANCE_SUITE if performance else args.tests),
        f"--rootdir={args.tests}",
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "-o",
        "console_output_style=classic",
    ]
    if not performance:
        pytest_args.append(f"--ignore={args.tests / PERFORMANCE_SUITE}")
    for path in args.ignore:
        pytest_args.append(f"--ignore={path}")
    return int(pytest.main(pytest_args, plugins=[plugin]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("GRADER_BASE_URL", args.base_url)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    with args.results.open("w", encoding="utf-8") as out:
        ready = wait_ready(args.base_url, timeout=args.ready_timeout)
        out.write(json.dumps(ready) + "\n")
        out.flush()
        if not ready["ok"]:
            return 0
        code = run_suite(args, out)
        out.write(json.dumps({"type": "done", "exit_code": code}) + "\n")
    return 0
