"""Side-by-side view of several `results.json` files: one column per submission."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from grader.errors import UsageError


def load_results(path: Path) -> dict[str, Any]:
    """Read one results document; anything unreadable is a usage error with a Tip."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(
            f"Cannot read grading results from {path}: {exc}",
            tip="Pass the results.json files written by `grader grade --format json`.",
        ) from exc
    if not isinstance(document, dict) or document.get("schema_version") != 1:
        raise UsageError(
            f"{path} is not a results.json of schema version 1.",
            tip="Regrade the submission with this grader version.",
        )
    return document


def _percent(value: Any) -> str:
    return "-" if value is None else f"{float(value):.0f}%"


def _passed_share(document: dict[str, Any]) -> str:
    checks = document.get("checks", [])
    return f"{sum(c.get('status') == 'passed' for c in checks)}/{len(checks)}"


def compare_table(documents: list[tuple[str, dict[str, Any]]]) -> Table:
    """Skills as rows, submissions as columns, the weighted total last."""
    table = Table(title="Side by side", title_justify="left")
    table.add_column("skill")
    for name, _ in documents:
        table.add_column(name, justify="right")
    skill_ids: list[str] = []
    titles: dict[str, str] = {}
    for _, document in documents:
        for skill in document.get("skills", []):
            if skill["id"] not in titles:
                skill_ids.append(skill["id"])
                titles[skill["id"]] = skill["title"]
    for skill_id in skill_ids:
        cells = []
        for _, document in documents:
            found = {s["id"]: s for s in document.get("skills", [])}.get(skill_id)
            percent = found.get("final_percent", found["percent"]) if found else None
            cells.append(_percent(percent) if found else "-")
        table.add_row(titles[skill_id], *cells)
    table.add_section()
    totals = [
        _percent(d["total"]["percent"]) + (" (error)" if d.get("status") == "error" else "")
        for _, d in documents
    ]
    table.add_row("Total (weighted)", *totals, style="bold")
    checks = [_passed_share(document) for _, document in documents]
    table.add_row("Checks passed", *checks)
    return table
