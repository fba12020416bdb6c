"""The canonical results document (`results.json`), versioned and described by a JSON Schema."""

from __future__ import annotations

import json
from dataclasses import asdict
from importlib import resources
from typing import Any

from grader.model import CheckResult
from grader.pipeline import GradeOutcome
from grader.submission import Submission

SCHEMA_VERSION = 1


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
        },
        "submission": _submission(outcome.submission),
        "run": {
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
        },
        "skills": [
            {
                "id": s.id,
                "title": s.title,
                "requirement": s.requirement,
                "weight": s.weight,
                "points": s.points,
                "max_points": s.max_points,
                "percent": s.percent,
                "band": str(s.band),
            }
            for s in card.skills
        ],
        "checks": [_check(c) for c in card.checks],
    }


def render_json(outcome: GradeOutcome) -> str:
    """`results.json` text: stable key order, UTF-8, a trailing newline."""
    return json.dumps(results_document(outcome), indent=2, ensure_ascii=False) + "\n"
