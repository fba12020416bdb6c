"""Grade the candidate's code review (REVIEW.md) against the defects planted in the pull request.

Parsing is lenient: a comment starts at a heading, a top-level list item, or a line of its own
that begins with a location (`app/routes/statements.py:27`, `statements.py:L27-L29`,
`file.py line 27`, `Line 27 of file.py`, with or without backticks and bold) and may carry tags
in brackets: a severity (`blocker`, `major`, `minor`, `nit`) and optionally a category
(`security`, `correctness`, ...). Text in the comments section that belongs to no location is
reported as unparsed.

A comment has real text when at least `MIN_OWN_WORDS` of its words are outside lines copied
from the diff, at most `COPIED_SHARE` of its lines are diff lines, and its text is not the same
(digits aside) as `BOILERPLATE_REPEATS` or more other comments. Only such comments can match.

A comment matches a planted defect when its file matches (the same path, or one is a path
suffix of the other, so a bare file name is enough), its line range comes within
`LINE_TOLERANCE` lines of the defect's range or of one of its `also` places, its range spans at
most `MAX_SPAN` lines, and it names the defect's category or contains one of its keywords.
Each comment counts for one defect and each defect once: heavier defects are assigned first,
and an augmenting path moves a comment to another defect it also matches when that frees it
(a maximum-weight assignment).

Scores:
- recall = (sum of the weights of the defects found) / (sum of all weights), with
  `SEVERITY_WEIGHTS` blocker 3, major 2, minor 1;
- focus = 1 while the comments that match no defect are at most max(5, matched comments), then
  falls linearly to 0 at four times that allowance; 0 for a review without comments.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grader.checks.base import (
    CheckContext,
    StageOutcome,
    check_result,
    scored,
    text_evidence,
    wanted,
)
from grader.checks.notes import (
    find_top_level_file,
    heading_of,
    read_candidate_markdown,
    strip_html_comments,
    words,
)
from grader.errors import RubricError
from grader.model import CheckResult, Status
from grader.paths import HIDDEN_TESTS_DIR
from grader.rubric import Check

CHECK_IDS = ("collaboration.review.recall", "collaboration.review.focus")

KEY_PATH = HIDDEN_TESTS_DIR / "review_key.toml"
REVIEW_FILE = "REVIEW.md"
TEMPLATE_PATH = "path/to/file.py"

SEVERITY_WEIGHTS = {"blocker": 3.0, "major": 2.0, "minor": 1.0}
LINE_TOLERANCE = 2
MAX_SPAN = 15
MIN_OWN_WORDS = 2
COPIED_SHARE = 0.6
BOILERPLATE_REPEATS = 3
FOCUS_ALLOWANCE = 5
FOCUS_ZERO_FACTOR = 4
COMMENT_EVIDENCE_CHARS = 600
MAX_HEADER_CHARS = 300
LIST_LEVEL = 7  # below every markdown heading level

Category = Literal["security", "correctness", "performance", "error_handling", "naming", "testing"]

_SEVERITY_ALIASES = {
    "blocker": "blocker",
    "blocking": "blocker",
    "critical": "blocker",
    "major": "major",
    "minor": "minor",
    "nit": "nit",
    "nitpick": "nit",
}
_CATEGORY_ALIASES = {
    "security": "security",
    "sec": "security",
    "correctness": "correctness",
    "bug": "correctness",
    "logic": "correctness",
    "performance": "performance",
    "perf": "performance",
    "scalability": "performance",
    "error_handling": "error_handling",
    "errors": "error_handling",
    "reliability": "error_handling",
    "naming": "naming",
    "readability": "naming",
    "testing": "testing",
    "tests": "testing",
    "test": "testing",
}

# --------------------------------------------------------------------------- the key


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Place(_Strict):
    """A line range of one file, in new-file line numbers."""

    file: str = Field(min_length=1)
    line_start: int = Field(ge=1)
    line_end: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Place:
        if self.line_end < self.line_start:
            raise ValueError(f"line_end {self.line_end} is before line_start {self.line_start}")
        return self


class Defect(Place):
    """A defect planted in the pull request, where it is and how a comment on it reads."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    anchor: str = Field(min_length=1)
    category: Category
    severity: Literal["blocker", "major", "minor"]
    keywords: tuple[str, ...] = Field(min_length=1)
    what_a_good_comment_says: str = Field(min_length=1)
    also: tuple[Place, ...] = ()

    @property
    def places(self) -> tuple[Place, ...]:
        """The main place first, then the equally valid ones."""
        return (self, *self.also)

    @property
    def weight(self) -> float:
        """The defect's weight in the recall."""
        return SEVERITY_WEIGHTS[self.severity]


