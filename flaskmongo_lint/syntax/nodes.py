"""The syntax tree the analysis reads: libcst's node names and fields, without its whitespace.

The analysis was written against libcst's node model (``Call.args`` of ``Arg``s, ``If.orelse``
an ``If`` for ``elif``, ``Subscript.slice`` a list of ``SubscriptElement``s ...). Building libcst's
own tree costs about six times CPython's parse and more than the whole analysis (every token's
whitespace is a node, every node is a validated dataclass). These classes keep the same names and
fields, so a rule or transfer function reads as before, but hold only what the analysis asks:
they are built from CPython's ``ast`` (:mod:`flaskmongo_lint.syntax.from_ast`), or, for grammar
newer than the running interpreter, from libcst's tree (:mod:`flaskmongo_lint.syntax.from_libcst`).

Every node carries its place (``_p``: line, column, end line, end column, as CPython counts them:
1-based lines, 0-based columns in UTF-8 bytes; and the :class:`Source` it is in), so a finding's
position and the code it quotes cost nothing to compute. Equality and hashing are by identity, as
libcst's are.
"""
from __future__ import annotations

import re
import typing as t

Place = t.Tuple[int, int, int, int, "Source"]
# str.splitlines() also ends lines at a form feed, \x1c-\x1e, \x85, \u2028 and \u2029; CPython's
# line numbers (which every place counts in) end them only at \n, \r\n and \r.
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class Source:
    """One file's text, for the code a node spans: lines split as CPython splits them."""

    __slots__ = ("text", "lines", "_encoded")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: t.List[str] = _LINES.findall(text) if _OTHER_BREAKS.search(text) else text.splitlines(True)
        self._encoded: t.Dict[int, bytes] = {}

    def encoded(self, line: int) -> bytes:
        """Line ``line`` (1-based) in UTF-8, which CPython's columns count."""
        found = self._encoded.get(line)
        if found is None:
            text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            found = self._encoded[line] = text.encode("utf-8", "surrogatepass")
        return found

    def column(self, line: int, offset: int) -> int:
        """The character column (0-based) of the UTF-8 byte ``offset`` in line ``line``."""
        if 0 < line <= len(self.lines) and self.lines[line - 1].isascii():
            return offset
        return len(self.encoded(line)[:offset].decode("utf-8", "replace"))

    def segment(self, line: int, col: int, end_line: int, end_col: int) -> str:
        """The text between two CPython positions."""
        if line == end_line:
            return self.encoded(line)[col:end_col].decode("utf-8", "replace")
        parts = [self.encoded(line)[col:].decode("utf-8", "replace")]
        parts.extend(self.lines[line:end_line - 1])
        parts.append(self.encoded(end_line)[:end_col].decode("utf-8", "replace"))
        return "".join(parts)


class CSTNode:
    """Any node. ``_fields``: the attributes holding child nodes, in source order."""

    __slots__ = ("_p",)
    _fields: t.Tuple[str, ...] = ()

    @property
    def children(self) -> t.List["CSTNode"]:
        """The child nodes, in source order (as libcst's ``children``)."""
        out: t.List[CSTNode] = []
        for name in self._fields:
            value = getattr(self, name)
            if isinstance(value, CSTNode):
                out.append(value)
            elif isinstance(value, (list, tuple)):
                out.extend(v for v in value if isinstance(v, CSTNode))
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={getattr(self, k)!r}' for k in self._fields)})"


class BaseExpression(CSTNode):
    __slots__ = ()


class BaseStatement(CSTNode):
    __slots__ = ()


class BaseSmallStatement(CSTNode):
    __slots__ = ()


class BaseCompoundStatement(BaseStatement):
    __slots__ = ()


class BaseSuite(CSTNode):
    __slots__ = ()


class BaseOperator(CSTNode):
    __slots__ = ()


class BaseCompOp(BaseOperator):
    __slots__ = ()


class BaseMatchPattern(CSTNode):
    __slots__ = ()


