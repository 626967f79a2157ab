"""The one type every reporter renders, and the places it can point at.

Positions are 1-based; an end position is exclusive (the column just after the last character),
as SARIF and the Language Server Protocol count. An end of 0 means "unknown": reporters then use
the start.
"""
from __future__ import annotations

import traceback

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file that matters to a finding (for example the owner-scoped twin query that
    shows a collection is per-user)."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    message: str = ""


@dataclass(frozen=True, order=True)
class FlowStep(Location):
    """One step of the path client data takes to the sink: the first step is the source (a route
    parameter, ``request.json`` ...), the last one the reported call."""


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place. Ordered by path, line, column, code, message: the output order.

    The fields after ``confidence`` have defaults so that a finding can be built from a position
    and a message alone (FM000/FM001, tests); the checker fills them where it knows them.
    """

    path: str
    line: int  # 1-based
    col: int  # 1-based
    code: str
    message: str
    confidence: Optional[str] = None  # "high" / "medium" for the owner-scope rules, else None
    end_line: int = 0  # 1-based; 0 = unknown
    end_col: int = 0  # 1-based, exclusive; 0 = unknown
    snippet: str = ""  # normalised source of the reported node (see fingerprints.py)
    scope: str = ""  # normalised signature of the enclosing function, "" at module level
    flow: Tuple[FlowStep, ...] = ()  # source -> sink
    related: Tuple[Location, ...] = ()
    fingerprint: str = ""  # stable identity across unrelated edits (see fingerprints.py)

    @property
    def end(self) -> Tuple[int, int]:
        """(end line, end column), falling back to a one-character span at the start when unknown."""
        if self.end_line <= 0 or self.end_col <= 0:
            return self.line, self.col + 1
        return self.end_line, self.end_col

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


def internal_error(exc: BaseException) -> Tuple[str, str]:
    """An exception as (``Type: message`` on one line, the traceback). Never raises: an
    exception whose message cannot be made (a ``__str__`` that fails, a recursion error while
    formatting) is still reported, by its type."""
    try:
        message = " ".join(str(exc).split())
    except Exception:  # noqa: BLE001 - the report of a failure must not fail
        message = "(no message)"
    try:
        trace = traceback.format_exc()
    except Exception:  # noqa: BLE001
        trace = f"{type(exc).__name__} (no traceback)"
    return f"{type(exc).__name__}: {message}", trace
