"""Stability of the performance phase: grade the reference N times, then variants that must lose.

Each grade of the reference runs `--only performance` with the calibration cache cleared, so
the reference is measured against a fresh measurement of itself every time. The variants are
copies of the reference with the entries listing switched to LIMIT/OFFSET (`offset`) or with
the entries indexes dropped (`noindex`), plus the untouched exercise starter; they are graded on
the growth checks only. Prints per grade the performance score, each check's points, the
ratios, the seeding rate and the phase's own timing.

    python bench/performance_stability.py [--grades 5] [--variants 1] [--scale full|small]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from grader.paths import EXERCISE_DIR, REFERENCE_DIR, cache_dir
from grader.pipeline import GradeOptions, GradeOutcome, grade

OFFSET_QUERY = (
    """        " ORDER BY seq DESC LIMIT ?",
        (
            account_id,
            MAX_INT64 if before_seq is None else before_seq,
            *period.bounds(),
            limit + 1,
        ),
    ).fetchall()
    return slice_rows(rows, limit, entry_from_row)""",
    """        " ORDER BY seq DESC LIMIT ? OFFSET ?",
        (account_id, MAX_INT64, *period.bounds(), limit + 1, before_seq or 0),
    ).fetchall()
    page = slice_rows(rows, limit, entry_from_row)
    return Slice(page.items, (before_seq or 0) + limit if page.last_seq is not None else None)""",
)
INDEXES = (
    '    "CREATE INDEX IF NOT EXISTS entries_by_account ON entries (account_id, seq)",',
    '''    """CREATE INDEX IF NOT EXISTS entries_by_account_time
        ON entries (account_id, created_at, seq, amount, balance_after)""",''',
)


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def patched(source: Path, destination: Path, edits: list[tuple[str, str, str]]) -> Path:
    """A copy of `source` with exact text replacements (file, old, new; each must match once)."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    for relative, old, new in edits:
        path = destination / relative
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"{relative}: the text to replace is not there exactly once")
        path.write_text(text.replace(old, new), encoding="utf-8")
    return destination


def make_variants(workdir: Path) -> dict[str, Path]:
    """The reference with OFFSET pagination, the reference without entries indexes."""
    entries = "app/repositories/entries.py"
    offset = patched(REFERENCE_DIR, workdir / "offset", [(entries, *OFFSET_QUERY)])
    noindex = patched(
        REFERENCE_DIR,
        workdir / "noindex",
        [
            ("app/db.py", INDEXES[0], ""),
            ("app/db.py", INDEXES[1], ""),
            (entries, " INDEXED BY entries_by_account", ""),
        ],
    )
    return {"offset": offset, "noindex": noindex, "starter": EXERCISE_DIR}


def run_grade(path: Path, only: tuple[str, ...]) -> tuple[GradeOutcome, float]:
    started = time.monotonic()
    outcome = grade(str(path), options=GradeOptions(only=only), progress=lambda _: None)
    return outcome, time.monotonic() - started


def describe(outcome: GradeOutcome, seconds: float) -> float | None:
    """Print one grade's performance checks; return the skill's percent."""
    skill = next(s for s in outcome.card.skills if s.id == "performance")
    timings = ", ".join(f"{t.name} {t.seconds:.0f}s" for t in outcome.provenance.timings)
    say(f"  performance {skill.percent}%  ({seconds:.0f} s: {timings})")
    for check in skill.checks:
        say(f"    {check.id:<34} {check.points:>5.2f}/{check.max_points:g}  {check.message}")
        for item in check.evidence:
            if check.id != "performance.load.throughput" and item.get("kind") != "load":
                continue
            if item.get("kind") == "text":
                say("      " + str(item.get("text", "")).replace("\n", "\n      "))
            elif check.id in ("performance.load.throughput", "performance.growth.entries"):
                say(
                    f"      {item.get('endpoint')}: p50 {item.get('p50_ms')} ms, p95 "
                    f"{item.get('p95_ms')} ms, p99 {item.get('p99_ms')} ms, "
                    f"{item.get('throughput_rps')} req/s, growth {item.get('growth_ratio')}"
                )
    if outcome.card.problems:
        say(f"    problems: {outcome.card.problems}")
    return skill.percent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grades", type=int, default=5, help="grades of the reference")
    parser.add_argument("--variants", type=int, default=1, help="grades of each variant")
    parser.add_argument("--scale", choices=("full", "small"), default="full")
    args = parser.parse_args()
    os.environ["GRADER_PERFORMANCE_SCALE"] = args.scale
    scores: list[float] = []
    for number in range(1, args.grades + 1):
        shutil.rmtree(cache_dir() / "performance", ignore_errors=True)
        say(f"reference grade {number}/{args.grades}")
        percent = describe(*run_grade(REFERENCE_DIR, ("performance",)))
        if percent is not None:
            scores.append(percent)
    if scores:
        spread = max(scores) - min(scores)
        say(f"\nreference performance scores: {scores}; spread {spread:.1f} points")
        if len(scores) > 1:
            say(f"mean {statistics.fmean(scores):.1f}, stdev {statistics.stdev(scores):.1f}")
    with tempfile.TemporaryDirectory(prefix="perf-variants-") as tmp:
        for name, path in make_variants(Path(tmp)).items():
            for number in range(1, args.variants + 1):
                say(f"\nvariant {name} {number}/{args.variants} (growth checks only)")
                describe(*run_grade(path, ("performance.growth",)))


if __name__ == "__main__":
    main()
