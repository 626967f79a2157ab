"""``# noqa`` comments, with flake8's semantics extended to whole statements, and FM002.

``# noqa`` (any case, ``#noqa`` too) silences every finding of its statement; ``# noqa: FM101,FM203``
(or ``# noqa:FM101 FM203``) silences the listed codes, each matching as a prefix (``FM1``
silences FM101). A ``# noqa:`` followed by no code is a bare ``# noqa``, as in flake8.

A finding is silenced by a noqa comment on any line of the statement it is reported in, as in
Ruff: a call spread over five lines can carry its ``# noqa`` on the line a formatter leaves room
for, not only on the first. "Statement" means a logical line: a simple statement, or the header of
a compound one (``def f(...):``, ``if ...:``), so a noqa in a function's body never silences the
``def`` line and the other way round. FM000 (an internal error) is never silenced.

FM002 (unused-noqa, off unless selected) reports a ``# noqa: CODES`` whose FM codes silence
nothing, like Ruff's RUF100. Codes of other tools (``E501``) and bare ``# noqa`` are left alone,
because flake8 or another linter may be the one they are for.
"""
from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from flaskmongo_lint.findings import Finding

_NOQA_RE = re.compile(
    r"#\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
UNSUPPRESSIBLE = frozenset({"FM000"})
UNUSED_NOQA = "FM002"
_OWN_PREFIX = "FM"

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


def is_silenced(code: str, directive: Directive) -> bool:
    if directive is None or code in UNSUPPRESSIBLE:
        return False
    if not directive:
        return True
    return code.startswith(tuple(directive))


class NoqaIndex:
    """The noqa comments of one file and the statements they belong to."""

    def __init__(self, text: str) -> None:
        # line -> (1-based column of the "#", end column (exclusive), directive)
        self.directives: Dict[int, Tuple[int, int, FrozenSet[str]]] = {}
        # line -> (first line, last line) of the logical line holding it
        self._statements: Dict[int, Tuple[int, int]] = {}
        self.tokenized = self._read_tokens(text)
        if not self.tokenized:
            self._read_lines(text)

    def _add(self, line: int, col: int, comment: str) -> None:
        directive = parse_directive(comment)
        if directive is not None:
            self.directives[line] = (col + 1, col + 1 + len(comment.rstrip()), directive)

    def _read_tokens(self, text: str) -> bool:
        """Comments from the tokenizer, so ``"# noqa"`` inside a string does not count."""
        first: Optional[int] = None
        skip = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
        try:
            for token in tokenize.generate_tokens(io.StringIO(text).readline):
                if token.type == tokenize.COMMENT:
                    self._add(token.start[0], token.start[1], token.string)
                if first is None and token.type not in skip:
                    first = token.start[0]
                if token.type == tokenize.NEWLINE and first is not None:
                    last = token.start[0]
                    for line in range(first, last + 1):
                        self._statements[line] = (first, last)
                    first = None
        except (tokenize.TokenError, SyntaxError, ValueError):
            self.directives.clear()
            self._statements.clear()
            return False
        return True

    def _read_lines(self, text: str) -> None:
        """Fallback for a file that does not tokenize: search whole lines, one line per statement."""
        for number, line in enumerate(text.splitlines(), 1):
            at = line.find("#")
            if at >= 0:
                self._add(number, at, line[at:])

    def statement(self, line: int) -> Tuple[int, int]:
        """(first, last) line of the statement that ``line`` belongs to."""
        return self._statements.get(line, (line, line))

    def silencer(self, finding: Finding) -> Optional[int]:
        """The line of a noqa comment that silences ``finding``, or None."""
        if finding.code in UNSUPPRESSIBLE:
            return None
        first, last = self.statement(finding.line)
        for line in range(first, last + 1):
            entry = self.directives.get(line)
            if entry is not None and is_silenced(finding.code, entry[2]):
                return line
        return None


def _index(text: str) -> Optional[NoqaIndex]:
    # Most files have no noqa at all: do not tokenize those.
    return NoqaIndex(text) if "noqa" in text.lower() else None


def filter_findings(findings: Sequence[Finding], text: str) -> List[Finding]:
    """``findings`` of one file without those its noqa comments silence."""
    index = _index(text) if findings else None
    if index is None:
        return list(findings)
    return [f for f in findings if index.silencer(f) is None]


def unused_noqa(findings: Iterable[Finding], text: str, path: str) -> List[Finding]:
    """FM002 findings for the FM codes of ``# noqa: CODES`` comments that silence none of
    ``findings`` (what the rules reported in this file, before select and ignore: a noqa for a
    rule that is switched off in this run still has a job). A bare ``# noqa`` and other tools'
    codes are never reported."""
    index = _index(text)
    if index is None or not index.tokenized:
        return []
    used: Dict[int, Set[str]] = {}
    for finding in findings:
        first, last = index.statement(finding.line)
        for line in range(first, last + 1):
            entry = index.directives.get(line)
            if entry is None or finding.code in UNSUPPRESSIBLE:
                continue
            used.setdefault(line, set()).update(c for c in entry[2] if finding.code.startswith(c))
    out: List[Finding] = []
    for line, (col, end_col, codes) in sorted(index.directives.items()):
        unused = sorted(
            c for c in codes
            if c.startswith(_OWN_PREFIX) and c != UNUSED_NOQA and c not in used.get(line, set())
        )
        if unused:
            listed = ", ".join(unused)
            noun = "code" if len(unused) == 1 else "codes"
            out.append(Finding(path, line, col, UNUSED_NOQA,
                               f"unused noqa {noun} {listed}: nothing reported here to silence; remove it",
                               end_line=line, end_col=end_col))
    return out
