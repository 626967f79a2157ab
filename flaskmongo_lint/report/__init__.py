"""Output formats. Each module renders a sequence of :class:`Finding` to a string."""
from __future__ import annotations

from typing import Callable, Dict, Sequence

from flaskmongo_lint.findings import Finding
from flaskmongo_lint.report import github, json, sarif, text

FORMATS: Dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": json.render,
    "sarif": sarif.render,
    "github": github.render,
}


def render(fmt: str, findings: Sequence[Finding], *, show_source: bool = False, internal_error: bool = False) -> str:
    """Render ``findings`` in format ``fmt`` (a key of FORMATS)."""
    if fmt == "text":
        return text.render(findings, show_source=show_source)
    if fmt == "sarif":
        return sarif.render(findings, internal_error=internal_error)
    return FORMATS[fmt](findings)


__all__ = ["FORMATS", "render"]
