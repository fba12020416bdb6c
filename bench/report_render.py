"""Time every report for a large card: `python bench/report_render.py [--checks 500] [--runs 5]`.

The card has N failed checks spread over the rubric's skills, each with a hidden-test evidence
of three HTTP exchanges (2 KiB bodies), Hypothesis notes and a traceback, plus findings and
load rows: far more than a real card (86 checks). Prints the median time of the runs (wall
and CPU) per format and audience. Numbers are for comparison on one machine, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from grader.checks.base import finding
from grader.model import CheckResult, PhaseTiming, Status
from grader.paths import RUBRIC_PATH
from grader.pipeline import GradeOutcome
from grader.provenance import Provenance
from grader.report.audience import Audience
from grader.report.formats import FORMATS
from grader.report.terminal import render_terminal
from grader.rubric import Rubric, load_rubric
from grader.scoring import score_card
from grader.submission import Submission

BODY = '{"data": [' + ", ".join(['{"id": "acc_123", "balance": 100}'] * 60) + "]}"


def heavy_evidence(n: int) -> tuple[dict[str, object], ...]:
    exchange = {
        "method": "POST",
        "path": f"/v1/transfers?n={n}",
        "request_headers": {"authorization": "***", "content-type": "application/json"},
        "request_body": BODY,
        "status": 500,
        "response_headers": {"content-type": "application/json"},
        "response_body": BODY,
    }
    return (
        {
            "kind": "hidden_test",
            "test": f"hidden_tests/functional/test_bench.py::test_case[{n}]",
            "message": "expected 201, got 500 " * 5,
            "traceback": "Traceback (most recent call last):\n" * 30,
            "hypothesis_notes": [f"Falsifying example: n={n}"] * 3,
            "exchanges": [exchange] * 3,
        },
        finding(f"app/module_{n}.py", n, "E501", "line too long"),
        {"kind": "load", "endpoint": f"GET /v1/e{n}", "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0},
    )


def large_outcome(rubric: Rubric, count: int) -> GradeOutcome:
    skills = list(rubric.skills)
    checks = tuple(
        CheckResult(
            id=f"{skills[n % len(skills)]}.bench.check_{n:04d}",
            skill=skills[n % len(skills)],
            title=f"Benchmark check {n} with a realistic title length",
            status=Status.FAILED,
            points=0.5,
            max_points=2.0,
            message=f"Check {n}: " + "the response did not match the contract " * 8,
            evidence=heavy_evidence(n),
            duration_s=0.1,
        )
        for n in range(count)
    )
    card = score_card(rubric=rubric, checks=checks, pass_mark=60)
    submission = Submission("bench", "directory", Path(), "sha256:" + "0" * 64, 1, 1, None, ())
    provenance = Provenance(
        "bench", "local", 0, (), rubric.sha256, "0" * 64, "", "", (PhaseTiming("x", 1.0),), (), {}
    )
    return GradeOutcome(card=card, submission=submission, provenance=provenance)


def time_render(render: object, runs: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of `runs` calls, and the output's size.

    CPU time is shown too: on a busy machine the wall time mostly measures the neighbours.
    """
    wall, cpu, size = [], [], 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        size = len(render())  # type: ignore[operator]
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rubric = load_rubric(RUBRIC_PATH)
    outcome = large_outcome(rubric, args.checks)
    table = Table(title=f"Rendering a card of {args.checks} failed checks ({args.runs} runs)")
    for column in ("report", "audience", "wall ms", "CPU ms", "size KiB"):
        table.add_column(column, justify="left" if column in ("report", "audience") else "right")
    renders = [
        (name, audience, lambda f=fmt, a=audience: f.render(outcome, a, rubric))
        for name, fmt in FORMATS.items()
        for audience in sorted(fmt.audiences)
    ]
    renders += [
        ("terminal", a, lambda a=a: render_terminal(outcome, a, rubric=rubric)) for a in Audience
    ]
    for name, audience, render in renders:
        wall, cpu, size = time_render(render, args.runs)
        table.add_row(
            name, str(audience), f"{wall * 1000:.1f}", f"{cpu * 1000:.1f}", f"{size / 1024:.0f}"
        )
    Console().print(table)


if __name__ == "__main__":
    main()
