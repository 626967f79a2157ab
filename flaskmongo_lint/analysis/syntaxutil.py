"""Small readers of syntax nodes shared by the collector and the interpreter."""
from __future__ import annotations

from typing import List, Optional, Sequence

from flaskmongo_lint import syntax as syn

code_of = syn.code_of  # the source text of a node, as written


def dotted(expr: Optional[syn.BaseExpression]) -> Optional[str]:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: List[str] = []
    node = expr
    while isinstance(node, syn.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, syn.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def simple_name(expr: syn.BaseExpression) -> Optional[str]:
    """The last name of a callee-like expression: ``a.b(c)`` -> ``b``, ``x`` -> ``x``."""
    if isinstance(expr, syn.Call):
        expr = expr.func
    if isinstance(expr, syn.Attribute):
        return expr.attr.value
    if isinstance(expr, syn.Name):
        return expr.value
    return None


def string_value(expr: Optional[syn.BaseExpression]) -> Optional[str]:
    """The value of a plain string literal, else None."""
    if isinstance(expr, syn.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(expr, syn.ConcatenatedString):
        left, right = string_value(expr.left), string_value(expr.right)  # type: ignore[arg-type]
        if left is not None and right is not None:
            return left + right
    return None


def positional(call: syn.Call) -> List[syn.BaseExpression]:
    return [a.value for a in call.args if a.keyword is None and not a.star]


def keyword(call: syn.Call, name: str) -> Optional[syn.BaseExpression]:
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a.value
    return None


def argument(call: syn.Call, index: Optional[int], name: Optional[str]) -> Optional[syn.BaseExpression]:
    """Argument by keyword ``name`` or at position ``index``."""
    if name is not None:
        value = keyword(call, name)
        if value is not None:
            return value
    if index is None:
        return None
    pos = positional(call)
    return pos[index] if index < len(pos) else None


def suite(block: syn.BaseSuite) -> Sequence[syn.CSTNode]:
    """The statements of an indented block, or the small statements of a one-line suite."""
    return block.body


def suites(stmt: syn.BaseCompoundStatement) -> List[syn.BaseSuite]:
    """Every block of a compound statement: body, elif/else, except handlers, finally, match cases."""
    out: List[syn.BaseSuite] = []
    body = getattr(stmt, "body", None)
    if isinstance(body, syn.BaseSuite):
        out.append(body)
    orelse = getattr(stmt, "orelse", None)
    while orelse is not None:
        if isinstance(orelse, syn.If):
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


def is_none(expr: syn.BaseExpression) -> bool:
    return isinstance(expr, syn.Name) and expr.value == "None"


def base_name(expr: syn.BaseExpression) -> Optional[str]:
    """``doc["owner"]["id"]`` / ``doc.get("owner")`` / ``doc.owner`` -> ``doc``."""
    node = expr
    while True:
        if isinstance(node, syn.Subscript):
            node = node.value
        elif isinstance(node, syn.Attribute):
            node = node.value
        elif isinstance(node, syn.Call) and isinstance(node.func, syn.Attribute):
            node = node.func.value
        else:
            break
    return node.value if isinstance(node, syn.Name) else None


def leading_text(node: syn.BaseExpression) -> Optional[str]:
    """The constant text a string expression starts with: ``"settings." + k`` -> ``settings.``,
    ``f"tags.{k}"`` -> ``tags.``; None when it does not start with a constant."""
    if isinstance(node, syn.BinaryOperation) and isinstance(node.operator, syn.Add):
        return leading_text(node.left)
    if isinstance(node, syn.FormattedString):
        first = node.parts[0] if node.parts else None
        if isinstance(first, syn.FormattedStringText) and first.value:
            return first.value
        return None
    value = string_value(node)
    return value if value else None


def signature_of(function: syn.FunctionDef, qualname: Optional[str] = None) -> str:
    """``Qual.name(param, *args, key, **kwargs)``: the function's qualified name and parameter
    names. Annotations, defaults, decorators and ``async`` are left out, because adding type hints
    or an unrelated decorator is not a change to the finding inside."""
    params = function.params
    parts: List[str] = [p.name.value for p in params.posonly_params]
    if params.posonly_params:
        parts.append("/")
    parts.extend(p.name.value for p in params.params)
    star = params.star_arg
    if isinstance(star, syn.Param):
        parts.append("*" + star.name.value)
    elif params.kwonly_params:
        parts.append("*")
    parts.extend(p.name.value for p in params.kwonly_params)
    if params.star_kwarg is not None:
        parts.append("**" + params.star_kwarg.name.value)
    return f"{qualname or function.name.value}({', '.join(parts)})"