class ReviewKey(_Strict):
    """The grader-only key of the review task."""

    schema_version: Literal[1]
    diff: str
    line_numbers: Literal["new"]
    defects: tuple[Defect, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> ReviewKey:
        repeated = sorted(i for i, n in Counter(d.id for d in self.defects).items() if n > 1)
        if repeated:
            raise ValueError(f"defect ids appear twice: {repeated}")
        return self


def load_review_key(path: Path) -> ReviewKey:
    """Read and validate the review key; every problem is one RubricError with a Tip."""
    tip = "Fix hidden_tests/review_key.toml; each [[defects]] entry needs id, file, line_start, "
    tip += "line_end, anchor, category, severity, keywords and what_a_good_comment_says."
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RubricError(f"Cannot read the review key at {path}: {exc}", tip=tip) from exc
    try:
        return ReviewKey.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'key'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise RubricError(f"The review key at {path} is inconsistent: {problems}", tip=tip) from exc


# --------------------------------------------------------------------------- the diff

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def new_side_lines(diff: str) -> dict[str, dict[int, str]]:
    """For each file of a unified diff, its new-side lines by line number."""
    files: dict[str, dict[int, str]] = {}
    current: dict[int, str] | None = None
    in_hunk = False
    number = 0
    for raw in diff.splitlines():
        hunk = _HUNK.match(raw)
        if raw.startswith("diff --git"):
            current, in_hunk = None, False
        elif hunk:
            number, in_hunk = int(hunk.group(1)), True
        elif not in_hunk and raw.startswith("+++ "):
            path = raw[4:].strip().removeprefix("b/")
            current = None if path == "/dev/null" else files.setdefault(path, {})
        elif in_hunk and current is not None and raw[:1] in ("+", " ", ""):
            current[number] = raw[1:]
            number += 1
    return files


def anchor_problems(key: ReviewKey, diff: str) -> list[str]:
    """Where the key disagrees with the diff: unknown files, out-of-range lines, lost anchors."""
    files = new_side_lines(diff)
    problems = []
    for defect in key.defects:
        for place in defect.places:
            lines = files.get(place.file)
            if lines is None:
                problems.append(f"{defect.id}: {place.file} is not in the diff")
            elif place.line_end not in lines:
                problems.append(f"{defect.id}: {place.file} has no new line {place.line_end}")
        found = files.get(defect.file, {})
        window = "\n".join(found.get(n, "") for n in range(defect.line_start, defect.line_end + 1))
        if defect.file in files and defect.anchor not in window:
            problems.append(
                f"{defect.id}: anchor {defect.anchor!r} is not within "
                f"{defect.file}:{defect.line_start}-{defect.line_end}"
            )
    return problems


def diff_line_texts(diff: str) -> frozenset[str]:
    """Every line of the diff, stripped, with and without its +/-/space prefix."""
    texts = set()
    for raw in diff.splitlines():
        texts.add(raw.strip())
        texts.add(raw[1:].strip())
    texts.discard("")
    return frozenset(texts)


# --------------------------------------------------------------------------- parsing REVIEW.md

_FENCE = re.compile(r"^\s*(```|~~~)")
_BULLET = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_COMMENTS_TITLE = re.compile(r"^(?:review\s+)?(?:comments|findings|issues|remarks)\b", re.I)
_PATH = r"(?P<path>[\w./\\-]*\w\.[A-Za-z]{1,8})"
_LINE_WORD = r"(?:(?:lines?|l)\.?\s*)?"
_RANGE = (
    rf"{_LINE_WORD}(?P<start>\d{{1,6}})"
    rf"(?:\s*(?:-|\u2013|\u2014|\.\.|to)\s*{_LINE_WORD}(?P<end>\d{{1,6}}))?"
)
_PATH_FIRST = re.compile(rf"^{_PATH}\s*(?:[:#@,(]\s*)?{_RANGE}(?!\d)\)?", re.I)
_LINE_FIRST = re.compile(rf"^{_RANGE}\s*(?:of|in|@|,|:)?\s*{_PATH}\b", re.I)
_PATH_ONLY = re.compile(rf"^{_PATH}\b")
_TAG_GROUP = re.compile(r"^[\s:|,\u2013\u2014-]*[\[(]([^\[\]()]{1,80})[\])]")
_BARE_SEVERITY = re.compile(
    r"^[\s:|,\u2013\u2014-]*(blocker|blocking|critical|major|minor|nitpick|nit)\b", re.I
)
_LEADING_PUNCTUATION = re.compile(r"^[\s:|,.\u2013\u2014-]+")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class ReviewComment:
    """One comment of the candidate's review: where it points, its tags, its text.

    `level` is the level of the heading that started it (deeper headings stay in its text);
    `LIST_LEVEL` for a list item or a line of its own.
    """

    path: str
    start: int
    end: int
    severity: str
    category: str
    text: str
    level: int = LIST_LEVEL

    @property
    def location(self) -> str:
        """`path:start-end [severity]` as the candidate wrote it."""
        lines = f"{self.start}" if self.start == self.end else f"{self.start}-{self.end}"
        tags = ", ".join(t for t in (self.severity, self.category) if t)
        return f"{self.path}:{lines}" + (f" [{tags}]" if tags else "")

    def describe(self) -> str:
        """The comment as shown to a reviewer, truncated."""
        text = f"{self.location}\n{self.text}".strip()
        if len(text) > COMMENT_EVIDENCE_CHARS:
            text = text[:COMMENT_EVIDENCE_CHARS] + " [...]"
        return text


@dataclass(frozen=True, slots=True)
class ParsedReview:
    """What the parser made of REVIEW.md."""

    comments: tuple[ReviewComment, ...]
    unparsed: tuple[str, ...]


def _tags(remainder: str) -> tuple[str, str, str]:
    """(severity, category, the rest) from the text after a location."""
    severity = category = ""
    while group := _TAG_GROUP.match(remainder):
        content = re.sub(r"error[\s_-]*handling", "error_handling", group.group(1).lower())
        tokens = [t for t in re.split(r"[\s,/|;:]+", content) if t]
        known = [t for t in tokens if t in _SEVERITY_ALIASES or t in _CATEGORY_ALIASES]
        if not known:
            break
        severity = next((_SEVERITY_ALIASES[t] for t in known if t in _SEVERITY_ALIASES), severity)
        category = next((_CATEGORY_ALIASES[t] for t in known if t in _CATEGORY_ALIASES), category)
        remainder = remainder[group.end() :]
    bare = _BARE_SEVERITY.match(remainder)
    if bare and not severity:
        severity = _SEVERITY_ALIASES[bare.group(1).lower()]
        remainder = remainder[bare.end() :]
    return severity, category, _LEADING_PUNCTUATION.sub("", remainder).strip()


def parse_location(header: str, level: int = LIST_LEVEL) -> ReviewComment | None:
    """A comment started by this header text, when it begins with a location."""
    cleaned = header.replace("`", "").replace("*", "").strip()[:MAX_HEADER_CHARS]
    match = _PATH_FIRST.match(cleaned) or _LINE_FIRST.match(cleaned)
    if match is None:
        return None
    start = int(match.group("start"))
    end = int(match.group("end") or start)
    severity, category, rest = _tags(cleaned[match.end() :])
    path = match.group("path").replace("\\", "/")
    return ReviewComment(path, min(start, end), max(start, end), severity, category, rest, level)


def _is_comments_heading(title: str) -> bool:
    return bool(_COMMENTS_TITLE.match(title.replace("*", "").strip()))


@dataclass
class _Parser:
    """Line-by-line state of the lenient REVIEW.md parser."""

    comments: list[ReviewComment] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)
    in_comments: bool = False
    in_fence: bool = False
    current: ReviewComment | None = None
    body: list[str] | None = None
    stray: list[str] | None = None

    def feed(self, line: str) -> None:
        """Take one line of the review."""
        if _FENCE.match(line):
            self.in_fence = not self.in_fence
            self._append(line)
            return
        if self.in_fence:
            self._append(line)
            return
        heading = heading_of(line)
        if heading is not None:
            self._heading(*heading)
            return
        bullet = _BULLET.match(line)
        comment = parse_location(bullet.group(1)) if bullet else parse_location(line)
        if comment is not None and (bullet or not comment.text):
            self._start(comment)
        else:
            self._append(line)

    def _heading(self, level: int, title: str) -> None:
        comment = parse_location(title, level)
        if comment is not None:
            self._start(comment)
        elif self.current is not None and level > self.current.level:
            self._append(f"{'#' * level} {title}")
        elif level <= 2:
            self._close()
            self.in_comments = _is_comments_heading(title)
        else:
            self._close()
            if self.in_comments:
                reason = "no line number" if _PATH_ONLY.match(title) else "no file:line location"
                self.stray = [f"[{reason}] {'#' * level} {title}"]

    def _start(self, comment: ReviewComment) -> None:
        self._close()
        self.current, self.body = comment, [comment.text] if comment.text else []

    def _append(self, line: str) -> None:
        if self.body is not None:
            self.body.append(line)
        elif self.stray is not None:
            self.stray.append(line)
        elif self.in_comments and line.strip() and set(line.strip()) - set("-*_="):
            self.stray = ["[text outside any file:line comment]", line]

    def _close(self) -> None:
        if self.current is not None and self.body is not None:
            text = "\n".join(self.body).strip()
            if self.current.path != TEMPLATE_PATH or text:
                self.comments.append(replace(self.current, text=text))
        if self.stray is not None:
            self.unparsed.append("\n".join(self.stray).strip())
        self.current = self.body = self.stray = None

    def finish(self) -> ParsedReview:
        """The comments and unparsed chunks found."""
        self._close()
        return ParsedReview(tuple(self.comments), tuple(self.unparsed))


