"""Wire the stages: submission -> sandbox -> checks -> scoring; reports render the outcome."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from grader.checks.base import CheckContext, StageOutcome
from grader.checks.hidden_suite import suite_outcome
from grader.errors import UsageError
from grader.harness.plugin import selected
from grader.model import ImageInfo, PhaseTiming
from grader.overrides import Overrides, load_overrides
from grader.paths import EXERCISE_DIR, HIDDEN_TESTS_DIR, RUBRIC_PATH
from grader.provenance import Provenance
from grader.rubric import SKILLS, Rubric, load_rubric
from grader.sandbox.base import Limits, Progress, Sandbox, SuiteRequest
from grader.scoring import ScoreCard, score_card
from grader.submission import Submission, load_submission

RUNNERS = ("docker", "local")


@dataclass(frozen=True, slots=True)
class GradeOutcome:
    """A scored submission and how it was obtained: everything a report renders."""

    card: ScoreCard
    submission: Submission
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class GradeOptions:
    """What the person running the grader chose."""

    runner: str = "docker"
    seed: int = 0
    only: tuple[str, ...] = ()
    pass_mark: float | None = None
    base_ref: str | None = None
    overrides: Path | None = None
    limits: Limits = field(default_factory=Limits)
    since_exercise: bool = False


class PhaseClock:
    """Records how long each phase took, in order."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.timings: list[PhaseTiming] = []

    @contextlib.contextmanager
    def phase(self, name: str, label: str) -> Iterator[None]:
        self.progress(label)
        started = time.monotonic()
        try:
            yield
        finally:
            self.timings.append(
                PhaseTiming(name=name, seconds=round(time.monotonic() - started, 3))
            )


def validate_only(only: tuple[str, ...]) -> tuple[str, ...]:
    """`--only` accepts skill ids or check-id prefixes; unknown skills are a usage error."""
    for part in only:
        if part.split(".")[0] not in SKILLS:
            raise UsageError(
                f"--only names {part!r}, which is not a skill or check of the rubric.",
                tip=f"Use skill ids ({', '.join(SKILLS)}) or check ids such as data.transfers.",
            )
    return only


def make_sandbox(
    runner: str, *, limits: Limits, progress: Progress
) -> tuple[Sandbox, tuple[ImageInfo, ...]]:
    """The sandbox for a runner; the Docker one builds or reuses the grader's images."""
    if runner == "local":
        from grader.sandbox.local import LocalSandbox

        return LocalSandbox(limits=limits), ()
    from grader.engine import docker_client
    from grader.images import ensure_images
    from grader.sandbox.docker import DockerSandbox

    client = docker_client()
    images = ensure_images(client, progress=progress)
    infos = tuple(ImageInfo(role=i.role, tag=i.tag, id=i.id) for i in images.values())
    sandbox = DockerSandbox(
        client,
        runtime_image=images["runtime"].tag,
        harness_image=images["harness"].tag,
        limits=limits,
    )
    return sandbox, infos


def host_stages(context: CheckContext) -> StageOutcome:
    """The stages that only read the submission's files and history (no candidate code runs)."""
    from grader.checks import git_hygiene, integrity, notes, review, static_code, static_repo

    stages = (static_code, static_repo, git_hygiene, review, notes, integrity)
    return merged([stage.run(context) for stage in stages])


def merged(outcomes: list[StageOutcome]) -> StageOutcome:
    """One outcome from several, in order."""
    return StageOutcome(
        checks=tuple(c for o in outcomes for c in o.checks),
        problems=tuple(p for o in outcomes for p in o.problems),
    )


def wants(rubric: Rubric, only: tuple[str, ...], *sources: str) -> bool:
    """Whether `--only` selects any check of these sources."""
    return any(c.source in sources and selected(c.id, only) for c in rubric.checks)


