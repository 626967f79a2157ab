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
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

from flaskmongo_lint.files import relative_to_root
from flaskmongo_lint.findings import Finding
from flaskmongo_lint.positions import Positions

# Bump when the recipe changes, so old baselines visibly stop matching instead of matching wrongly.
FINGERPRINT_VERSION = "1"

_EMPTY_MODULE = cst.Module(body=[])
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


def normalised_code(node: cst.CSTNode) -> str:
    """The normalised source of one node (see :func:`normalise_source`)."""
    return normalise_source(_EMPTY_MODULE.code_for_node(node))


def signature_of(function: cst.FunctionDef, qualname: Optional[str] = None) -> str:
    """``Qual.name(param, *args, key, **kwargs)``: the function's qualified name and parameter
    names. Annotations, defaults, decorators and ``async`` are left out, because adding type hints
    or an unrelated decorator is not a change to the finding inside."""
    params = function.params
    parts: List[str] = [p.name.value for p in params.posonly_params]
    if params.posonly_params:
        parts.append("/")
    parts.extend(p.name.value for p in params.params)
    star = params.star_arg
    if isinstance(star, cst.Param):
        parts.append("*" + star.name.value)
    elif params.kwonly_params:
        parts.append("*")
    parts.extend(p.name.value for p in params.kwonly_params)
    if params.star_kwarg is not None:
        parts.append("**" + params.star_kwarg.name.value)
    return f"{qualname or function.name.value}({', '.join(parts)})"


def _nested_blocks(statement: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The statements directly inside a compound statement (bodies, else, except, finally,
    match cases), without looking into expressions: functions are only ever defined there."""
    for name in ("body", "orelse", "handlers", "finalbody", "cases"):
        part = getattr(statement, name, None)
        if part is None:
            continue
        for item in part if isinstance(part, (list, tuple)) else [part]:
            inner = getattr(item, "body", None)
            if isinstance(item, (cst.If, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase)):
                yield item
            elif isinstance(inner, (list, tuple)):
                yield from inner
            elif isinstance(item, cst.BaseStatement):
                yield item


def _functions(statement: cst.CSTNode, names: Tuple[str, ...] = ()) -> Iterator[Tuple[cst.FunctionDef, str]]:
    """Every function defined in ``statement`` (itself included), with its qualified name."""
    if isinstance(statement, cst.FunctionDef):
        qualname = ".".join(names + (statement.name.value,))
        yield statement, qualname
        names = names + (statement.name.value,)
    elif isinstance(statement, cst.ClassDef):
        names = names + (statement.name.value,)
    for inner in _nested_blocks(statement):
        yield from _functions(inner, names)


class Scopes:
    """The enclosing-function signature of reported nodes.

    The innermost function whose span holds the node's start is found from positions (which the
    finding needed anyway), so no extra walk over the syntax tree is made: libcst's visitors
    rebuild every node they pass, which would cost a fifth of the analysis.
    """

    def __init__(self, positions: Positions) -> None:
        self._positions = positions
        self._by_top: Dict[int, List[Tuple[Tuple[int, int], Tuple[int, int], str]]] = {}

    def _spans(self, top: cst.CSTNode) -> List[Tuple[Tuple[int, int], Tuple[int, int], str]]:
        spans = self._by_top.get(id(top))
        if spans is None:
            spans = []
            for function, qualname in _functions(top):
                line, col, end_line, end_col = self._positions.span(function, top)
                spans.append(((line, col), (end_line, end_col), signature_of(function, qualname)))
            self._by_top[id(top)] = spans
        return spans

    def of(self, node: cst.CSTNode, top: Optional[cst.CSTNode]) -> str:
        """The normalised signature of the function ``node`` is in ("" at module level or when
        ``top``, the module-level statement holding ``node``, is unknown)."""
        if top is None:
            return ""
        line, col, _, _ = self._positions.span(node, top)
        best: Optional[Tuple[Tuple[int, int], str]] = None
        for start, end, signature in self._spans(top):
            if start <= (line, col) < end and (best is None or start > best[0]):
                best = (start, signature)
        return best[1] if best is not None else ""


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
