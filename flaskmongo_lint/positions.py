"""Line and column (start and end) of the nodes a finding points at, without a position pass over the whole file.

libcst's PositionProvider regenerates the code of the entire module to count lines: on a file
with one finding that costs more than parsing it. Instead, only the innermost statement holding
a finding is regenerated, on its own, with the indentation of the blocks around it, and that
statement's first line in the file comes from CPython's ``ast`` tree of the file (statement lists
of the two trees are walked side by side down to it). When the innermost statement is not known,
or the trees cannot be matched, the module-level statement is regenerated instead (a small module
of one statement): top-level statements sit at column 0, so columns need no shift. Either way the
code generation stops after the last node asked for.
"""
from __future__ import annotations

import ast
import re
from contextlib import contextmanager
from typing import Dict, Iterator, List, Mapping, Optional, Set, Tuple

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
        self._python_tops: Dict[int, ast.stmt] = {}
        self._units: Dict[int, Optional[Tuple[int, Tuple[str, ...]]]] = {}  # id(stmt) -> (first line, indents)
        self._by_statement: Dict[int, Tuple[int, Dict[cst.CSTNode, CodeRange]]] = {}
        self._complete: Set[int] = set()  # statements whose every node has its range
        self._wanted: Dict[int, Set[cst.CSTNode]] = {}
        self._whole: Optional[Dict[cst.CSTNode, CodeRange]] = None

    def want(self, node: cst.CSTNode, top: Optional[cst.CSTNode], stmt: Optional[cst.CSTNode] = None) -> None:
        """Say beforehand that ``node`` (in ``stmt``, in ``top``) will be asked for: the
        statement's code is then generated only as far as the last node wanted, once."""
        unit = stmt if stmt is not None and self._unit(top, stmt) is not None else top
        if unit is not None and id(unit) not in self._by_statement:
            self._wanted.setdefault(id(unit), set()).add(node)

    def of(self, node: cst.CSTNode, top: Optional[cst.CSTNode], stmt: Optional[cst.CSTNode] = None) -> Tuple[int, int]:
        """(line, column), both 1-based, of ``node`` inside the module-level statement ``top``."""
        line, col, _, _ = self.span(node, top, stmt)
        return line, col

    def span(self, node: cst.CSTNode, top: Optional[cst.CSTNode],
             stmt: Optional[cst.CSTNode] = None) -> Tuple[int, int, int, int]:
        """(line, column, end line, end column) of ``node`` inside the module-level statement
        ``top`` (and inside ``stmt``, the innermost statement holding it, if known): 1-based,
        the end exclusive (the column after the node's last character), which is how SARIF
        regions and LSP ranges count."""
        found, offset = self._range(node, top, stmt)
        return found.start.line + offset, found.start.column + 1, found.end.line + offset, found.end.column + 1

    def _range(self, node: cst.CSTNode, top: Optional[cst.CSTNode],
               stmt: Optional[cst.CSTNode]) -> Tuple[CodeRange, int]:
        """libcst's range of ``node`` (columns 0-based) and the line offset to add to it."""
        if top is not None and stmt is not None and stmt is not top:
            unit = self._unit(top, stmt)
            if unit is not None:
                first_line, indents = unit
                offset, ranges = self._statement(stmt, first_line, top, indents)
                found = ranges.get(node)
                if found is None and id(stmt) not in self._complete:
                    del self._by_statement[id(stmt)]
                    offset, ranges = self._statement(stmt, first_line, top, indents)
                    found = ranges.get(node)
                if found is not None:
                    return found, offset
        if top is not None:
            first_lines = self._statement_lines()
            if first_lines is not None and id(top) in first_lines:
                offset, ranges = self._statement(top, first_lines[id(top)], top)
                found = ranges.get(node)
                if found is None and id(top) not in self._complete:
                    # Generated only up to the nodes wanted then: this one comes later.
                    del self._by_statement[id(top)]
                    offset, ranges = self._statement(top, first_lines[id(top)], top)
                    found = ranges.get(node)
                if found is not None:
                    return found, offset
        return self._from_whole(node), 0

    def _statement(self, stmt: cst.CSTNode, first_line: int, top: cst.CSTNode,
                   indents: Tuple[str, ...] = ()) -> Tuple[int, Dict[cst.CSTNode, CodeRange]]:
        """The ranges in ``stmt``, generated alone inside blocks indented by ``indents`` (none
        for a module-level statement), and the line offset that places them in the file."""
        cached = self._by_statement.get(id(stmt))
        if cached is None:
            wanted = self._wanted.pop(id(stmt), None)
            # The file's own indentation: blocks indented by the default store none of their own.
            default = self._indents.get(id(top), self.module.default_indent)
            ranges = _ranges(stmt, default, self.module.default_newline, indents, wanted)
            if wanted is None:
                self._complete.add(id(stmt))
            leading = len(getattr(stmt, "leading_lines", ()))
            cached = (first_line - (leading + 1), ranges)
            self._by_statement[id(stmt)] = cached
        return cached

    def _unit(self, top: Optional[cst.CSTNode], stmt: cst.CSTNode) -> Optional[Tuple[int, Tuple[str, ...]]]:
        """(first line in the file, indentation of the enclosing blocks) of the statement
        ``stmt`` inside the module-level ``top``, or None when the trees do not match."""
        if id(stmt) in self._units:
            return self._units[id(stmt)]
        found: Optional[Tuple[int, Tuple[str, ...]]] = None
        lines = self._statement_lines()
        python = self._python_tops.get(id(top)) if lines is not None and top is not None else None
        if python is not None and top is not None:
            default = self._indents.get(id(top), self.module.default_indent)
            located = _descend(top, python, stmt, (), default)
            if located is not None:
                at, indents = located
                found = (_first_line(at), indents)
        self._units[id(stmt)] = found
        return found

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
                lines[id(stmt)] = _first_line(node)
                self._python_tops[id(stmt)] = node
                index += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
            self._first_lines = lines
        return self._first_lines

    def _from_whole(self, node: cst.CSTNode) -> CodeRange:
        if self._whole is None:
            self._whole = _whole_ranges(self.module)
        return self._whole[node]


