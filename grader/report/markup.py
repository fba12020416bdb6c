"""A tiny HTML builder that escapes by default: only `Markup` passes through unescaped.

Evidence carries candidate-controlled strings (response bodies, messages, file names), so every
`str` child or attribute value is escaped; `Markup` is produced only by this module's functions.
Tag and attribute names always come from the grader's code, never from data.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TypeAlias

VOID_TAGS = frozenset({"br", "hr", "meta", "col"})
# A newline after these keeps the file readable in a diff (golden files); it renders as nothing.
BLOCK_TAGS = frozenset(
    {"html", "head", "body", "main", "header", "section", "div", "details", "table", "thead"}
    | {"tbody", "tr", "ul", "ol", "li", "p", "pre", "dl", "svg", "style", "title"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
)


class Markup:
    """Safe HTML kept as a tree of pieces, joined once when written out.

    Nesting elements would otherwise copy every byte of a child at each level: a reviewer page
    of 500 failed checks is megabytes deep in tables and `<details>`.
    """

    __slots__ = ("_pieces",)

    def __init__(self, *pieces: str | Markup) -> None:
        self._pieces = pieces

    def __str__(self) -> str:
        out: list[str] = []
        # Iterative, not recursive: a deep tree must not hit the recursion limit.
        stack = [iter(self._pieces)]
        while stack:
            for piece in stack[-1]:
                if isinstance(piece, Markup):
                    stack.append(iter(piece._pieces))
                    break
                out.append(piece)
            else:
                stack.pop()
        return "".join(out)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str | Markup) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return f"Markup({str(self)!r})"


Child: TypeAlias = Markup | str | int | float | None


def escape(value: object) -> Markup:
    """Any value as escaped text (quotes included, so it is safe in attributes too)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def join(children: Iterable[Child]) -> Markup:
    """Children side by side; None is left out, plain text is escaped."""
    return Markup(*[escape(child) for child in children if child is not None])


def _attribute(name: str, value: object) -> str:
    # `class_` -> `class`, `data_check` -> `data-check`, `aria_label` -> `aria-label`.
    attribute = name.rstrip("_").replace("_", "-")
    if value is True:
        return f" {attribute}"
    return f' {attribute}="{html.escape(str(value), quote=True)}"'


def el(tag: str, *children: Child, **attributes: object) -> Markup:
    """`<tag attributes>children</tag>`; attributes that are None or False are left out."""
    attrs = "".join(
        [
            _attribute(name, value)
            for name, value in attributes.items()
            if value is not None and value is not False
        ]
    )
    if tag in VOID_TAGS:
        return Markup(f"<{tag}{attrs}>")
    inner = [escape(child) for child in children if child is not None]
    close = f"</{tag}>\n" if tag in BLOCK_TAGS else f"</{tag}>"
    return Markup(f"<{tag}{attrs}>", *inner, close)


def table(headers: Iterable[str], rows: Iterable[Iterable[Child]], **attributes: object) -> Markup:
    """A table with a header row; each cell escaped unless it is Markup."""
    head = el("thead", el("tr", join(el("th", h) for h in headers)))
    body = el("tbody", join(el("tr", join(el("td", cell) for cell in row)) for row in rows))
    return el("table", head, body, **attributes)


def definition_list(pairs: Iterable[tuple[str, Child]]) -> Markup:
    """`<dl>` of label/value pairs."""
    return el("dl", join(join((el("dt", label), el("dd", value))) for label, value in pairs))