class BaseElement(CSTNode):
    __slots__ = ()


class BaseDictElement(CSTNode):
    __slots__ = ()


class BaseString(BaseExpression):
    __slots__ = ()


class BaseNumber(BaseExpression):
    __slots__ = ()


_CLASSES: t.Dict[str, t.Type[CSTNode]] = {}


def _define(name: str, base: t.Type[CSTNode], fields: str = "", data: str = "") -> t.Type[CSTNode]:
    """A node class with child ``fields`` and plain-value ``data`` attributes, each a keyword
    argument of its constructor (default None; ``_p`` last)."""
    children = tuple(fields.split())
    values = tuple(data.split())
    names = children + values
    params = "".join(f", {n}=None" for n in names)
    body = "".join(f"\n    self.{n} = {n}" for n in names) or "\n    pass"
    namespace: t.Dict[str, t.Any] = {}
    exec(f"def __init__(self{params}, _p=None):{body}\n    self._p = _p", namespace)  # noqa: S102 - fixed text
    cls = type(name, (base,), {"__slots__": names, "_fields": children, "__init__": namespace["__init__"],
                               "__module__": __name__})
    _CLASSES[name] = cls
    return cls


# ----------------------------------------------------------------------------------- module, suites
Module = _define("Module", CSTNode, "body")
IndentedBlock = _define("IndentedBlock", BaseSuite, "body")
SimpleStatementSuite = _define("SimpleStatementSuite", BaseSuite, "body")  # never built: kept for readers
SimpleStatementLine = _define("SimpleStatementLine", BaseStatement, "body")
Else = _define("Else", CSTNode, "body")
Finally = _define("Finally", CSTNode, "body")

# ------------------------------------------------------------------------------- small statements
Expr = _define("Expr", BaseSmallStatement, "value")
Assign = _define("Assign", BaseSmallStatement, "targets value")
AssignTarget = _define("AssignTarget", CSTNode, "target")
AnnAssign = _define("AnnAssign", BaseSmallStatement, "target annotation value")
Annotation = _define("Annotation", CSTNode, "annotation")
AugAssign = _define("AugAssign", BaseSmallStatement, "target operator value")
Return = _define("Return", BaseSmallStatement, "value")
Raise = _define("Raise", BaseSmallStatement, "exc cause")
Assert = _define("Assert", BaseSmallStatement, "test msg")
Del = _define("Del", BaseSmallStatement, "target")
Pass = _define("Pass", BaseSmallStatement)
Break = _define("Break", BaseSmallStatement)
Continue = _define("Continue", BaseSmallStatement)
Global = _define("Global", BaseSmallStatement, "names")
Nonlocal = _define("Nonlocal", BaseSmallStatement, "names")
NameItem = _define("NameItem", CSTNode, "name")
Import = _define("Import", BaseSmallStatement, "names")
ImportFrom = _define("ImportFrom", BaseSmallStatement, "module names", "relative")
ImportAlias = _define("ImportAlias", CSTNode, "name asname")
ImportStar = _define("ImportStar", CSTNode)
AsName = _define("AsName", CSTNode, "name")
TypeAlias = _define("TypeAlias", BaseSmallStatement, "name value")

# ---------------------------------------------------------------------------- compound statements
FunctionDef = _define("FunctionDef", BaseCompoundStatement, "decorators name params returns body", "asynchronous")
Decorator = _define("Decorator", CSTNode, "decorator")
Parameters = _define("Parameters", CSTNode, "posonly_params params star_arg kwonly_params star_kwarg")
Param = _define("Param", CSTNode, "name annotation default", "star")
ParamStar = _define("ParamStar", CSTNode)
ClassDef = _define("ClassDef", BaseCompoundStatement, "decorators name bases keywords body")
If = _define("If", BaseCompoundStatement, "test body orelse")
For = _define("For", BaseCompoundStatement, "target iter body orelse", "asynchronous")
While = _define("While", BaseCompoundStatement, "test body orelse")
Try = _define("Try", BaseCompoundStatement, "body handlers orelse finalbody")
TryStar = _define("TryStar", BaseCompoundStatement, "body handlers orelse finalbody")
ExceptHandler = _define("ExceptHandler", CSTNode, "type name body")
ExceptStarHandler = _define("ExceptStarHandler", CSTNode, "type name body")
With = _define("With", BaseCompoundStatement, "items body", "asynchronous")
WithItem = _define("WithItem", CSTNode, "item asname")
Match = _define("Match", BaseCompoundStatement, "subject cases")
MatchCase = _define("MatchCase", CSTNode, "pattern guard body")