def _first_line(node: ast.stmt) -> int:
    """The line a statement starts on: its first decorator's, for a decorated definition."""
    decorators = getattr(node, "decorator_list", None)
    return min([d.lineno for d in decorators] + [node.lineno]) if decorators else node.lineno


def _descend(node: cst.CSTNode, python: ast.stmt, target: cst.CSTNode, indents: Tuple[str, ...],
             default: str) -> Optional[Tuple[ast.stmt, Tuple[str, ...]]]:
    """CPython's statement for ``target`` inside ``node`` (whose CPython statement is
    ``python``), and the indentation of the blocks around it; None if not found or the two
    trees do not match."""
    if node is target:
        return python, indents
    for block, statements in _blocks(node, python):
        if not isinstance(block, cst.IndentedBlock):
            continue
        inner = indents
        if isinstance(node, cst.Match):  # the cases are a block of their own
            inner += (node.indent if node.indent is not None else default,)
        inner += (block.indent if block.indent is not None else default,)
        index = 0
        for child in block.body:
            if index >= len(statements):
                return None
            found = _descend(child, statements[index], target, inner, default)
            if found is not None:
                return found
            index += len(child.body) if isinstance(child, cst.SimpleStatementLine) else 1
    if isinstance(node, cst.If) and isinstance(node.orelse, cst.If):
        # elif: the next ``if`` of the chain, the only statement of CPython's ``orelse``
        if isinstance(python, ast.If) and len(python.orelse) == 1:
            return _descend(node.orelse, python.orelse[0], target, indents, default)
    return None


_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_TRY_STAR = getattr(ast, "TryStar", ast.Try)


def _blocks(node: cst.CSTNode, python: ast.stmt) -> List[Tuple[cst.BaseSuite, List[ast.stmt]]]:
    """The blocks of a compound statement paired with CPython's statement lists for them; no
    pairs when the kinds of the two statements differ."""
    out: List[Tuple[cst.BaseSuite, List[ast.stmt]]] = []
    if isinstance(node, cst.If) and isinstance(python, ast.If):
        out.append((node.body, python.body))
        if isinstance(node.orelse, cst.Else):
            out.append((node.orelse.body, python.orelse))
    elif isinstance(node, (cst.For, cst.While)) and isinstance(python, _LOOPS):
        out.append((node.body, python.body))
        if node.orelse is not None:
            out.append((node.orelse.body, python.orelse))
    elif isinstance(node, (cst.Try, cst.TryStar)) and isinstance(python, (ast.Try, _TRY_STAR)):
        out.append((node.body, python.body))
        if len(node.handlers) == len(python.handlers):
            out.extend((h.body, p.body) for h, p in zip(node.handlers, python.handlers))
        if node.orelse is not None:
            out.append((node.orelse.body, python.orelse))
        if node.finalbody is not None:
            out.append((node.finalbody.body, python.finalbody))
    elif isinstance(node, cst.With) and isinstance(python, (ast.With, ast.AsyncWith)):
        out.append((node.body, python.body))
    elif isinstance(node, cst.FunctionDef) and isinstance(python, (ast.FunctionDef, ast.AsyncFunctionDef)):
        out.append((node.body, python.body))
    elif isinstance(node, cst.ClassDef) and isinstance(python, ast.ClassDef):
        out.append((node.body, python.body))
    elif isinstance(node, cst.Match) and type(python).__name__ == "Match":
        cases = getattr(python, "cases", [])
        if len(node.cases) == len(cases):
            out.extend((c.body, p.body) for c, p in zip(node.cases, cases))
    return out


class _Ranges:
    """What libcst's position-providing codegen state writes into (a provider's ``_computed``)."""

    __slots__ = ("_computed",)

    def __init__(self) -> None:
        self._computed: Dict[cst.CSTNode, CodeRange] = {}


class _Enough(Exception):
    """Every wanted node has its range: the rest of the code need not be generated."""


class _UntilState(PositionProvidingCodegenState):
    """libcst's position-providing codegen, stopping once the wanted nodes are done."""

    def __init__(self, indent: str, newline: str, sink: _Ranges, wanted: Set[cst.CSTNode]) -> None:
        super().__init__(default_indent=indent, default_newline=newline, provider=sink)
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


def _ranges(stmt: cst.CSTNode, indent: str, newline: str, indents: Tuple[str, ...] = (),
            wanted: Optional[Set[cst.CSTNode]] = None) -> Dict[cst.CSTNode, CodeRange]:
    """The syntactic range of the nodes of the statement ``stmt`` (of every node, or of every
    node up to the last of ``wanted``), generated inside blocks indented by ``indents``:
    libcst's PositionProvider, without the MetadataWrapper around it (which walks the whole tree
    once more with an empty visitor), and without the rest of the module."""
    sink = _Ranges()
    state = _UntilState(indent, newline, sink, wanted) if wanted else \
        PositionProvidingCodegenState(default_indent=indent, default_newline=newline, provider=sink)
    state.indent_tokens = list(indents)
    try:
        stmt._codegen(state)
    except _Enough:
        pass
    return sink._computed


def _whole_ranges(module: cst.Module) -> Dict[cst.CSTNode, CodeRange]:
    """Every node's range in the whole module (the fallback when ``ast`` cannot map statements)."""
    sink = _Ranges()
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