def parse_review(text: str) -> ParsedReview:
    """The comments of a REVIEW.md, leniently; what could not be read is kept as chunks."""
    parser = _Parser()
    for line in strip_html_comments(text).split("\n"):
        parser.feed(line)
    return parser.finish()


# --------------------------------------------------------------------------- judging comments


@dataclass(frozen=True, slots=True)
class JudgedComment:
    """A comment with its own words (diff lines removed) and why it does not count, if so."""

    comment: ReviewComment
    own_text: str
    flaw: str = ""


def _own_lines(text: str, diff_texts: frozenset[str]) -> tuple[list[str], int]:
    """The comment's lines that are not copied from the diff, and how many lines were."""
    own: list[str] = []
    copied = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or _FENCE.match(stripped):
            continue
        bare = stripped.lstrip("+->").strip().strip("`").strip()
        if stripped in diff_texts or bare in diff_texts:
            copied += 1
        else:
            own.append(stripped)
    return own, copied


def judge_comments(
    comments: Sequence[ReviewComment], diff_texts: frozenset[str]
) -> list[JudgedComment]:
    """Each comment with its own text and, when it has no real text, the reason."""
    judged = []
    for comment in comments:
        own, copied = _own_lines(comment.text, diff_texts)
        own_text = "\n".join(own)
        flaw = ""
        if copied and copied / (copied + len(own)) > COPIED_SHARE:
            flaw = "copied from the diff"
        elif len(words(own_text)) < MIN_OWN_WORDS:
            flaw = "no explanation"
        judged.append(JudgedComment(comment, own_text, flaw))
    shapes = Counter(_shape(j.own_text) for j in judged if not j.flaw)
    return [
        replace(j, flaw="same text as many other comments")
        if not j.flaw and shapes[_shape(j.own_text)] >= BOILERPLATE_REPEATS
        else j
        for j in judged
    ]


