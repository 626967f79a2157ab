"""The kinds of client data, on their own: the framework models name them in their tables, and the
pre-filter reads those tables before any analysis is loaded."""
from __future__ import annotations

import enum


class Kind(enum.Enum):
    """The kinds of client data (SPEC section 1); they fail differently."""

    TEXT = "text"  # always a str: picks which document, can break ObjectId(), no operators
    NUMBER = "number"  # picks which document, nothing else
    JSON = "json"  # any JSON value: may carry an operator such as {"$ne": null}
    MAPPING = "mapping"  # the client chooses the keys
    OPAQUE = "opaque"  # still picks which document, no longer text (ObjectId(x), a typed value)


__all__ = ["Kind"]
