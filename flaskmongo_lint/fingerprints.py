"""Fingerprints: an identity for a finding that survives edits elsewhere in the file.

A fingerprint hashes the rule code, the file's path (relative to the project root), the
normalised source of the reported node, the normalised signature of the function it is in, and
an occurrence index that tells identical twins in one file apart. Line numbers stay out of it, so
adding a function above a finding, reformatting it or adding a comment does not change it;
renaming the file, the function or editing the reported expression does.

The normal forms are computed from the source text, not from Python's tokenizer or ``ast``,
whose output differs between Python versions: a baseline written on 3.9 must match on 3.13.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from flaskmongo_lint.files import relative_to_root
from flaskmongo_lint.findings import Finding

if TYPE_CHECKING:  # the syntax tree only when a node is normalised (by the checker, which has it already)
    from flaskmongo_lint import syntax as syn

# Bump when the recipe changes, so old baselines visibly stop matching instead of matching wrongly.
FINGERPRINT_VERSION = "1"

_CLOSING = ")]}"


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def normalise_source(code: str) -> str:
    """``code`` without comments, line breaks and layout: whitespace survives only between two
    word characters (``not x``, ``x if y``), string literals are kept as written, and a trailing
    comma before a closing bracket (a formatter's "magic trailing comma") is dropped."""
    out: List[str] = []
    pending_space = False
    i, n = 0, len(code)
    while i < n:
        char = code[i]
        if char in "'\"":
            end = _string_end(code, i)
            if pending_space and out and _is_word(out[-1][-1]):
                out.append(" ")
            out.append(code[i:end])
            pending_space = False
            i = end
            continue
        if char == "#":
            while i < n and code[i] != "\n":
                i += 1
            pending_space = True
            continue
        if char.isspace() or char == "\\":
            pending_space = True
            i += 1
            continue
        if pending_space and out and _is_word(out[-1][-1]) and _is_word(char):
            out.append(" ")
        pending_space = False
        if char in _CLOSING and out and out[-1] == ",":
            out.pop()
        out.append(char)
        i += 1
    while out and out[-1] in (",", " "):
        out.pop()
    return "".join(out)


def _string_end(code: str, start: int) -> int:
    """The index just after the string literal that opens at ``start`` (a quote character)."""
    quote = code[start]
    triple = code.startswith(quote * 3, start)
    delimiter = quote * 3 if triple else quote
    i = start + len(delimiter)
    n = len(code)
    while i < n:
        if code[i] == "\\":
            i += 2
            continue
        if code.startswith(delimiter, i):
            return i + len(delimiter)
        if not triple and code[i] == "\n":
            return i  # an unterminated literal ends at the line's end
        i += 1
    return n


def normalised_code(node: "syn.CSTNode") -> str:
    """The normalised source of one node (see :func:`normalise_source`)."""
    from flaskmongo_lint.analysis.syntaxutil import code_of

    return normalise_source(code_of(node))


def signature_of(node: "syn.FunctionDef", qualname: Optional[str] = None) -> str:
    """A function's signature as fingerprints scope findings by (see
    :func:`flaskmongo_lint.analysis.syntaxutil.signature_of`)."""
    from flaskmongo_lint.analysis import syntaxutil

    return syntaxutil.signature_of(node, qualname)


def fingerprint_of(code: str, path: str, snippet: str, scope: str, occurrence: int) -> str:
    """The fingerprint for these parts: 32 hex digits of a SHA-256."""
    text = "\0".join((FINGERPRINT_VERSION, code, path, snippet, scope, str(occurrence)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def assign_fingerprints(findings: Sequence[Finding], root: str) -> List[Finding]:
    """``findings`` of one file, in position order, each with its fingerprint set.

    Identical twins (same code, path, snippet and scope) are numbered in the order they appear
    in the file, so a second copy of an old problem gets a fingerprint of its own.
    """
    seen: Dict[Tuple[str, str, str, str], int] = {}
    out: List[Finding] = []
    for finding in sorted(findings):
        # Relative to the project root, so the directory the linter runs in does not matter.
        path = relative_to_root(finding.path, root)
        key = (finding.code, path, finding.snippet, finding.scope)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        fp = fingerprint_of(finding.code, path, finding.snippet, finding.scope, occurrence)
        out.append(replace(finding, fingerprint=fp))
    return out
