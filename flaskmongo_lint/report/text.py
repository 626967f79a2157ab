"""``path:line:col: CODE message``, one per line, like flake8 (``text``, ``concise``); the same
grouped under a header per file (``grouped``, like Ruff's); optionally the source line and a
caret under the column (``--show-source``), and per-code counts (``--statistics``)."""
from __future__ import annotations

import io
import tokenize
from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence

from flaskmongo_lint.findings import Finding
from flaskmongo_lint.report.meta import code_info

LineReader = Callable[[str, int], Optional[str]]


class _FileLines:
    """Reads each file once, only when a finding in it is shown with its source."""

    def __init__(self) -> None:
        self._cache: Dict[str, List[str]] = {}

    def __call__(self, path: str, line: int) -> Optional[str]:
        if path not in self._cache:
            self._cache[path] = _read_lines(path)
        lines = self._cache[path]
        return lines[line - 1] if 0 < line <= len(lines) else None


def _read_lines(path: str) -> List[str]:
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError:
        return []
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        text = source.decode(encoding, errors="replace")
    except LookupError:
        text = source.decode("utf-8", errors="replace")
    return text.splitlines()


def _caret(source_line: str, col: int, width: int = 1) -> str:
    # Keep the tabs of the line's start so the caret lands under the column in a terminal.
    indent = "".join(c if c.isspace() else " " for c in source_line[: max(col - 1, 0)])
    return indent + "^" * max(1, width)


def _source(finding: Finding, reader: LineReader, prefix: str = "") -> List[str]:
    """The finding's source line and carets under the reported span (to the line's end when the
    span goes on to later lines)."""
    source_line = reader(finding.path, finding.line)
    if source_line is None:
        return []
    end_line, end_col = finding.end
    last = end_col if end_line == finding.line else len(source_line) + 1
    width = min(last, len(source_line) + 1) - finding.col
    return [prefix + source_line, prefix + _caret(source_line, finding.col, width)]


def render(findings: Sequence[Finding], *, show_source: bool = False, read_line: Optional[LineReader] = None) -> str:
    """One line per finding (plus source and caret with ``show_source``); "" for none."""
    reader = read_line or _FileLines()
    out: List[str] = []
    for finding in findings:
        out.append(finding.render())
        if show_source:
            out.extend(_source(finding, reader))
    return "".join(line + "\n" for line in out)


def grouped(findings: Sequence[Finding], *, show_source: bool = False, read_line: Optional[LineReader] = None) -> str:
    """The findings under one ``path:`` header per file, each as ``  line:col CODE message``,
    with a blank line between files; "" for none."""
    reader = read_line or _FileLines()
    out: List[str] = []
    current: Optional[str] = None
    for finding in findings:
        if finding.path != current:
            if current is not None:
                out.append("")
            out.append(f"{finding.path}:")
            current = finding.path
        out.append(f"  {finding.line}:{finding.col} {finding.code} {finding.message}")
        if show_source:
            out.extend(_source(finding, reader, prefix="    "))
    return "".join(line + "\n" for line in out)


def statistics(findings: Sequence[Finding]) -> str:
    """Per code: the count, the code and the rule's name, in code order (like flake8 --statistics)."""
    counts = Counter(f.code for f in findings)
    out = []
    for code in sorted(counts):
        info = code_info(code)
        name = info.name if info is not None else ""
        out.append(f"{counts[code]:<5} {code} {name}".rstrip())
    return "".join(line + "\n" for line in out)
