"""libcst's tree, as the nodes of :mod:`flaskmongo_lint.syntax.nodes`: for a file in grammar newer
than the running interpreter (a ``match`` statement read by Python 3.9), which CPython cannot
parse and libcst can.

The node classes carry libcst's names and fields, so the copy is by name; what differs is kept
as the ``ast`` conversion gives it: literals hold their evaluated value, a one-line suite is an
``IndentedBlock`` of one ``SimpleStatementLine``, an absent field is None. Positions come from
libcst's ``PositionProvider`` (character columns, turned into CPython's UTF-8 byte columns).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import libcst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from flaskmongo_lint.syntax import nodes as n
from flaskmongo_lint.syntax.nodes import Source

_LITERALS = ("SimpleString", "Integer", "Float", "Imaginary")


def convert(tree: libcst.Module, text: str) -> n.CSTNode:
    """The syntax ``Module`` of libcst's ``tree`` of ``text`` (call with a raised recursion limit)."""
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    ranges = wrapper.resolve(PositionProvider)
    return _Copy(Source(text), ranges).node(tree)


class _Copy:
    def __init__(self, source: Source, ranges: Any) -> None:
        self.source = source
        self.ranges: Dict[libcst.CSTNode, CodeRange] = ranges

    def place(self, node: libcst.CSTNode) -> Optional[n.Place]:
        found = self.ranges.get(node)
        if found is None:
            return None
        return (found.start.line, self.byte(found.start.line, found.start.column), found.end.line,
                self.byte(found.end.line, found.end.column), self.source)

    def byte(self, line: int, column: int) -> int:
        lines = self.source.lines
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return len(text[:column].encode("utf-8", "surrogatepass"))

    def node(self, node: libcst.CSTNode) -> Optional[n.CSTNode]:
        name = type(node).__name__
        at = self.place(node)
        if name in _LITERALS:
            try:
                value = node.evaluated_value  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - an invalid escape: a literal with no value
                value = None
            return n.node_class(name)(evaluated_value=value, _p=at)  # type: ignore[call-arg]
        if name == "SimpleStatementSuite":
            body = [self.node(s) for s in node.body]  # type: ignore[attr-defined]
            return n.IndentedBlock(body=[n.SimpleStatementLine(body=body, _p=at)], _p=at)
        if name == "Raise":
            cause = node.cause  # type: ignore[attr-defined]
            return n.Raise(exc=self.value(node.exc), cause=self.node(cause) if cause is not None else None,  # type: ignore[attr-defined]
                           _p=at)
        cls = n.node_class(name)
        if cls is None:
            return None
        fields = {slot: self.value(getattr(node, slot, None)) for slot in cls.__slots__}
        if name in ("Param", "Arg"):
            fields["star"] = node.star if isinstance(node.star, str) else ""  # type: ignore[attr-defined]
        return cls(**fields, _p=at)

    def value(self, value: Any) -> Any:
        if isinstance(value, libcst.CSTNode):
            return self.node(value)
        if isinstance(value, (list, tuple)):
            return [c for c in (self.node(v) for v in value if isinstance(v, libcst.CSTNode)) if c is not None]
        if isinstance(value, (str, int, float, complex, bytes)) and not isinstance(value, bool):
            return value
        return None  # MaybeSentinel, whitespace


__all__ = ["convert"]
