"""Similarity flags for a cohort: winnowed token fingerprints of each submission's own Python code.

Each Python file is tokenized with `tokenize`; comments and whitespace are dropped, identifiers
become `V`, numbers `N` and strings `S`, so renaming variables or rewording messages changes
nothing. Every run of K_GRAM tokens is hashed (a rolling hash over blake2b token ids, the same
on every machine) and winnowing keeps the smallest hash of each WINDOW consecutive ones: any
shared run of K_GRAM + WINDOW - 1 tokens or more leaves at least one shared fingerprint.
Fingerprints of code the exercise starter already contains are dropped, and so are files
identical to the starter's, so the starter never makes two submissions look alike.

Two submissions (or a submission and the reference solution) are flagged when the Jaccard
index of their fingerprints reaches JACCARD_FLAG, or when one's fingerprints are contained in
the other's at CONTAINMENT_FLAG or more (a copy with extra code around it); at least
MIN_SHARED fingerprints must be shared either way. A flag asks a person to look at the
matching regions; it never changes a score.
"""

from __future__ import annotations

import hashlib
import io
import keyword
import tokenize
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from grader.checks.static_code import is_tooling_dir, walk_files

K_GRAM = 20
WINDOW = 8
JACCARD_FLAG = 0.6
CONTAINMENT_FLAG = 0.8
MIN_SHARED = 10
MAX_FILE_BYTES = 512 * 1024
MAX_REGIONS = 5
SNIPPET_LINES = 12
# Matches this many lines apart still read as one region.
REGION_GAP_LINES = 2
# Not a valid submission id (ids never contain ':'), so it cannot collide with one.
REFERENCE_ID = ":reference"
_MODULUS = (1 << 61) - 1
_BASE = 1_000_003
_DROPPED = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
)


def display_name(owner: str) -> str:
    """How an owner reads in a report: submission ids as they are, the reference spelled out."""
    return "reference solution" if owner == REFERENCE_ID else owner


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class Token:
    """A normalized token and the lines it spans."""

    text: str
    first_line: int
    last_line: int


def _normalized(token: tokenize.TokenInfo) -> str:
    if token.type == tokenize.NAME:
        return token.string if keyword.iskeyword(token.string) else "V"
    if token.type == tokenize.NUMBER:
        return "N"
    if token.type == tokenize.STRING:
        return "S"
    return token.string


def normalized_tokens(text: str) -> tuple[list[Token], str]:
    """The file's tokens without comments or whitespace, and why tokenizing stopped early ("")."""
    tokens: list[Token] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in _DROPPED:
                tokens.append(Token(_normalized(token), token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError, ValueError) as exc:
        line = tokens[-1].last_line if tokens else 0
        return tokens, f"tokenized up to line {line} only ({type(exc).__name__})"
    return tokens, ""


# --------------------------------------------------------------------------- fingerprints


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Lines `first`..`last` (1-based, inclusive) of a file, by its path in the submission."""

    file: str
    first: int
    last: int

    def label(self) -> str:
        """`app/x.py:10-24`."""
        return f"{self.file}:{self.first}-{self.last}"


@dataclass(frozen=True, slots=True)
class CodePrint:
    """One owner's fingerprints (hash -> where it occurs), its files' lines, and read problems."""

    owner: str
    spans: Mapping[int, tuple[Span, ...]]
    lines: Mapping[str, tuple[str, ...]]
    notes: tuple[str, ...] = ()

    @property
    def hashes(self) -> frozenset[int]:
        """The fingerprint hashes."""
        return frozenset(self.spans)


def _token_id(text: str, cache: dict[str, int]) -> int:
    if text not in cache:
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        cache[text] = int.from_bytes(digest, "big") % _MODULUS
    return cache[text]


def kgram_hashes(tokens: list[Token], *, k: int = K_GRAM) -> list[int]:
    """A hash for every run of k tokens, in order (none when the file is shorter)."""
    if len(tokens) < k:
        return []
    cache: dict[str, int] = {}
    ids = [_token_id(token.text, cache) for token in tokens]
    top = pow(_BASE, k - 1, _MODULUS)
    value = 0
    for token_id in ids[:k]:
        value = (value * _BASE + token_id) % _MODULUS
    hashes = [value]
    for leaving, entering in zip(ids, ids[k:], strict=False):
        value = ((value - leaving * top) * _BASE + entering) % _MODULUS
        hashes.append(value)
    return hashes


def winnow(hashes: list[int], *, window: int = WINDOW) -> list[int]:
    """Positions kept by winnowing: the rightmost minimum of each window, each position once."""
    if not hashes:
        return []
    kept: list[int] = []
    for start in range(max(1, len(hashes) - window + 1)):
        chunk = hashes[start : start + window]
        smallest = min(chunk)
        position = start + max(i for i, value in enumerate(chunk) if value == smallest)
        if not kept or kept[-1] != position:
            kept.append(position)
    return kept


def decoded_python(path: Path) -> tuple[str | None, str]:
    """A Python file's text, or None and why it cannot be read (too big, not UTF-8)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, f"larger than {MAX_FILE_BYTES // 1024} KiB, not compared"
        return path.read_bytes().decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return None, "not UTF-8, not compared"
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or exc}), not compared"


