"""``# noqa`` comments, with flake8's semantics.

``# noqa`` (any case, ``#noqa`` too) silences every finding on its line; ``# noqa: FM101,FM203``
(or ``# noqa:FM101 FM203``) silences the listed codes, each matching as a prefix (``FM1``
silences FM101). A ``# noqa:`` followed by no code is a bare ``# noqa``, as in flake8. The line
that counts is the line a finding is reported at. FM000 (an internal error) is never silenced.
"""
from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, FrozenSet, List, Optional, Sequence

from flaskmongo_lint.findings import Finding

_NOQA_RE = re.compile(
    r"#\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
UNSUPPRESSIBLE = frozenset({"FM000"})

# What a line's noqa says: None = no noqa, empty set = bare noqa (everything), else the codes.
Directive = Optional[FrozenSet[str]]


def parse_directive(comment: str) -> Directive:
    """The noqa directive in a comment (or a whole line), if any."""
    match = _NOQA_RE.search(comment)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(c.upper() for c in re.split(r"[,\s]+", codes) if c)


def _comments(text: str) -> Optional[Dict[int, str]]:
    """Line number -> comment text, from the tokenizer so ``"# noqa"`` inside a string does not
    count; None when the file does not tokenize (then whole lines are searched instead)."""
    comments: Dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return comments


def directives(text: str, lines: Sequence[int]) -> Dict[int, Directive]:
    """The noqa directive of each of ``lines`` (1-based) in the source ``text``."""
    comments = _comments(text)
    source_lines: List[str] = text.splitlines()
    result: Dict[int, Directive] = {}
    for line in set(lines):
        if comments is not None:
            comment = comments.get(line)
        else:
            comment = source_lines[line - 1] if 0 < line <= len(source_lines) else None
        result[line] = parse_directive(comment) if comment is not None else None
    return result


def is_silenced(code: str, directive: Directive) -> bool:
    if directive is None or code in UNSUPPRESSIBLE:
        return False
    if not directive:
        return True
    return code.startswith(tuple(directive))


def filter_findings(findings: Sequence[Finding], text: str) -> List[Finding]:
    """``findings`` of one file without those its noqa comments silence."""
    if not findings or "noqa" not in text.lower():
        return list(findings)
    by_line = directives(text, [f.line for f in findings])
    return [f for f in findings if not is_silenced(f.code, by_line.get(f.line))]