def _shape(text: str) -> str:
    return " ".join(_DIGITS.sub("#", text.lower()).split())


# --------------------------------------------------------------------------- matching


def same_file(written: str, actual: str) -> bool:
    """Whether a path written by the candidate names the diff's file (a path suffix will do)."""
    written = written.strip().removeprefix("./").lstrip("/")
    written = written.removeprefix("a/").removeprefix("b/")
    if not written:
        return False
    return written == actual or actual.endswith("/" + written) or written.endswith("/" + actual)


def place_distance(comment: ReviewComment, place: Place) -> int | None:
    """Lines between a comment and a place, or None when out of reach."""
    if comment.end - comment.start + 1 > MAX_SPAN or not same_file(comment.path, place.file):
        return None
    gap = max(place.line_start - comment.end, comment.start - place.line_end, 0)
    return gap if gap <= LINE_TOLERANCE else None


def _closeness(comment: ReviewComment, defect: Defect) -> tuple[int, int] | None:
    """(which place, how far): smaller is closer; None when the comment is elsewhere."""
    reach = [
        (rank, distance)
        for rank, place in enumerate(defect.places)
        if (distance := place_distance(comment, place)) is not None
    ]
    return min(reach) if reach else None


def _names_defect(judged: JudgedComment, defect: Defect) -> int:
    """How many signs tie the comment to the defect: its category and keywords."""
    text = judged.own_text.lower()
    hits = sum(1 for keyword in defect.keywords if keyword in text)
    return hits + (judged.comment.category == defect.category)