def python_files(root: Path) -> list[str]:
    """Relative paths of the Python files under root, sorted, tooling folders left out."""
    return [str(rel) for rel in walk_files(root, skip_dir=is_tooling_dir) if rel.suffix == ".py"]


@dataclass(frozen=True, slots=True)
class Starter:
    """What the exercise starter already contains: its files' bytes and every k-gram hash."""

    files: Mapping[str, bytes]
    kgrams: frozenset[int]


def starter_of(root: Path) -> Starter:
    """The starter's Python files and all their k-gram hashes (not winnowed: every run counts)."""
    files: dict[str, bytes] = {}
    kgrams: set[int] = set()
    for rel in python_files(root):
        text, _ = decoded_python(root / rel)
        if text is not None:
            files[rel] = (root / rel).read_bytes()
            kgrams.update(kgram_hashes(normalized_tokens(text)[0]))
    return Starter(files=files, kgrams=frozenset(kgrams))


def code_print(owner: str, root: Path, *, starter: Starter) -> CodePrint:
    """The fingerprints of the code under root that the starter does not already contain."""
    spans: dict[int, list[Span]] = {}
    lines: dict[str, tuple[str, ...]] = {}
    notes: list[str] = []
    for rel in python_files(root):
        path = root / rel
        if rel in starter.files and _same_bytes(path, starter.files[rel]):
            continue
        text, problem = decoded_python(path)
        if text is None:
            notes.append(f"{rel}: {problem}")
            continue
        tokens, stopped = normalized_tokens(text)
        if stopped:
            notes.append(f"{rel}: {stopped}")
        hashes = kgram_hashes(tokens)
        for position in winnow(hashes):
            if hashes[position] not in starter.kgrams:
                span = Span(
                    rel, tokens[position].first_line, tokens[position + K_GRAM - 1].last_line
                )
                spans.setdefault(hashes[position], []).append(span)
        lines[rel] = tuple(text.splitlines())
    frozen = {value: tuple(found) for value, found in spans.items()}
    return CodePrint(owner=owner, spans=frozen, lines=lines, notes=tuple(notes))


def _same_bytes(path: Path, expected: bytes) -> bool:
    try:
        return path.stat().st_size == len(expected) and path.read_bytes() == expected
    except OSError:
        return False


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True, slots=True)
class Region:
    """Lines of one side that match lines of the other, with the text of both."""

    left: Span
    right: Span
    left_snippet: str
    right_snippet: str


@dataclass(frozen=True, slots=True)
class Match:
    """How much two owners' code overlaps, and where."""

    left: str
    right: str
    shared: int
    jaccard: float
    left_in_right: float
    right_in_left: float
    regions: tuple[Region, ...]

    @property
    def flagged(self) -> bool:
        """Whether a person should look: a near-copy either as a whole or contained in the other."""
        if self.shared < MIN_SHARED:
            return False
        contained = max(self.left_in_right, self.right_in_left)
        return self.jaccard >= JACCARD_FLAG or contained >= CONTAINMENT_FLAG

    @property
    def score(self) -> float:
        """The strongest of the three overlap measures."""
        return max(self.jaccard, self.left_in_right, self.right_in_left)

    def other(self, owner: str) -> str:
        """The owner on the other side of `owner`."""
        return self.right if owner == self.left else self.left