def sandbox_stages(
    sandbox: Sandbox | None, context: CheckContext, *, seed: int, clock: PhaseClock
) -> StageOutcome:
    """The hidden suite, performance, the reliability scenarios, then the candidate's tests."""
    from grader.checks import candidate_tests, performance, reliability

    root, only, rubric = context.submission.root, context.only, context.rubric
    outcomes = []
    if sandbox is not None and wants(rubric, only, "hidden", "harness"):
        request = SuiteRequest(only=only, seed=seed)
        with clock.phase("hidden_suite", "running the service and the hidden suite"):
            with sandbox.session(root, request, clock.progress) as session:
                run = session.run_harness(request)
            outcomes.append(suite_outcome(rubric=rubric, run=run, only=only))
    if sandbox is not None and performance.needs_run(context):
        with clock.phase("performance", "measuring load and cost growth against the reference"):
            outcomes.append(
                performance.run(context, sandbox=sandbox, seed=seed, progress=clock.progress)
            )
    if sandbox is not None and reliability.needs_run(context):
        with clock.phase("reliability", "crashing, stopping and overloading the service"):
            outcomes.append(reliability.run(context, sandbox=sandbox, progress=clock.progress))
    if sandbox is not None and candidate_tests.needs_run(context):
        with clock.phase("candidate_tests", "running the candidate's own tests"):
            outcomes.append(candidate_tests.run(context, sandbox=sandbox, progress=clock.progress))
    else:
        outcomes.append(candidate_tests.outcome(context, candidate_tests.NOT_RUN))
    return merged(outcomes)


def needs_sandbox(context: CheckContext) -> bool:
    """Whether any selected check needs candidate code to run."""
    from grader.checks import candidate_tests, performance, reliability

    hidden = wants(context.rubric, context.only, "hidden", "harness")
    measured = performance.needs_run(context) or reliability.needs_run(context)
    return hidden or measured or candidate_tests.needs_run(context)


def intake(spec: str, *, options: GradeOptions, workdir: Path, progress: Progress) -> Submission:
    """Take the submission in; with `since_exercise` its history starts after the hand-out."""
    base_ref = options.base_ref
    if options.since_exercise:
        if base_ref is not None:
            raise UsageError(
                "--base and --since-exercise both name the commit the candidate started from.",
                tip="Give one of them: --since-exercise finds the exercise's commit itself.",
            )
        from grader.export import find_exercise_base

        base = find_exercise_base(spec, workdir=workdir)
        progress(f"  {base.note}" if base.matched else base.note)
        base_ref = base.commit
    return load_submission(spec, workdir=workdir, base_ref=base_ref)


def grade(spec: str, *, options: GradeOptions, progress: Progress) -> GradeOutcome:
    """Grade one submission end to end."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    only = validate_only(options.only)
    clock = PhaseClock(progress)
    rubric = load_rubric(RUBRIC_PATH)
    # A broken overrides file must stop the grade before minutes of work, not after.
    overrides = load_overrides(options.overrides, rubric) if options.overrides else None
    images: tuple[ImageInfo, ...] = ()
    with tempfile.TemporaryDirectory(prefix="ledger-grader-") as tmp:
        with clock.phase("intake", "taking in the submission"):
            submission = intake(spec, options=options, workdir=Path(tmp), progress=progress)
        context = CheckContext(
            rubric=rubric, submission=submission, exercise=EXERCISE_DIR, only=only
        )
        with clock.phase("static", "reading the code, history, review and notes"):
            host = host_stages(context)
        sandbox: Sandbox | None = None
        if needs_sandbox(context):
            with clock.phase("images", "preparing the sandbox"):
                sandbox, images = make_sandbox(
                    options.runner, limits=options.limits, progress=progress
                )
        sandboxed = sandbox_stages(sandbox, context, seed=options.seed, clock=clock)
    outcome = merged([host, sandboxed])
    with clock.phase("scoring", "scoring"):
        card = score(rubric, outcome, pass_mark=options.pass_mark, overrides=overrides)
    provenance = Provenance.collect(
        runner=options.runner,
        seed=options.seed,
        only=only,
        rubric_sha256=rubric.sha256,
        hidden_suite=HIDDEN_TESTS_DIR,
        started_at=started_at,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        timings=tuple(clock.timings),
        images=images,
    )
    return GradeOutcome(card=card, submission=submission, provenance=provenance)


def score(
    rubric: Rubric,
    outcome: StageOutcome,
    *,
    pass_mark: float | None,
    overrides: Overrides | None,
) -> ScoreCard:
    """The card of all stages' results, in rubric order."""
    order = {check.id: index for index, check in enumerate(rubric.checks)}
    checks = tuple(sorted(outcome.checks, key=lambda c: order.get(c.id, len(order))))
    return score_card(
        rubric=rubric,
        checks=checks,
        problems=outcome.problems,
        pass_mark=pass_mark,
        overrides=overrides,
    )
