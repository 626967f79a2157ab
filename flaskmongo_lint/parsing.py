"""The front door of the parser: what CPython itself refuses never reaches libcst, and a large
file is parsed in pieces.

libcst's native parser has no nesting limit of its own: three thousand nested parentheses
overflow its stack and the process dies with a segfault, and very long operator chains or very
large files cost it minutes and gigabytes. CPython refuses the same inputs cheaply (more than 200
nested brackets, an expression deeper than its recursion limit, an invalid ``\\N{...}`` escape),
so every file is first compiled to an ``ast`` tree, with warnings silenced, and a file CPython
rejects for one of those reasons is FM001 with CPython's own message. The ``ast`` tree is kept:
it gives the first line of each module-level statement, which the positions of findings need.

Any other syntax error is left to libcst to judge: the running interpreter may be older than the
code (a ``match`` statement read by Python 3.9), and libcst knows newer grammar.

A file larger than :data:`CHUNK_BYTES` is parsed as a series of smaller modules cut between
module-level statements, and their statements are put together in one module: libcst's peak
memory grows with the size of what it parses at once, and the statements come out the same.
"""
from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Union

if TYPE_CHECKING:  # libcst is imported when a file is parsed, not when this module is
    import libcst as cst

# Files above this size are parsed in pieces of about this size.
CHUNK_BYTES = 256 * 1024

# CPython messages that say the input is beyond its limits or not valid text, not merely newer
# grammar: such a file is rejected before libcst sees it.
_REFUSED = re.compile(
    r"too many nested|too many statically nested|too deeply nested|unicode error|"
    r"cannot contain null bytes|maximum recursion depth",
    re.IGNORECASE,
)
_NEWLINE = re.compile(r"\r\n|\r|\n")
# CPython's default recursion limit: whether a deep expression compiles must not depend on the
# limit the analysis raises for itself.
PYTHON_RECURSION_LIMIT = 1000
# Python 3.11 and later refuse expressions nested deeper than their C stack allows; 3.9 and 3.10
# compile them, and libcst's parser then overflows its stack (an 8,000-term ``+`` chain). On those
# versions a file nested deeper than this is refused as 3.11 would refuse it.
OLD_PYTHON_DEPTH = 3000
GUARD_DEPTH = sys.version_info < (3, 11)


@dataclass(frozen=True)
class Refused:
    """Why a file is not analysed: 1-based line and column, and a message for FM001."""

    line: int
    column: int
    message: str


@dataclass
class Parsed:
    """A parsed file: libcst's tree, CPython's (None when CPython could not read it but libcst
    could), and, for a file parsed in pieces, each statement's own default indentation."""

    tree: "cst.Module"
    python: Optional[ast.Module]
    indents: Dict[int, str] = field(default_factory=dict)  # id(statement) -> indentation


def python_tree(text: str, path: str) -> Union[ast.Module, Refused, None]:
    """CPython's ``ast`` of ``text``; a :class:`Refused` when CPython refuses it for a reason
    libcst cannot be trusted with (nesting, depth, invalid escapes or bytes); None for another
    syntax error, which libcst judges."""
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(PYTHON_RECURSION_LIMIT)
        with warnings.catch_warnings():
            # Invalid escape sequences are warnings in 3.12+: noise on stderr, not a finding.
            warnings.simplefilter("ignore")
            tree: ast.Module = compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        if GUARD_DEPTH and _deeper_than(tree, OLD_PYTHON_DEPTH):
            return Refused(1, 1, f"Python cannot compile this file: its expressions are nested too deeply "
                                 f"(more than {OLD_PYTHON_DEPTH} levels)")
        return tree
    except SyntaxError as exc:
        message = " ".join(str(exc.msg).split())
        if _REFUSED.search(message):
            return Refused(exc.lineno or 1, exc.offset or 1, f"Python cannot compile this file: {message}")
        return None
    except (RecursionError, MemoryError):
        return Refused(1, 1, "Python cannot compile this file: its expressions are nested too deeply")
    except ValueError as exc:  # null bytes, on some versions
        return Refused(1, 1, f"Python cannot compile this file: {' '.join(str(exc).split())}")
    finally:
        sys.setrecursionlimit(limit)


