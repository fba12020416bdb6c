"""The canonical results document (`results.json`), versioned and described by a JSON Schema.

`results_document` turns an outcome into the document; `outcome_from_document` turns a saved
document back into an outcome, so a grade can be re-rendered, or re-scored with a reviewer's
overrides, without grading again.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from grader.errors import UsageError
from grader.model import CheckResult, ImageInfo, PhaseTiming, Status
from grader.pipeline import GradeOutcome
from grader.provenance import Provenance
from grader.scoring import Adjustment, Band, HumanRating, Outcome, ScoreCard, SkillScore
from grader.submission import CommitInfo, GitInfo, Submission

SCHEMA_VERSION = 1
# The snapshot a grade read is deleted when grading ends; a restored outcome has no files.
RESTORED_ROOT = Path()
TIP = "Pass a results.json written by `grader grade --format json` of this grader version."


def results_schema() -> dict[str, Any]:
    """The published JSON Schema of `results.json`."""
    text = resources.files("grader.report").joinpath("results.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _check(check: CheckResult) -> dict[str, Any]:
    return {
        "id": check.id,
        "skill": check.skill,
        "title": check.title,
        "status": str(check.status),
        "points": check.points,
        "max_points": check.max_points,
        "message": check.message,
        "duration_s": check.duration_s,
        "evidence": list(check.evidence),
    }


def _submission(submission: Submission) -> dict[str, Any]:
    git = None
    if submission.git is not None:
        git = {
            "ref": submission.git.ref,
            "commit": submission.git.commit,
            "tree": submission.git.tree,
            "base": submission.git.base,
            "commits": [
                asdict(commit) | {"files_changed": list(commit.files_changed)}
                for commit in submission.git.commits
            ],
        }
    return {
        "source": submission.source,
        "kind": submission.kind,
        "tree_hash": submission.tree_hash,
        "file_count": submission.file_count,
        "total_bytes": submission.total_bytes,
        "git": git,
        "skipped": list(submission.skipped),
    }


def _adjustment(adjustment: Adjustment | None) -> dict[str, Any] | None:
    if adjustment is None:
        return None
    return {
        "percent": adjustment.percent,
        "band": str(adjustment.band),
        "reason": adjustment.reason,
        "reviewer": adjustment.reviewer,
    }


def _skill(skill: SkillScore) -> dict[str, Any]:
    return {
        "id": skill.id,
        "title": skill.title,
        "requirement": skill.requirement,
        "weight": skill.weight,
        "points": skill.points,
        "max_points": skill.max_points,
        "percent": skill.percent,
        "band": str(skill.band),
        "adjustment": _adjustment(skill.adjustment),
        "final_percent": skill.final_percent,
        "final_band": str(skill.final_band),
    }


def _human(rating: HumanRating) -> dict[str, Any]:
    return {
        "id": rating.id,
        "title": rating.title,
        "read": rating.read,
        "anchors": list(rating.anchors),
        "score": rating.score,
        "reason": rating.reason,
    }


def _run(prov: Provenance) -> dict[str, Any]:
    return {
        "runner": prov.runner,
        "seed": prov.seed,
        "only": list(prov.only),
        "started_at": prov.started_at,
        "finished_at": prov.finished_at,
        "timings": [{"phase": t.name, "seconds": t.seconds} for t in prov.timings],
        "images": [{"role": i.role, "tag": i.tag, "id": i.id} for i in prov.images],
        "machine": prov.machine,
        "rubric_sha256": prov.rubric_sha256,
        "hidden_suite_sha256": prov.hidden_suite_sha256,
    }


def results_document(outcome: GradeOutcome) -> dict[str, Any]:
    """Everything the grade found, as plain JSON data."""
    card, prov = outcome.card, outcome.provenance
    return {
        "schema_version": SCHEMA_VERSION,
        "grader": {"version": prov.grader_version},
        "status": str(card.status),
        "problems": list(card.problems),
        "total": {
            "percent": card.total_percent,
            "band": str(card.band),
            "pass_mark": card.pass_mark,
            "passed": card.passed,
            "automatic_percent": card.automatic_total_percent,
        },
        "submission": _submission(outcome.submission),
        "run": _run(prov),
        "skills": [_skill(s) for s in card.skills],
        "checks": [_check(c) for c in card.checks],
        "human": [_human(h) for h in card.human],
        "reviewer": card.reviewer,
    }


def render_json(outcome: GradeOutcome) -> str:
    """`results.json` text: stable key order, UTF-8, a trailing newline."""
    return json.dumps(results_document(outcome), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- the way back


def validate_document(document: Any, *, source: str = "the results document") -> dict[str, Any]:
    """The document itself when the schema accepts it; else a UsageError naming the first fault."""
    validator = Draft202012Validator(results_schema())
    error = next(iter(sorted(validator.iter_errors(document), key=lambda e: list(e.path))), None)
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "document"
        raise UsageError(
            f"{source} is not a valid results document: {where}: {error.message}", tip=TIP
        )
    valid: dict[str, Any] = document
    return valid


def _restored_check(data: dict[str, Any]) -> CheckResult:
    return CheckResult(
        id=data["id"],
        skill=data["skill"],
        title=data["title"],
        status=Status(data["status"]),
        points=data["points"],
        max_points=data["max_points"],
        message=data["message"],
        evidence=tuple(data["evidence"]),
        duration_s=data["duration_s"],
    )


def _restored_adjustment(data: dict[str, Any] | None) -> Adjustment | None:
    if data is None:
        return None
    return Adjustment(
        percent=data["percent"],
        band=Band(data["band"]),
        reason=data["reason"],
        reviewer=data["reviewer"],
    )


def _restored_skill(data: dict[str, Any], checks: tuple[CheckResult, ...]) -> SkillScore:
    return SkillScore(
        id=data["id"],
        title=data["title"],
        requirement=data["requirement"],
        weight=data["weight"],
        points=data["points"],
        max_points=data["max_points"],
        percent=data["percent"],
        band=Band(data["band"]),
        checks=tuple(check for check in checks if check.skill == data["id"]),
        adjustment=_restored_adjustment(data.get("adjustment")),
    )


def _restored_card(document: dict[str, Any]) -> ScoreCard:
    checks = tuple(_restored_check(check) for check in document["checks"])
    total = document["total"]
    return ScoreCard(
        status=Outcome(document["status"]),
        total_percent=total["percent"],
        band=Band(total["band"]),
        skills=tuple(_restored_skill(skill, checks) for skill in document["skills"]),
        problems=tuple(document["problems"]),
        pass_mark=total["pass_mark"],
        # Documents written before overrides existed had no separate automatic total.
        automatic_total_percent=total.get("automatic_percent", total["percent"]),
        human=tuple(
            HumanRating(
                id=h["id"],
                title=h["title"],
                read=h["read"],
                anchors=tuple(h["anchors"]),
                score=h["score"],
                reason=h["reason"],
            )
            for h in document.get("human", [])
        ),
        reviewer=document.get("reviewer"),
    )


def _restored_git(data: dict[str, Any] | None) -> GitInfo | None:
    if data is None:
        return None
    return GitInfo(
        ref=data["ref"],
        commit=data["commit"],
        tree=data["tree"],
        base=data["base"],
        commits=tuple(
            CommitInfo(
                sha=c["sha"],
                author_date=c["author_date"],
                subject=c["subject"],
                files_changed=tuple(c["files_changed"]),
                insertions=c.get("insertions", 0),
                deletions=c.get("deletions", 0),
            )
            for c in data["commits"]
        ),
    )


def _restored_submission(data: dict[str, Any]) -> Submission:
    return Submission(
        source=data["source"],
        kind=data["kind"],
        root=RESTORED_ROOT,
        tree_hash=data["tree_hash"],
        file_count=data["file_count"],
        total_bytes=data["total_bytes"],
        git=_restored_git(data["git"]),
        skipped=tuple(data.get("skipped", [])),
    )


def _restored_provenance(document: dict[str, Any]) -> Provenance:
    run = document["run"]
    return Provenance(
        grader_version=document["grader"]["version"],
        runner=run["runner"],
        seed=run["seed"],
        only=tuple(run["only"]),
        rubric_sha256=run["rubric_sha256"],
        hidden_suite_sha256=run["hidden_suite_sha256"],
        started_at=run["started_at"],
        finished_at=run["finished_at"],
        timings=tuple(PhaseTiming(name=t["phase"], seconds=t["seconds"]) for t in run["timings"]),
        images=tuple(ImageInfo(role=i["role"], tag=i["tag"], id=i["id"]) for i in run["images"]),
        machine=run["machine"],
    )


def outcome_from_document(document: Any, *, source: str = "the results document") -> GradeOutcome:
    """The outcome a (schema-valid) results document describes.

    The submission's snapshot no longer exists: the restored `root` is a placeholder.
    """
    valid = validate_document(document, source=source)
    return GradeOutcome(
        card=_restored_card(valid),
        submission=_restored_submission(valid["submission"]),
        provenance=_restored_provenance(valid),
    )


def read_outcome(path: Path) -> GradeOutcome:
    """The outcome saved in a results.json file; unreadable files are a UsageError with a Tip."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"Cannot read grading results from {path}: {exc}", tip=TIP) from exc
    return outcome_from_document(document, source=str(path))
