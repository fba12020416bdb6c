"""Measure how long a grade takes, per phase: `python bench/grade_timing.py [--runs 5] [--cold]`.

Grades the reference solution (warm images) several times and prints the median and spread
of each phase; with --cold it first rebuilds both images from scratch and reports that time.
Numbers are for comparison on one machine, in one run; they are not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

from rich.console import Console
from rich.table import Table

from grader.engine import docker_client
from grader.images import ensure_images
from grader.paths import REFERENCE_DIR
from grader.pipeline import GradeOptions, grade


def cold_build_seconds() -> float:
    started = time.monotonic()
    ensure_images(docker_client(), rebuild=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--runner", choices=("docker", "local"), default="docker")
    parser.add_argument("--cold", action="store_true", help="rebuild the images first, timed")
    parser.add_argument("--submission", default=str(REFERENCE_DIR))
    args = parser.parse_args()
    console = Console()
    if args.cold:
        console.print(f"cold image build: {cold_build_seconds():.1f} s")
    phases: dict[str, list[float]] = defaultdict(list)
    totals: list[float] = []
    for run in range(1, args.runs + 1):
        started = time.monotonic()
        outcome = grade(
            args.submission, options=GradeOptions(runner=args.runner), progress=lambda m: None
        )
        totals.append(time.monotonic() - started)
        for timing in outcome.provenance.timings:
            phases[timing.name].append(timing.seconds)
        console.print(f"run {run}: {totals[-1]:.1f} s, total score {outcome.card.total_percent}")
    table = Table(title=f"grader grade ({args.runner}), {args.runs} runs")
    for column in ("phase", "median s", "min s", "max s"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for name, values in [*phases.items(), ("wall (whole grade)", totals)]:
        table.add_row(
            name, f"{statistics.median(values):.2f}", f"{min(values):.2f}", f"{max(values):.2f}"
        )
    console.print(table)


if __name__ == "__main__":
    main()
