"""Line and column (start and end) of the nodes a finding points at, without a position pass over the whole file.

libcst's PositionProvider regenerates the code of the entire module to count lines: on a file
with one finding that costs more than parsing it. Instead, each finding's module-level statement
is regenerated on its own (a small module of one statement), and the statement's first line in the
file comes from the standard ``ast`` parser, which is written in C and about fifty times cheaper.
Top-level statements sit at column 0, so columns need no shift.
"""
from __future__ import annotations

import ast
import re
from contextlib import contextmanager
from typing import Dict, Iterator, Mapping, Optional, Set, Tuple

import libcst as cst
from libcst._position import CodePosition
from libcst.metadata import CodeRange
from libcst.metadata.position_provider import PositionProvidingCodegenState


class Positions:
    def __init__(self, module: cst.Module, source: bytes, python: Optional[ast.Module] = None,
                 indents: Optional[Mapping[int, str]] = None) -> None:
        """``python``: CPython's tree of ``source``, if the caller has it (else parsed here when
        needed); ``indents``: the default indentation of each statement of a module put
        together from pieces (see :mod:`flaskmongo_lint.parsing`)."""
        self.module = module
        self.source = source
        self._python = python
        self._indents = indents or {}
        self._first_lines: Optional[Dict[int, int]] = None
        self._by_statement: Dict[int, Tuple[int, Dict[cst.CSTNode, CodeRange]]] = {}
        self._complete: Set[int] = set()  # statements whose every node has its range
        self._wanted: Dict[int, Set[cst.CSTNode]] = {}
        self._whole: Optional[Dict[cst.CSTNode, CodeRange]] = None

    def want(self, node: cst.CSTNode, top: Optional[cst.CSTNode]) -> None:
        """Say beforehand that ``node`` (in ``top``) will be asked for: the statement's code is
        then generated only as far as the last node wanted, once."""
        if top is not None and id(top) not in self._by_statement:
            self._wanted.setdefault(id(top), set()).add(node)

    def of(self, node: cst.CSTNode, top: Optional[cst.CSTNode]) -> Tuple[int, int]:
        """(line, column), both 1-based, of ``node`` inside the module-level statement ``top``."""
        line, col, _, _ = self.span(node, top)
        return line, col

    def span(self, node: cst.CSTNode, top: Optional[cst.CSTNode]) -> Tuple[int, int, int, int]:
        """(line, column, end line, end column) of ``node`` inside the module-level statement
        ``top``: 1-based, the end exclusive (the column after the node's last character), which is
        how SARIF regions and LSP ranges count."""
        found, offset = self._range(node, top)
        return found.start.line + offset, found.start.column + 1, found.end.line + offset, found.end.column + 1

    def _range(self, node: cst.CSTNode, top: Optional[cst.CSTNode]) -> Tuple[CodeRange, int]:
        """libcst's range of ``node`` (columns 0-based) and the line offset to add to it."""
        if top is not None:
            first_lines = self._statement_lines()
            if first_lines is not None and id(top) in first_lines:
                offset, ranges = self._statement(top, first_lines[id(top)])
                found = ranges.get(node)
                if found is None and id(top) not in self._complete:
                    # Generated only up to the nodes wanted then: this one comes later.
                    del self._by_statement[id(top)]
                    offset, ranges = self._statement(top, first_lines[id(top)])
                    found = ranges.get(node)
                if found is not None:
                    return found, offset
        return self._from_whole(node), 0

    def _statement(self, top: cst.CSTNode, first_line: int) -> Tuple[int, Dict[cst.CSTNode, CodeRange]]:
        cached = self._by_statement.get(id(top))
        if cached is None:
            # The file's own indentation and newline: blocks that use the module's default
            # indentation store none of their own, and columns inside them depend on it.
            indent = self._indents.get(id(top), self.module.default_indent)
            mini = cst.Module(body=[top], default_indent=indent,  # type: ignore[list-item]
                              default_newline=self.module.default_newline)
            wanted = self._wanted.pop(id(top), None)
            ranges = _ranges(mini, wanted)
            if wanted is None:
                self._complete.add(id(top))
            leading = len(getattr(top, "leading_lines", ()))
            cached = (first_line - (leading + 1), ranges)
            self._by_statement[id(top)] = cached
        return cached

    def _statement_lines(self) -> Optional[Dict[int, int]]:
        """The file line of each module-level statement's first line (its first decorator)."""
        if self._first_lines is None:
            tree = self._python
            if tree is None:
                try:
                    tree = ast.parse(self.source)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    return None
            lines: Dict[int, int] = {}
            stmts = tree.body
            index = 0
            for stmt in self.module.body:
                if index >= len(stmts):
                    return None
                node = stmts[index]
                decorators = getattr(node, "decorator_list", None)
                lines[id(stmt)] = min([d.lineno for d in decorators] + [node.lineno]) if decorators else node.lineno
                index += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
            self._first_lines = lines
        return self._first_lines

    def _from_whole(self, node: cst.CSTNode) -> CodeRange:
        if self._whole is None:
            self._whole = _ranges(self.module)
        return self._whole[node]


class _Ranges:
    """What libcst's position-providing codegen state writes into (a provider's ``_computed``)."""

    __slots__ = ("_computed",)

    def __init__(self) -> None:
        self._computed: Dict[cst.CSTNode, CodeRange] = {}


class _Enough(Exception):
    """Every wanted node has its range: the rest of the code need not be generated."""


class _UntilState(PositionProvidingCodegenState):
    """libcst's position-providing codegen, stopping once the wanted nodes are done."""

    def __init__(self, module: cst.Module, sink: _Ranges, wanted: Set[cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline, provider=sink)
        self.left = set(wanted)

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if node in self.left:
            self.left.discard(node)
            if not self.left:
                raise _Enough

    @contextmanager
    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None,
                                  end_node: Optional[cst.CSTNode] = None) -> Iterator[None]:
        # libcst's own, except that a stop half-way records nothing (its children are not done).
        start = CodePosition(self.line, self.column)
        yield
        end = CodePosition(self.line, self.column)
        computed = self.provider._computed
        start = computed[start_node].start if start_node is not None else start
        end = computed[end_node].end if end_node is not None else end
        computed[node] = CodeRange(start, end)


def _ranges(module: cst.Module, wanted: Optional[Set[cst.CSTNode]] = None) -> Dict[cst.CSTNode, CodeRange]:
    """The syntactic range of the nodes of ``module`` (of every node, or of every node up to the
    last of ``wanted``): libcst's PositionProvider, without the MetadataWrapper around it (which
    walks the whole tree once more with an empty visitor)."""
    sink = _Ranges()
    if wanted:
        try:
            module._codegen(_UntilState(module, sink, wanted))
        except _Enough:
            pass
        return sink._computed
    state = PositionProvidingCodegenState(
        default_indent=module.default_indent, default_newline=module.default_newline, provider=sink,
    )
    module._codegen(state)
    return sink._computed


_ERROR_AT = re.compile(r"error at (\d+):(\d+)(?:: )?")


def parse_error(exc: cst.ParserSyntaxError, source: bytes) -> Tuple[int, int, str]:
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
            ast.parse(source)
        except SyntaxError as error:
            if error.lineno:
                line, col = error.lineno, error.offset or 1
        except (ValueError, MemoryError, RecursionError):
            pass
    lines = source.decode("utf-8", errors="replace").splitlines() or [""]
    if line > len(lines):
        line, col = len(lines), len(lines[-1]) + 1
    line = max(line, 1)
    col = max(1, min(col, len(lines[line - 1]) + 1))
    return line, col, _ERROR_AT.sub("", exc.message, count=1)