# ------------------------------------------------------------------------------- match patterns
MatchAs = _define("MatchAs", BaseMatchPattern, "pattern name")
MatchValue = _define("MatchValue", BaseMatchPattern, "value")
MatchSingleton = _define("MatchSingleton", BaseMatchPattern, "value")
MatchList = _define("MatchList", BaseMatchPattern, "patterns")
MatchTuple = _define("MatchTuple", BaseMatchPattern, "patterns")
MatchSequenceElement = _define("MatchSequenceElement", CSTNode, "value")
MatchStar = _define("MatchStar", CSTNode, "name")
MatchMapping = _define("MatchMapping", BaseMatchPattern, "elements rest")
MatchMappingElement = _define("MatchMappingElement", CSTNode, "key pattern")
MatchClass = _define("MatchClass", BaseMatchPattern, "cls patterns kwds")
MatchKeywordElement = _define("MatchKeywordElement", CSTNode, "key pattern")
MatchOr = _define("MatchOr", BaseMatchPattern, "patterns")
MatchOrElement = _define("MatchOrElement", CSTNode, "pattern")

# ------------------------------------------------------------------------------------ expressions
Name = _define("Name", BaseExpression, "", "value")
Attribute = _define("Attribute", BaseExpression, "value attr")
Call = _define("Call", BaseExpression, "func args")
Arg = _define("Arg", CSTNode, "keyword value", "star")
Subscript = _define("Subscript", BaseExpression, "value slice")
SubscriptElement = _define("SubscriptElement", CSTNode, "slice")
Index = _define("Index", CSTNode, "value", "star")
Slice = _define("Slice", CSTNode, "lower upper step")
# Strings and numbers hold their value as Python evaluates it (``evaluated_value``); ``value``
# is the text as written, read from the source when asked.
SimpleString = _define("SimpleString", BaseString, "", "evaluated_value")
ConcatenatedString = _define("ConcatenatedString", BaseString, "left right")
FormattedString = _define("FormattedString", BaseString, "parts")
FormattedStringText = _define("FormattedStringText", CSTNode, "", "value")
FormattedStringExpression = _define("FormattedStringExpression", CSTNode, "expression format_spec", "conversion")
Integer = _define("Integer", BaseNumber, "", "evaluated_value")
Float = _define("Float", BaseNumber, "", "evaluated_value")
Imaginary = _define("Imaginary", BaseNumber, "", "evaluated_value")
Ellipsis = _define("Ellipsis", BaseExpression)  # noqa: A001 - libcst's name
Tuple = _define("Tuple", BaseExpression, "elements")
List = _define("List", BaseExpression, "elements")
Set = _define("Set", BaseExpression, "elements")
Element = _define("Element", BaseElement, "value")
StarredElement = _define("StarredElement", BaseElement, "value")
Dict = _define("Dict", BaseExpression, "elements")
DictElement = _define("DictElement", BaseDictElement, "key value")
StarredDictElement = _define("StarredDictElement", BaseDictElement, "value")
BinaryOperation = _define("BinaryOperation", BaseExpression, "left operator right")
UnaryOperation = _define("UnaryOperation", BaseExpression, "operator expression")
BooleanOperation = _define("BooleanOperation", BaseExpression, "left operator right")
Comparison = _define("Comparison", BaseExpression, "left comparisons")
ComparisonTarget = _define("ComparisonTarget", CSTNode, "operator comparator")
IfExp = _define("IfExp", BaseExpression, "test body orelse")
Lambda = _define("Lambda", BaseExpression, "params body")
NamedExpr = _define("NamedExpr", BaseExpression, "target value")
Await = _define("Await", BaseExpression, "expression")
Yield = _define("Yield", BaseExpression, "value")
From = _define("From", CSTNode, "item")
ListComp = _define("ListComp", BaseExpression, "elt for_in")
SetComp = _define("SetComp", BaseExpression, "elt for_in")
GeneratorExp = _define("GeneratorExp", BaseExpression, "elt for_in")
DictComp = _define("DictComp", BaseExpression, "key value for_in")
CompFor = _define("CompFor", CSTNode, "target iter ifs inner_for_in", "asynchronous")
CompIf = _define("CompIf", CSTNode, "test")
Asynchronous = _define("Asynchronous", CSTNode)
Dot = _define("Dot", CSTNode)

