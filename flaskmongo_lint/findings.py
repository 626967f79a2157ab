"""The one type every reporter renders."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place. Ordered by path, line, column, code: the output order."""

    path: str
    line: int  # 1-based
    col: int  # 1-based
    code: str
    message: str
    confidence: Optional[str] = None  # "high" / "medium" for the owner-scope rules, else None

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"
