"""Who a report is for: the hiring team (everything) or the candidate (hints only)."""

from __future__ import annotations

import enum


class Audience(enum.StrEnum):
    """A reviewer sees evidence, messages and ids; a candidate sees percents, bands and hints."""

    REVIEWER = "reviewer"
    CANDIDATE = "candidate"