def _deeper_than(tree: ast.AST, limit: int) -> bool:
    """Whether some node of ``tree`` lies more than ``limit`` levels down (walked without
    recursion: the tree may be as deep as the file is long)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


def decode(source: bytes) -> str:
    """The file's text as Python reads it (PEP 263 coding cookie, BOM, default UTF-8); raises
    SyntaxError, UnicodeDecodeError or LookupError when it cannot be read."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


def parse(text: str, path: str) -> Union[Parsed, Refused]:
    """libcst's tree of ``text`` (see the module docstring), or why it is refused. A syntax
    error that libcst finds raises :class:`libcst.ParserSyntaxError`, as ``parse_module`` does."""
    import libcst as cst

    python = python_tree(text, path)
    if isinstance(python, Refused):
        return python
    if python is not None and len(text) > CHUNK_BYTES:
        pieces = _pieces(text, python)
        if len(pieces) > 1:
            return _parse_pieces(pieces, python)
    return Parsed(cst.parse_module(text), python)


def _pieces(text: str, python: ast.Module) -> List[str]:
    """``text`` cut before module-level statements, each piece about CHUNK_BYTES long. A cut
    falls only at the start of a line where a statement (or its first decorator) begins and
    that no earlier statement reaches."""
    starts = [0]
    for found in _NEWLINE.finditer(text):
        starts.append(found.end())
    cuts: List[int] = []
    reached = 0  # the last line an earlier statement reaches
    for stmt in python.body:
        decorators = getattr(stmt, "decorator_list", None) or []
        first = min([d.lineno for d in decorators] + [stmt.lineno])
        if first > reached and first - 1 < len(starts):
            cuts.append(starts[first - 1])
        reached = max(reached, stmt.end_lineno or stmt.lineno)
    pieces: List[str] = []
    begin = 0
    for cut in cuts:
        if cut - begin >= CHUNK_BYTES:
            pieces.append(text[begin:cut])
            begin = cut
    pieces.append(text[begin:])
    return [p for p in pieces if p]


def _parse_pieces(pieces: List[str], python: ast.Module) -> Parsed:
    import libcst as cst

    body: List["cst.BaseStatement"] = []
    indents: Dict[int, str] = {}
    first: Optional["cst.Module"] = None
    last: Optional["cst.Module"] = None
    for piece in pieces:
        module = cst.parse_module(piece)
        if first is not None and (module.default_indent, module.default_newline) != (first.default_indent, first.default_newline):
            module = _own_defaults(module)
        first = first or module
        last = module
        for stmt in module.body:
            indents[id(stmt)] = module.default_indent
        body.extend(module.body)
    assert first is not None and last is not None
    tree = first.with_changes(body=body, footer=last.footer, has_trailing_newline=last.has_trailing_newline)
    return Parsed(tree, python, indents)


def _own_defaults(module: "cst.Module") -> "cst.Module":
    """``module`` with its default indentation and newline written into every block and line
    end that relied on them, so its statements print the same inside a module whose defaults
    differ (a piece indented with tabs after one indented with spaces)."""
    import libcst as cst

    indent, newline = module.default_indent, module.default_newline

    class Explicit(cst.CSTTransformer):
        def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
            return updated if updated.indent is not None else updated.with_changes(indent=indent)

        def leave_Newline(self, original: cst.Newline, updated: cst.Newline) -> cst.Newline:
            return updated if updated.value is not None else updated.with_changes(value=newline)

    return module.visit(Explicit())  # type: ignore[return-value]


def refused_size(size: int, limit: int) -> Refused:
    """The FM001 of a file larger than ``max-file-size``."""
    return Refused(1, 1, f"file is {_size(size)}, larger than max-file-size ({_size(limit)}): not analysed")


def _size(n: int) -> str:
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


__all__ = ["CHUNK_BYTES", "Parsed", "Refused", "decode", "parse", "python_tree", "refused_size"]