def candidates(judged: Sequence[JudgedComment], defect: Defect) -> list[int]:
    """Indexes of the comments that match a defect, best first."""
    ranked = []
    for index, item in enumerate(judged):
        closeness = _closeness(item.comment, defect)
        signs = _names_defect(item, defect)
        if item.flaw or closeness is None or not signs:
            continue
        ranked.append((closeness, -signs, index))
    return [index for *_, index in sorted(ranked)]


def assign(defects: Sequence[Defect], options: dict[str, list[int]]) -> dict[str, int]:
    """Defect id -> comment index: heaviest defects first, each comment used once."""
    owner: dict[int, str] = {}

    def place(defect_id: str, seen: set[int]) -> bool:
        for index in options[defect_id]:
            if index in seen:
                continue
            seen.add(index)
            if index not in owner or place(owner[index], seen):
                owner[index] = defect_id
                return True
        return False

    for defect in sorted(defects, key=lambda d: -d.weight):
        place(defect.id, set())
    return {defect_id: index for index, defect_id in owner.items()}


@dataclass(frozen=True, slots=True)
class ReviewGrade:
    """The review matched against the key."""

    key: ReviewKey
    judged: tuple[JudgedComment, ...]
    unparsed: tuple[str, ...]
    assigned: dict[str, int]

    @property
    def recall(self) -> float:
        """Severity-weighted share of the planted defects found."""
        total = sum(d.weight for d in self.key.defects)
        found = sum(d.weight for d in self.key.defects if d.id in self.assigned)
        return found / total

    @property
    def unmatched(self) -> list[JudgedComment]:
        """Comments that match no defect."""
        used = set(self.assigned.values())
        return [j for i, j in enumerate(self.judged) if i not in used]

    @property
    def focus(self) -> float:
        """1 up to the allowance of unmatched comments, then linearly down to 0 at 4x."""
        if not self.judged:
            return 0.0
        allowance = max(FOCUS_ALLOWANCE, len(self.assigned))
        excess = len(self.unmatched) - allowance
        return max(0.0, 1.0 - excess / ((FOCUS_ZERO_FACTOR - 1) * allowance)) if excess > 0 else 1.0


def grade_review(key: ReviewKey, diff: str, parsed: ParsedReview) -> ReviewGrade:
    """Match the parsed review against the key."""
    judged = tuple(judge_comments(parsed.comments, diff_line_texts(diff)))
    options = {defect.id: candidates(judged, defect) for defect in key.defects}
    return ReviewGrade(key, judged, parsed.unparsed, assign(key.defects, options))


# --------------------------------------------------------------------------- results


def _match_evidence(grade: ReviewGrade, defect: Defect) -> dict[str, Any]:
    """The defect beside the candidate's comments on it (or near it, when not found)."""
    used = set(grade.assigned.values())
    chosen = grade.assigned.get(defect.id)
    if chosen is not None:
        extra = [i for i in candidates(grade.judged, defect) if i not in used]
        shown = [chosen, *extra]
    else:
        shown = [
            i
            for i, j in enumerate(grade.judged)
            if i not in used and _closeness(j.comment, defect) is not None
        ]
    return {
        "kind": "review_match",
        "defect": defect.id,
        "file": defect.file,
        "lines": [defect.line_start, defect.line_end],
        "category": defect.category,
        "severity": defect.severity,
        "found": chosen is not None,
        "comments": [grade.judged[i].comment.describe() for i in shown],
        "what_a_good_comment_says": " ".join(defect.what_a_good_comment_says.split()),
    }


def _listing(items: Iterable[str]) -> str:
    return "\n\n".join(items) or "(none)"


def _unmatched_evidence(grade: ReviewGrade) -> dict[str, Any]:
    lines = [(f"({j.flaw}) " if j.flaw else "") + j.comment.describe() for j in grade.unmatched]
    return text_evidence("Review comments matching no planted defect", _listing(lines))