def compare(left: CodePrint, right: CodePrint) -> Match:
    """The overlap of two fingerprint sets, with the matching regions (largest first)."""
    shared = left.hashes & right.hashes
    union = len(left.hashes | right.hashes)
    return Match(
        left=left.owner,
        right=right.owner,
        shared=len(shared),
        jaccard=_ratio(len(shared), union),
        left_in_right=_ratio(len(shared), len(left.hashes)),
        right_in_left=_ratio(len(shared), len(right.hashes)),
        regions=matching_regions(left, right, shared),
    )


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def matching_regions(
    left: CodePrint, right: CodePrint, shared: Iterable[int]
) -> tuple[Region, ...]:
    """Matching fingerprints merged into line ranges on both sides, the MAX_REGIONS largest."""
    pairs = sorted(
        (left.spans[value][0], right.spans[value][0]) for value in shared
    )  # Spans sort by file, then line: a deterministic order whatever the set's.
    merged: list[tuple[Span, Span]] = []
    for pair in pairs:
        if merged and _continues(merged[-1], pair):
            merged[-1] = (_joined(merged[-1][0], pair[0]), _joined(merged[-1][1], pair[1]))
        else:
            merged.append(pair)
    largest = sorted(merged, key=lambda p: (-(p[0].last - p[0].first), p[0], p[1]))
    return tuple(
        Region(
            left=a,
            right=b,
            left_snippet=snippet(left.lines, a),
            right_snippet=snippet(right.lines, b),
        )
        for a, b in largest[:MAX_REGIONS]
    )


def _continues(region: tuple[Span, Span], pair: tuple[Span, Span]) -> bool:
    return all(
        new.file == old.file
        and new.first <= old.last + REGION_GAP_LINES
        and new.last >= old.first - REGION_GAP_LINES
        for old, new in zip(region, pair, strict=True)
    )


def _joined(a: Span, b: Span) -> Span:
    return Span(a.file, min(a.first, b.first), max(a.last, b.last))


def snippet(lines: Mapping[str, tuple[str, ...]], span: Span) -> str:
    """The first SNIPPET_LINES lines of a span, with a note of how many more there are."""
    text = lines.get(span.file, ())[span.first - 1 : span.last]
    shown = "\n".join(text[:SNIPPET_LINES])
    more = len(text) - SNIPPET_LINES
    return f"{shown}\n... ({more} more lines)" if more > 0 else shown


# --------------------------------------------------------------------------- a cohort


@dataclass(frozen=True, slots=True)
class SimilarityReport:
    """The flagged pairs of a cohort (submissions with each other and with the reference)."""

    flags: tuple[Match, ...]
    compared: tuple[str, ...]
    notes: tuple[str, ...]

    def flags_of(self, owner: str) -> tuple[Match, ...]:
        """The flags a submission takes part in."""
        return tuple(m for m in self.flags if owner in (m.left, m.right))


def cohort_similarity(
    prints: Iterable[CodePrint], *, reference: CodePrint | None, notes: Iterable[str] = ()
) -> SimilarityReport:
    """Compare every pair of submissions, and each with the reference; keep the flagged pairs."""
    ordered = sorted(prints, key=lambda p: p.owner)
    matches = [compare(a, b) for a, b in combinations(ordered, 2)]
    if reference is not None:
        matches += [compare(p, reference) for p in ordered]
    read_notes = [f"{display_name(p.owner)}: {note}" for p in ordered for note in p.notes]
    return SimilarityReport(
        flags=tuple(m for m in matches if m.flagged),
        compared=tuple(p.owner for p in ordered),
        notes=(*notes, *read_notes),
    )


def _span_document(span: Span) -> dict[str, Any]:
    return {"file": span.file, "first_line": span.first, "last_line": span.last}


def _match_document(match: Match) -> dict[str, Any]:
    return {
        "left": match.left,
        "right": match.right,
        "shared_fingerprints": match.shared,
        "jaccard": match.jaccard,
        "left_in_right": match.left_in_right,
        "right_in_left": match.right_in_left,
        "regions": [
            {
                "left": _span_document(r.left),
                "right": _span_document(r.right),
                "left_snippet": r.left_snippet,
                "right_snippet": r.right_snippet,
            }
            for r in match.regions
        ],
    }


def similarity_document(report: SimilarityReport | None) -> dict[str, Any]:
    """`similarity.json`: the method's parameters, the flagged pairs, and what was not read."""
    parameters = {
        "k_gram_tokens": K_GRAM,
        "window": WINDOW,
        "jaccard_flag": JACCARD_FLAG,
        "containment_flag": CONTAINMENT_FLAG,
        "min_shared_fingerprints": MIN_SHARED,
        "reference_id": REFERENCE_ID,
    }
    if report is None:
        return {"computed": False, "parameters": parameters, "flags": [], "notes": []}
    return {
        "computed": True,
        "parameters": parameters,
        "compared": list(report.compared),
        "flags": [_match_document(m) for m in report.flags],
        "notes": list(report.notes),
    }


def iter_partners(report: SimilarityReport, owner: str) -> Iterator[tuple[str, float]]:
    """(the other owner, the match's score) for each flag of `owner`."""
    for match in report.flags_of(owner):
        yield match.other(owner), match.score
