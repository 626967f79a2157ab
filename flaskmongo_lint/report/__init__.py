"""Output formats. Each module renders a sequence of :class:`Finding` to a string."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable, Dict, Optional, Sequence, Tuple

if TYPE_CHECKING:  # a replayed report loads no format at all
    from flaskmongo_lint.findings import Finding
    from flaskmongo_lint.report.text import LineReader

# Each format: the module and function that render it. A run loads only the one it prints.
FORMATS: Dict[str, Tuple[str, str]] = {
    "text": ("text", "render"),
    "concise": ("text", "render"),
    "grouped": ("text", "grouped"),
    "json": ("json", "render"),
    "sarif": ("sarif", "render"),
    "github": ("github", "render"),
    "gitlab": ("gitlab", "render"),
    "junit": ("junit", "render"),
}


def renderer(fmt: str) -> Callable[..., str]:
    """The function that renders format ``fmt``."""
    module, function = FORMATS[fmt]
    return getattr(importlib.import_module(f"flaskmongo_lint.report.{module}"), function)  # type: ignore[no-any-return]


# Formats a program reads: --statistics and other notes go to stderr so they stay parseable.
MACHINE_FORMATS = frozenset({"json", "sarif", "github", "gitlab", "junit"})


def render(
    fmt: str,
    findings: Sequence["Finding"],
    *,
    show_source: bool = False,
    execution_successful: bool = True,
    read_line: Optional["LineReader"] = None,
) -> str:
    """Render ``findings`` in format ``fmt`` (a key of FORMATS).

    ``read_line`` gives the source lines for ``--show-source`` (default: read the files; standard
    input passes its own text). ``execution_successful`` is false when some file could not be
    checked (an internal error, a missing path): SARIF records it.
    """
    function = renderer(fmt)
    if fmt in ("text", "grouped"):
        return function(findings, show_source=show_source, read_line=read_line)
    if fmt == "sarif":
        return function(findings, execution_successful=execution_successful)
    return function(findings)


__all__ = ["FORMATS", "MACHINE_FORMATS", "render", "renderer"]
