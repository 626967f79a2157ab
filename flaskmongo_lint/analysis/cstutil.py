"""Small readers of libcst nodes shared by the collector and the interpreter."""
from __future__ import annotations

from typing import List, Optional, Sequence

import libcst as cst

_CODE_MODULE = cst.Module(body=[])


def code_of(node: cst.CSTNode) -> str:
    """The source text of a node (regenerated; whitespace as written)."""
    return _CODE_MODULE.code_for_node(node)


def dotted(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: List[str] = []
    node = expr
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def simple_name(expr: cst.BaseExpression) -> Optional[str]:
    """The last name of a callee-like expression: ``a.b(c)`` -> ``b``, ``x`` -> ``x``."""
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    if isinstance(expr, cst.Name):
        return expr.value
    return None


def string_value(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    """The value of a plain string literal, else None."""
    if isinstance(expr, cst.SimpleString):
        raw = expr.value
        quote = raw[-1]
        if raw[0] == quote and "\\" not in raw:
            # The common case, without libcst's evaluated_value (which compiles the literal).
            width = 3 if raw.startswith(quote * 3) and len(raw) >= 6 else 1
            return raw[width:-width]
        try:
            value = expr.evaluated_value
        except Exception:  # noqa: BLE001 - an invalid escape: not a string we can read
            return None
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        left, right = string_value(expr.left), string_value(expr.right)  # type: ignore[arg-type]
        if left is not None and right is not None:
            return left + right
    return None


def positional(call: cst.Call) -> List[cst.BaseExpression]:
    return [a.value for a in call.args if a.keyword is None and not a.star]


def keyword(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a.value
    return None


def argument(call: cst.Call, index: Optional[int], name: Optional[str]) -> Optional[cst.BaseExpression]:
    """Argument by keyword ``name`` or at position ``index``."""
    if name is not None:
        value = keyword(call, name)
        if value is not None:
            return value
    if index is None:
        return None
    pos = positional(call)
    return pos[index] if index < len(pos) else None


def suite(block: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    """The statements of an indented block, or the small statements of a one-line suite."""
    return block.body


def suites(stmt: cst.BaseCompoundStatement) -> List[cst.BaseSuite]:
    """Every block of a compound statement: body, elif/else, except handlers, finally, match cases."""
    out: List[cst.BaseSuite] = []
    body = getattr(stmt, "body", None)
    if isinstance(body, cst.BaseSuite):
        out.append(body)
    orelse = getattr(stmt, "orelse", None)
    while orelse is not None:
        if isinstance(orelse, cst.If):
            out.append(orelse.body)
            orelse = orelse.orelse
        else:
            out.append(orelse.body)
            orelse = None
    for handler in getattr(stmt, "handlers", ()) or ():
        out.append(handler.body)
    final = getattr(stmt, "finalbody", None)
    if final is not None:
        out.append(final.body)
    for case in getattr(stmt, "cases", ()) or ():
        out.append(case.body)
    return out


def is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def base_name(expr: cst.BaseExpression) -> Optional[str]:
    """``doc["owner"]["id"]`` / ``doc.get("owner")`` / ``doc.owner`` -> ``doc``."""
    node = expr
    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Attribute):
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            node = node.func.value
        else:
            break
    return node.value if isinstance(node, cst.Name) else None


def leading_text(node: cst.BaseExpression) -> Optional[str]:
    """The constant text a string expression starts with: ``"settings." + k`` -> ``settings.``,
    ``f"tags.{k}"`` -> ``tags.``; None when it does not start with a constant."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return leading_text(node.left)
    if isinstance(node, cst.FormattedString):
        first = node.parts[0] if node.parts else None
        if isinstance(first, cst.FormattedStringText) and first.value:
            return first.value
        return None
    value = string_value(node)
    return value if value else None


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