# -------------------------------------------------------------------------------------- operators
_OPERATORS = {
    BaseOperator: "Add Subtract Multiply Divide FloorDivide Modulo Power MatrixMultiply LeftShift RightShift "
                  "BitOr BitAnd BitXor Not Minus Plus BitInvert And Or "
                  "AddAssign SubtractAssign MultiplyAssign DivideAssign FloorDivideAssign ModuloAssign "
                  "PowerAssign MatrixMultiplyAssign LeftShiftAssign RightShiftAssign BitOrAssign BitAndAssign "
                  "BitXorAssign",
    BaseCompOp: "Equal NotEqual LessThan LessThanEqual GreaterThan GreaterThanEqual In NotIn Is IsNot",
}
for _base, _names in _OPERATORS.items():
    for _name in _names.split():
        globals()[_name] = _define(_name, _base)
Add: t.Type[CSTNode]
Subtract: t.Type[CSTNode]
Not: t.Type[CSTNode]
And: t.Type[CSTNode]
Or: t.Type[CSTNode]
Equal: t.Type[CSTNode]
NotEqual: t.Type[CSTNode]
LessThan: t.Type[CSTNode]
LessThanEqual: t.Type[CSTNode]
GreaterThan: t.Type[CSTNode]
GreaterThanEqual: t.Type[CSTNode]
In: t.Type[CSTNode]
NotIn: t.Type[CSTNode]
Is: t.Type[CSTNode]
IsNot: t.Type[CSTNode]
Minus: t.Type[CSTNode]


def node_class(name: str) -> t.Optional[t.Type[CSTNode]]:
    """The class named ``name`` (libcst's name), if the tree has one."""
    return _CLASSES.get(name)


def walk(node: CSTNode) -> t.Iterator[CSTNode]:
    """``node`` and every node under it, parents first (iterative: trees may be deep)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


__all__ = sorted(_CLASSES) + [
    "BaseCompOp", "BaseCompoundStatement", "BaseDictElement", "BaseElement", "BaseExpression", "BaseMatchPattern",
    "BaseNumber", "BaseOperator", "BaseSmallStatement", "BaseStatement", "BaseString", "BaseSuite", "CSTNode",
    "Place", "Source", "code_of", "node_class", "span", "walk",
]


def span(node: CSTNode) -> t.Tuple[int, int, int, int]:
    """(line, column, end line, end column) of ``node``: 1-based, columns in characters, the end
    exclusive (the column after the node's last character), as SARIF regions and LSP ranges count."""
    place = node._p
    if place is None:
        return 1, 1, 1, 1
    line, col, end_line, end_col, source = place
    return line, source.column(line, col) + 1, end_line, source.column(end_line, end_col) + 1


def code_of(node: CSTNode) -> str:
    """The source text of ``node``, as written."""
    place = node._p
    if place is None:
        return ""
    line, col, end_line, end_col, source = place
    return source.segment(line, col, end_line, end_col)
