"""The front door of the parser: CPython parses, and what it refuses never reaches libcst.

Every file is compiled to an ``ast`` tree (warnings silenced), and turned into the syntax tree
the analysis reads (:mod:`flaskmongo_lint.syntax`). A file CPython refuses because it is beyond
its limits or not valid text (more than 200 nested brackets, an expression deeper than its
recursion limit, an invalid ``\\N{...}`` escape, null bytes) is FM001 with CPython's own message.

Any other syntax error is left to libcst to judge: the running interpreter may be older than the
code (a ``match`` statement read by Python 3.9), and libcst knows newer grammar. Such a file is
analysed from libcst's tree; one libcst rejects too raises :class:`libcst.ParserSyntaxError`.
"""
from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Tuple, Union

if TYPE_CHECKING:  # the syntax tree's classes (and libcst) are imported when a file is parsed
    import libcst

    from flaskmongo_lint import syntax

# CPython messages that say the input is beyond its limits or not valid text, not merely newer
# grammar: such a file is rejected before libcst sees it.
_REFUSED = re.compile(
    r"too many nested|too many statically nested|too deeply nested|unicode error|"
    r"cannot contain null bytes|maximum recursion depth",
    re.IGNORECASE,
)
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
    """A parsed file: its syntax tree (a :class:`flaskmongo_lint.syntax.Module`)."""

    tree: "syntax.Module"


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
    """The syntax tree of ``text`` (see the module docstring), or why it is refused (FM001): a
    syntax error as libcst reports it, or a limit of CPython's. Call with a raised recursion
    limit: the tree is as deep as the file's expressions."""
    python = python_tree(text, path)
    if isinstance(python, Refused):
        return python
    if python is None:
        import libcst

        from flaskmongo_lint.syntax import from_libcst

        try:
            tree = libcst.parse_module(text)
        except libcst.ParserSyntaxError as exc:
            line, col, message = parse_error(exc, text)
            return Refused(line, col, f"cannot parse: {message}")
        return Parsed(from_libcst.convert(tree, text))
    from flaskmongo_lint.syntax import from_ast

    return Parsed(from_ast.convert(python, text))


_ERROR_AT = re.compile(r"error at (\d+):(\d+)(?:: )?")


def parse_error(exc: "libcst.ParserSyntaxError", text: str) -> Tuple[int, int, str]:
    """(line, column, message) of a parse error: 1-based and inside the file.

    libcst's message says "error at L:C" with C counted from 0, which is more exact than
    raw_line/raw_column; at an unexpected end of file it names the line after the last one, and
    that becomes the end of the last line, so editors, SARIF viewers and ``--show-source`` have a
    real place to show. The "error at" part is cut from the message, which would contradict the
    finding's own (1-based) position.
    """
    found = _ERROR_AT.search(exc.message)
    if found:
        line, col = int(found.group(1)), int(found.group(2)) + 1
    else:
        # A tokenizer error ("unterminated string literal") is placed at the start of the file;
        # Python's own parser knows the line (the source is only parsed, never run).
        line, col = exc.raw_line, exc.raw_column + 1
        try:
            ast.parse(text)
        except SyntaxError as error:
            if error.lineno:
                line, col = error.lineno, error.offset or 1
        except (ValueError, MemoryError, RecursionError):
            pass
    lines = text.splitlines() or [""]
    if line > len(lines):
        line, col = len(lines), len(lines[-1]) + 1
    line = max(line, 1)
    col = max(1, min(col, len(lines[line - 1]) + 1))
    return line, col, _ERROR_AT.sub("", exc.message, count=1)


__all__ = ["Parsed", "Refused", "decode", "parse", "parse_error", "python_tree"]
