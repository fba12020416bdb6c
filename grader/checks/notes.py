"""Grade NOTES.md: every section of the exercise's template filled in the candidate's own words.

A section counts as filled when the candidate's text under the template's heading has at least
`MIN_OWN_WORDS` words outside the template's lines (its prompts and placeholders, HTML comments
included). Sections whose template heading says "(optional)" are shown but not counted. The
share is filled sections / counted sections. The text of each section goes into the evidence so
that a reviewer can score it with the human rubric.

The markdown helpers here (reading an untrusted file, headings, HTML comments) serve the review
stage as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from grader.checks.base import (
    CheckContext,
    StageOutcome,
    check_result,
    scored,
    text_evidence,
    wanted,
)
from grader.model import CheckResult, Status
from grader.rubric import Check

CHECK_IDS = ("collaboration.notes.filled",)

NOTES_FILE = "NOTES.md"
MIN_OWN_WORDS = 20
MAX_MARKDOWN_BYTES = 256 * 1024
SECTION_EVIDENCE_CHARS = 3000

_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_OPTIONAL = re.compile(r"\(\s*optional\s*\)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CandidateText:
    """A candidate's markdown file as text, with what went wrong while reading it."""

    text: str
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """A markdown section: its heading's title and level, and the text up to the next one."""

    title: str
    level: int
    body: str


def find_top_level_file(root: Path, name: str) -> Path | None:
    """The regular file `name` at the top of `root`, matched case-insensitively if need be."""
    exact = root / name
    if exact.is_file():
        return exact
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return None
    return next((p for p in entries if p.name.lower() == name.lower() and p.is_file()), None)


def read_candidate_markdown(path: Path, *, limit: int = MAX_MARKDOWN_BYTES) -> CandidateText:
    """Untrusted markdown as text: capped in size, invalid UTF-8 replaced, binary refused."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        return CandidateText("", (f"{path.name} could not be read ({exc.strerror or exc})",))
    if b"\0" in raw:
        return CandidateText("", (f"{path.name} is a binary file, not text",))
    problems = []
    if len(raw) > limit:
        raw = raw[:limit]
        problems.append(f"{path.name} is longer than {limit // 1024} KiB; the rest was not read")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        problems.append(f"{path.name} is not valid UTF-8; unreadable bytes were replaced")
    return CandidateText(text.replace("\r\n", "\n").replace("\r", "\n"), tuple(problems))


def strip_html_comments(text: str) -> str:
    """The text without `<!-- ... -->` blocks; their line breaks are kept."""
    return _HTML_COMMENT.sub(lambda match: "\n" * match.group(0).count("\n"), text)


def heading_of(line: str) -> tuple[int, str] | None:
    """(level, title) when the line is a markdown heading."""
    match = _HEADING.match(line)
    if match is None or not match.group(2):
        return None
    return len(match.group(1)), match.group(2)


def split_sections(text: str) -> list[Section]:
    """Every heading of the text (outside code fences) with the text up to the next heading."""
    sections: list[Section] = []
    title, level, body = "", 0, []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else heading_of(line)
        if heading is None:
            body.append(line)
            continue
        if level:
            sections.append(Section(title, level, "\n".join(body).strip()))
        (level, title), body = heading, []
    if level:
        sections.append(Section(title, level, "\n".join(body).strip()))
    return sections


def words(text: str) -> list[str]:
    """The words of a text (letters and digits, apostrophes inside a word kept)."""
    return _WORD.findall(text)


def normalized_line(line: str) -> str:
    """A line compared loosely: lower case, list markers and extra spaces removed."""
    return " ".join(words(line.lower()))


def _title_key(title: str) -> str:
    return normalized_line(_OPTIONAL.sub("", title))


def _section_text(sections: list[Section], index: int) -> str:
    """A section's text including its sub-sections (headings deeper than its own)."""
    parts = [sections[index].body]
    for section in sections[index + 1 :]:
        if section.level <= sections[index].level:
            break
        parts.append(f"{'#' * section.level} {section.title}\n{section.body}")
    return "\n".join(part for part in parts if part).strip()


