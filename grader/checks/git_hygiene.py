"""Grade the commits of a git submission: their number and size, their subjects, no generated files.

The commits judged are those since the base (the exercise's initial commit) up to the graded
commit. Without git history every check is skipped (and not counted). Curves:

- history: no commit 0; one commit 0.25; from two commits on,
  0.5 * min(commits, 4) / 4 + 0.5 * spread, where spread is 1 while the largest commit holds at
  most half of the changed lines (insertions + deletions) and falls linearly to 0 when it holds
  all of them. Four or more commits with no commit above half the change earn 1.
- messages: the share of commits whose subject passes `subject_problems`.
- no_generated: all or nothing; no commit may touch a generated or environment file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from grader.checks.base import (
    CheckContext,
    StageOutcome,
    check_result,
    scored,
    text_evidence,
    wanted,
)
from grader.checks.static_repo import JUNK_DIRS, junk_file_category
from grader.model import CheckResult, Status
from grader.rubric import Check
from grader.submission import CommitInfo, GitInfo

CHECK_IDS = (
    "collaboration.git.history",
    "collaboration.git.messages",
    "collaboration.git.no_generated",
)

NOT_GIT = "Not a git submission: git hygiene was not assessed."
ONE_COMMIT_SHARE = 0.25
GOOD_COMMIT_COUNT = 4
LARGEST_SHARE_GOOD = 0.5
MAX_SUBJECT_CHARS = 72
MAX_LISTED = 30

BARE_SUBJECTS = frozenset(
    {"wip", "fix", "fixes", "fixed", "update", "updates", "updated", "change", "changes",
     "stuff", "misc", "tmp", "temp", "test", "tests", "commit", "save", "done", "final"}
)  # fmt: skip
THIRD_PERSON = frozenset(
    {"adds", "fixes", "updates", "removes", "changes", "implements", "makes", "uses", "moves",
     "renames", "refactors", "improves", "handles", "creates", "deletes", "introduces",
     "replaces", "cleans", "extracts", "validates", "returns", "supports", "ensures"}
)  # fmt: skip
# Imperative verbs that happen to end in "ed" or "ing".
IMPERATIVE_EXCEPTIONS = frozenset(
    {"embed", "feed", "seed", "need", "speed", "shed", "bring", "ping", "string", "ring", "bed",
     "proceed", "exceed", "succeed", "shred", "wed", "breed", "spring", "sing", "swing", "sting"}
)  # fmt: skip

_CONVENTIONAL_PREFIX = re.compile(r"^[a-z]+(?:\([^)]*\))?!?:\s*", re.IGNORECASE)
_WIP = re.compile(r"^\W*(?:wip|work in progress)\b", re.IGNORECASE)
_FIRST_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def changed_lines(commit: CommitInfo) -> int:
    """Insertions plus deletions of a commit."""
    return commit.insertions + commit.deletions


def history_share(commits: Sequence[CommitInfo]) -> float:
    """The history curve (see the module docstring)."""
    if not commits:
        return 0.0
    if len(commits) == 1:
        return ONE_COMMIT_SHARE
    count_part = min(len(commits), GOOD_COMMIT_COUNT) / GOOD_COMMIT_COUNT
    total = sum(changed_lines(c) for c in commits)
    largest = max(changed_lines(c) for c in commits) / total if total else 1.0
    spread = min(1.0, (1.0 - largest) / (1.0 - LARGEST_SHARE_GOOD))
    return 0.5 * count_part + 0.5 * spread


def subject_problems(subject: str) -> list[str]:
    """Why a commit subject is weak; empty when it is fine."""
    subject = subject.strip()
    if not subject:
        return ["empty subject"]
    problems = []
    if len(subject) > MAX_SUBJECT_CHARS:
        problems.append(f"longer than {MAX_SUBJECT_CHARS} characters")
    if _WIP.match(subject):
        return [*problems, "marked work in progress"]
    described = _CONVENTIONAL_PREFIX.sub("", subject)
    if " ".join(re.findall(r"[a-z]+", described.lower())) in BARE_SUBJECTS | {""}:
        return [*problems, "says nothing about the change"]
    first = _FIRST_WORD.match(described)
    if first is None:
        problems.append("does not start with a verb")
    elif not looks_imperative(first.group(0)):
        problems.append(f"not imperative ({first.group(0)!r})")
    if subject.endswith(".") and not subject.endswith("..."):
        problems.append("ends with a period")
    return problems


def looks_imperative(word: str) -> bool:
    """A heuristic: no past tense, gerund or third person ("Added", "Adding", "Adds")."""
    verb = word.lower()
    if verb in IMPERATIVE_EXCEPTIONS:
        return True
    return not verb.endswith(("ed", "ing")) and verb not in THIRD_PERSON


def generated_files(commit: CommitInfo) -> list[str]:
    """The generated or environment files a commit touches."""
    return [path for path in commit.files_changed if is_generated(path)]


def is_generated(path: str) -> bool:
    """Whether a path is a cache, build output, database, coverage file or virtualenv.

    The families are those of the clean-tree check (static_repo), judged by name only.
    """
    *folders, name = PurePosixPath(path).parts or ("",)
    if any(folder in JUNK_DIRS or folder.endswith(".egg-info") for folder in folders):
        return True
    return junk_file_category(name) is not None


def capped_listing(lines: Sequence[str]) -> str:
    """Up to MAX_LISTED lines, with a count of the rest."""
    more = f"\n... and {len(lines) - MAX_LISTED} more" if len(lines) > MAX_LISTED else ""
    return "\n".join(lines[:MAX_LISTED]) + more


def _base_note(git: GitInfo) -> str:
    if git.base is None:
        return (
            " The exercise's initial commit is unknown, so every commit of the history was judged."
        )
    return ""


def _short(commit: CommitInfo) -> str:
    return f"{commit.sha[:10]} {commit.subject[:80]}"


def history_result(check: Check, git: GitInfo) -> CheckResult:
    """Number of commits and the weight of the largest one."""
    commits = git.commits
    total = sum(changed_lines(c) for c in commits)
    if not commits:
        message = "No commits since the exercise's initial commit."
    else:
        largest = max(commits, key=changed_lines)
        share = changed_lines(largest) / total if total else 1.0
        message = (
            f"{len(commits)} commit(s) changing {total} line(s); the largest holds {share:.0%} "
            "of the change."
        )
        if len(commits) == 1:
            message = "One giant commit: " + message
    listing = "\n".join(
        f"{_short(c)}  (+{c.insertions} -{c.deletions}, {len(c.files_changed)} file(s))"
        for c in commits
    )
    evidence = [text_evidence("Commits since the base", listing or "(none)")]
    return scored(
        check, history_share(commits), message=message + _base_note(git), evidence=evidence
    )


def messages_result(check: Check, git: GitInfo) -> CheckResult:
    """Share of commits with a clear, imperative subject."""
    commits = git.commits
    if not commits:
        return scored(
            check, 0.0, message="No commits since the exercise's initial commit." + _base_note(git)
        )
    weak = [(c, subject_problems(c.subject)) for c in commits]
    weak = [(c, problems) for c, problems in weak if problems]
    share = 1.0 - len(weak) / len(commits)
    message = (
        f"{len(commits) - len(weak)} of {len(commits)} commit subjects are clear and imperative."
    )
    listing = capped_listing([f"{_short(c)}: {', '.join(p)}" for c, p in weak])
    evidence = [text_evidence("Weak commit subjects", listing)] if weak else []
    return scored(check, share, message=message + _base_note(git), evidence=evidence)


def no_generated_result(check: Check, git: GitInfo) -> CheckResult:
    """Whether any commit touches generated or environment files."""
    offending = [(c, generated_files(c)) for c in git.commits]
    offending = [(c, files) for c, files in offending if files]
    if not offending:
        return scored(check, 1.0, message="No commit touches generated or environment files.")
    evidence: list[dict[str, Any]] = [
        text_evidence(f"Commit {c.sha[:10]}: generated files", capped_listing(files))
        for c, files in offending[:MAX_LISTED]
    ]
    count = sum(len(files) for _, files in offending)
    message = (
        f"{len(offending)} commit(s) touch {count} generated or environment file(s) "
        "(caches, databases, coverage output, virtualenvs)."
    )
    return scored(check, 0.0, message=message + _base_note(git), evidence=evidence)


_JUDGES = {
    "collaboration.git.history": history_result,
    "collaboration.git.messages": messages_result,
    "collaboration.git.no_generated": no_generated_result,
}


def run(context: CheckContext) -> StageOutcome:
    """Judge the submission's commits; skip every check without git history."""
    checks = wanted(context, "git")
    git = context.submission.git
    if git is None:
        return StageOutcome(
            checks=tuple(check_result(c, Status.SKIPPED, message=NOT_GIT) for c in checks)
        )
    return StageOutcome(checks=tuple(_JUDGES[c.id](c, git) for c in checks))
