"""Turn the harness's JSON-lines output into one CheckResult per rubric check."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from grader.checks.base import StageOutcome
from grader.checks.base import check_result as _result
from grader.harness.plugin import selected
from grader.model import CheckResult, Status
from grader.rubric import Check, Rubric

READY_CHECK = "reliability.service.ready"
MAX_FAILING_EVIDENCE = 3


@dataclass(frozen=True, slots=True)
class ServiceFate:
    """What the sandbox saw of the candidate's process, for explaining a dead service."""

    running: bool
    exit_code: int | None = None
    oom_killed: bool = False
    log_tail: str = ""

    def describe(self) -> str:
        if self.running:
            return ""
        if self.oom_killed:
            return "The service was killed for exceeding its memory limit."
        if self.exit_code is not None:
            return f"The service exited with code {self.exit_code}."
        return "The service stopped."


@dataclass(frozen=True, slots=True)
class HarnessRun:
    """The raw outcome of one harness run."""

    lines: tuple[str, ...]
    timed_out: bool
    budget_s: float
    fate: ServiceFate


def parse_lines(lines: Iterable[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Decode JSON lines; a malformed line is a grader problem, never a crash."""
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            # The last line may be cut when the harness is killed mid-write.
            problems.append(f"harness output line {number} is not JSON")
            continue
        if isinstance(record, dict):
            records.append(record)
    return records, problems


def readiness_result(check: Check, ready: dict[str, Any] | None, run: HarnessRun) -> CheckResult:
    """The grader's own readiness check, from the harness's first record."""
    ok = bool(ready and ready.get("ok"))
    seconds = float(ready.get("seconds", 0.0)) if ready else 0.0
    if ok:
        return _result(check, Status.PASSED, message=f"Ready after {seconds:.1f} s.")
    detail = str(ready.get("detail", "")) if ready else "the harness did not report readiness"
    message = " ".join(part for part in (run.fate.describe(), detail) if part)
    evidence = (
        ({"kind": "service_log_tail", "text": run.fate.log_tail},) if run.fate.log_tail else ()
    )
    return _result(check, Status.FAILED, message=message, evidence=evidence, duration=seconds)


def suite_outcome(*, rubric: Rubric, run: HarnessRun, only: tuple[str, ...] = ()) -> StageOutcome:
    """Map harness records onto the rubric's hidden checks."""
    records, problems = parse_lines(run.lines)
    ready = next((r for r in records if r.get("type") == "ready"), None)
    tests = [r for r in records if r.get("type") == "test"]
    problems += [
        f"hidden suite failed to collect {r.get('nodeid')}: {str(r.get('longrepr'))[:300]}"
        for r in records
        if r.get("type") == "collection_error"
    ]
    known = {c.id for c in rubric.checks}
    problems += sorted(
        {
            f"test {t.get('nodeid')} names unknown check {t.get('check')!r}"
            for t in tests
            if t.get("check") not in known
        }
    )

    results: list[CheckResult] = []
    ready_check = rubric.check(READY_CHECK)
    if ready_check is not None:
        results.append(readiness_result(ready_check, ready, run))
    is_ready = bool(ready and ready.get("ok"))
    done = next((r for r in records if r.get("type") == "done"), None)
    finished = done is not None
    # pytest exit codes 0 and 1 mean "ran, some may have failed"; anything else is pytest itself.
    if done is not None and done.get("exit_code") not in (0, 1, 5):
        problems.append(f"the hidden suite's pytest exited with code {done.get('exit_code')}")
    for check in rubric.by_source("hidden"):
        # The readiness check is answered above, whatever source the rubric gives it.
        # Check ids start with their skill (the rubric enforces it), so one prefix rule serves
        # both skills and check ids, the same rule the harness uses to deselect tests.
        if check.id == READY_CHECK or not selected(check.id, only):
            continue
        mine = [t for t in tests if t.get("check") == check.id]
        results.append(_hidden_result(check, mine, is_ready=is_ready, finished=finished, run=run))
    return StageOutcome(checks=tuple(results), problems=tuple(problems))


def _not_run(check: Check, *, is_ready: bool, finished: bool, run: HarnessRun) -> CheckResult:
    """A check none of whose tests reported: the candidate's fault only if the service is."""
    if not is_ready:
        return _result(check, Status.FAILED, message="Not run: the service never became ready.")
    if run.timed_out or not finished:
        reason = (
            f"the hidden suite ran out of its {run.budget_s:g} s budget"
            if run.timed_out
            else "the hidden suite stopped early"
        )
        message = " ".join(p for p in (f"Not run: {reason}.", run.fate.describe()) if p)
        return _result(check, Status.FAILED, message=message)
    return _result(check, Status.ERROR, message="No hidden test reported a result.")


def _hidden_result(
    check: Check, tests: list[dict[str, Any]], *, is_ready: bool, finished: bool, run: HarnessRun
) -> CheckResult:
    if not is_ready or not tests:
        return _not_run(check, is_ready=is_ready, finished=finished, run=run)
    duration = sum(float(t.get("duration", 0.0)) for t in tests)
    outcomes = [str(t.get("outcome")) for t in tests]
    failing = [t for t in tests if t.get("outcome") in ("failed", "error")]
    evidence = tuple(_evidence(t) for t in failing[:MAX_FAILING_EVIDENCE])
    if "error" in outcomes:
        broken = next(t for t in tests if t.get("outcome") == "error")
        return _result(
            check,
            Status.ERROR,
            message=str(broken.get("message", "")),
            evidence=evidence,
            duration=duration,
        )
    counted = [o for o in outcomes if o in ("passed", "failed")]
    if not counted:
        reason = next((str(t.get("message")) for t in tests if t.get("message")), "")
        return _result(check, Status.SKIPPED, message=reason, duration=duration)
    passed = counted.count("passed")
    if passed == len(counted):
        return _result(check, Status.PASSED, duration=duration)
    share = passed / len(counted) if check.scoring == "fraction" else 0.0
    message = str(failing[0].get("message", "")) if failing else ""
    if check.scoring == "fraction":
        message = f"{passed} of {len(counted)} cases right. {message}".strip()
    return _result(
        check,
        Status.FAILED,
        message=message,
        evidence=evidence,
        duration=duration,
        points=check.points * share,
    )


def _evidence(test: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "hidden_test",
        "test": test.get("nodeid"),
        "message": test.get("message"),
        "exception": test.get("exception"),
        "traceback": test.get("longrepr"),
        "hypothesis_notes": test.get("notes") or [],
        "exchanges": test.get("exchanges") or [],
    }