def own_word_count(text: str, template_lines: frozenset[str]) -> int:
    """Words of the text outside lines that repeat the template."""
    return sum(
        len(words(line)) for line in text.split("\n") if normalized_line(line) not in template_lines
    )


@dataclass(frozen=True, slots=True)
class SectionVerdict:
    """One template section as the candidate filled it."""

    title: str
    optional: bool
    present: bool
    own_words: int
    text: str

    @property
    def filled(self) -> bool:
        """Whether the section holds enough of the candidate's own words."""
        return self.present and self.own_words >= MIN_OWN_WORDS


def judge_notes(template: str, candidate: str) -> list[SectionVerdict]:
    """Each section of the template (its level-2 headings), as found in the candidate's notes."""
    template_lines = frozenset(
        normalized_line(line) for line in template.split("\n") if normalized_line(line)
    )
    template_sections = [s for s in split_sections(strip_html_comments(template)) if s.level == 2]
    found = split_sections(strip_html_comments(candidate))
    by_key = {_title_key(s.title): i for i, s in reversed(list(enumerate(found)))}
    verdicts = []
    for wanted_section in template_sections:
        index = by_key.get(_title_key(wanted_section.title))
        text = "" if index is None else _section_text(found, index)
        verdicts.append(
            SectionVerdict(
                title=_OPTIONAL.sub("", wanted_section.title).strip(),
                optional=bool(_OPTIONAL.search(wanted_section.title)),
                present=index is not None,
                own_words=own_word_count(text, template_lines),
                text=text,
            )
        )
    return verdicts


def _describe(verdict: SectionVerdict) -> str:
    if not verdict.present:
        return f"{verdict.title} (missing)"
    return f"{verdict.title} ({verdict.own_words} words of your own, {MIN_OWN_WORDS} needed)"


def notes_result(
    check: Check, verdicts: list[SectionVerdict], problems: tuple[str, ...]
) -> CheckResult:
    """The check's result from the section verdicts."""
    counted = [v for v in verdicts if not v.optional]
    filled = [v for v in counted if v.filled]
    share = len(filled) / len(counted) if counted else 0.0
    message = f"{len(filled)} of {len(counted)} sections of NOTES.md filled in."
    unfilled = [_describe(v) for v in counted if not v.filled]
    if unfilled:
        message += " Not yet: " + "; ".join(unfilled) + "."
    if problems:
        message += " " + "; ".join(problems) + "."
    evidence = [
        text_evidence(
            f"NOTES.md: {v.title}" + (" (optional)" if v.optional else ""),
            v.text if v.present else "(section missing)",
            limit=SECTION_EVIDENCE_CHARS,
        )
        for v in verdicts
    ]
    return scored(check, share, message=message, evidence=evidence)


def run(context: CheckContext) -> StageOutcome:
    """Judge the candidate's NOTES.md against the exercise's template."""
    checks = wanted(context, "notes")
    if not checks:
        return StageOutcome()
    template_path = context.exercise / NOTES_FILE
    try:
        template = template_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        message = "NOTES.md could not be assessed because of a problem in the grader."
        return StageOutcome(
            checks=tuple(check_result(c, Status.ERROR, message=message) for c in checks),
            problems=(f"cannot read the NOTES.md template at {template_path}: {exc}",),
        )
    path = find_top_level_file(context.submission.root, NOTES_FILE)
    if path is None:
        message = "No NOTES.md at the top of the submission: the notes were not written."
        return StageOutcome(checks=tuple(scored(c, 0.0, message=message) for c in checks))
    notes = read_candidate_markdown(path)
    verdicts = judge_notes(template, notes.text)
    return StageOutcome(checks=tuple(notes_result(c, verdicts, notes.problems) for c in checks))
