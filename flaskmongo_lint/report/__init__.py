"""Output formats. Each module renders a sequence of :class:`Finding` to a string."""
from __future__ import annotations

from typing import Callable, Dict, Optional, Sequence

from flaskmongo_lint.findings import Finding
from flaskmongo_lint.report import github, gitlab, json, junit, sarif, text
from flaskmongo_lint.report.text import LineReader

FORMATS: Dict[str, Callable[..., str]] = {
    "text": text.render,
    "concise": text.render,
    "grouped": text.grouped,
    "json": json.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
}

# Formats a program reads: --statistics and other notes go to stderr so they stay parseable.
MACHINE_FORMATS = frozenset({"json", "sarif", "github", "gitlab", "junit"})


def render(
    fmt: str,
    findings: Sequence[Finding],
    *,
    show_source: bool = False,
    execution_successful: bool = True,
    read_line: Optional[LineReader] = None,
) -> str:
    """Render ``findings`` in format ``fmt`` (a key of FORMATS).

    ``read_line`` gives the source lines for ``--show-source`` (default: read the files; standard
    input passes its own text). ``execution_successful`` is false when some file could not be
    checked (an internal error, a missing path): SARIF records it.
    """
    if fmt == "text":
        return text.render(findings, show_source=show_source, read_line=read_line)
    if fmt == "grouped":
        return text.grouped(findings, show_source=show_source, read_line=read_line)
    if fmt == "sarif":
        return sarif.render(findings, execution_successful=execution_successful)
    return FORMATS[fmt](findings)


__all__ = ["FORMATS", "MACHINE_FORMATS", "render"]