def _unparsed_evidence(grade: ReviewGrade) -> dict[str, Any]:
    return text_evidence(
        "REVIEW.md text that could not be read as comments", _listing(grade.unparsed)
    )


def _flaw_note(grade: ReviewGrade) -> str:
    flaws = Counter(j.flaw for j in grade.judged if j.flaw)
    notes = [f"{n} comment(s) {flaw}" for flaw, n in sorted(flaws.items())]
    if grade.unparsed:
        notes.append(
            f"{len(grade.unparsed)} part(s) of the comments could not be read as "
            "`path:line [severity]` comments"
        )
    return (" Not counted: " + "; ".join(notes) + ".") if notes else ""


def recall_result(check: Check, grade: ReviewGrade, problems: Sequence[str]) -> CheckResult:
    """How many planted defects the review found, weighted by severity."""
    found = len(grade.assigned)
    message = (
        f"Found {found} of the {len(grade.key.defects)} planted problems "
        f"(severity-weighted {grade.recall:.0%}) in {len(grade.judged)} comment(s)."
    )
    if not grade.judged:
        message = "REVIEW.md has no comments in the `### path:line [severity]` format."
    message += _flaw_note(grade) + "".join(f" {p}." for p in problems)
    evidence = [_match_evidence(grade, d) for d in grade.key.defects]
    evidence.append(_unparsed_evidence(grade))
    return scored(check, grade.recall, message=message, evidence=evidence)


def focus_result(check: Check, grade: ReviewGrade) -> CheckResult:
    """Whether the review stays on what matters."""
    if not grade.judged:
        return scored(check, 0.0, message="The review has no comments.")
    unmatched = len(grade.unmatched)
    allowance = max(FOCUS_ALLOWANCE, len(grade.assigned))
    message = (
        f"{unmatched} of {len(grade.judged)} comment(s) match no planted problem "
        f"(up to {allowance} cost nothing)."
    )
    return scored(check, grade.focus, message=message, evidence=[_unmatched_evidence(grade)])


def _nothing(checks: Sequence[Check], message: str) -> StageOutcome:
    return StageOutcome(checks=tuple(scored(c, 0.0, message=message) for c in checks))


def _grader_problem(checks: Sequence[Check], problem: str) -> StageOutcome:
    message = "The review could not be graded because of a problem in the grader."
    results = tuple(check_result(c, Status.ERROR, message=message) for c in checks)
    return StageOutcome(checks=results, problems=(problem,))


def grade_submission_review(
    checks: Sequence[Check], *, root: Path, exercise: Path, key_path: Path
) -> StageOutcome:
    """Grade the REVIEW.md at the top of `root` with the key and the exercise's diff."""
    try:
        key = load_review_key(key_path)
        diff = (exercise / "review" / Path(key.diff).name).read_text(encoding="utf-8")
    except RubricError as exc:
        return _grader_problem(checks, str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        return _grader_problem(checks, f"cannot read the review diff: {exc}")
    inconsistent = anchor_problems(key, diff)
    if inconsistent:
        return _grader_problem(
            checks, "the review key disagrees with the diff: " + "; ".join(inconsistent)
        )
    path = find_top_level_file(root, REVIEW_FILE)
    if path is None:
        return _nothing(
            checks, "No REVIEW.md at the top of the submission: the review was not done."
        )
    review = read_candidate_markdown(path)
    if _is_template(review.text, exercise / REVIEW_FILE):
        return _nothing(checks, "REVIEW.md is the untouched template: no review to grade.")
    grade = grade_review(key, diff, parse_review(review.text))
    return StageOutcome(
        checks=tuple(
            recall_result(check, grade, review.problems)
            if check.id == "collaboration.review.recall"
            else focus_result(check, grade)
            for check in checks
        )
    )


def _is_template(text: str, template_path: Path) -> bool:
    """Whether the text is the exercise's template, whitespace aside."""
    try:
        template = template_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return " ".join(text.split()) == " ".join(template.split())


def run(context: CheckContext) -> StageOutcome:
    """Grade the candidate's REVIEW.md against the planted defects."""
    checks = wanted(context, "review")
    if not checks:
        return StageOutcome()
    return grade_submission_review(
        checks, root=context.submission.root, exercise=context.exercise, key_path=KEY_PATH
    )
