"""Module facts: what one pass over a module learns before any function is walked.

Imports and their aliases (resolved by hand: libcst's QualifiedNameProvider costs several times the
parse), the functions and classes, module-level assignments, URL rules registered by call
(``add_url_rule``, ``add_resource``), error handlers that turn an invalid ObjectId into a clean
response, and the ``g.<name>`` attributes that the module fills from request data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set

import libcst as cst

if TYPE_CHECKING:  # pragma: no cover
    from flaskmongo_lint.analysis.values import Value

# Exceptions whose handler makes every ``ObjectId()`` failure a handled error.
OBJECTID_ERRORS = {"InvalidId", "BSONError", "Exception", "BaseException"}


@dataclass
class FunctionInfo:
    node: cst.FunctionDef
    cls: Optional[cst.ClassDef]  # the class it is a method of, if any
    parent: Optional[cst.FunctionDef]  # the function it is nested in, if any
    top: cst.CSTNode  # the module-level statement that holds it (to place findings cheaply)


@dataclass
class ModuleFacts:
    imports: Dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    functions: Dict[str, cst.FunctionDef] = field(default_factory=dict)  # module-level, by name
    all_functions: List[FunctionInfo] = field(default_factory=list)
    classes: Dict[str, cst.ClassDef] = field(default_factory=dict)
    assignments: Dict[str, cst.BaseExpression] = field(default_factory=dict)  # module-level name = expr
    url_rules: Dict[str, List[str]] = field(default_factory=dict)  # view function/class name -> rules
    objectid_errors_handled: bool = False
    # g attributes the module fills from request data (set by the walk of the functions that
    # assign them, which runs first), and those functions.
    client_g: Dict[str, "Value"] = field(default_factory=dict)
    attribute_writers: Set[int] = field(default_factory=set)  # id() of functions assigning x.attr = ...
    defined_names: Set[str] = field(default_factory=set)  # module-level def/class names (shadow imports)

    def qualname(self, expr: cst.BaseExpression) -> Optional[str]:
        """The dotted name an expression refers to, through the module's imports.

        ``request.args.get`` -> ``flask.request.args.get`` when ``request`` comes from flask. Names
        that are not imported (locals, module-level definitions, unknown names) resolve to None.
        """
        path = dotted(expr)
        if path is None:
            return None
        name, _, rest = path.partition(".")
        base = self.imports.get(name) if name not in self.defined_names else None
        if base is None:
            return None
        return f"{base}.{rest}" if rest else base


def dotted(expr: cst.BaseExpression) -> Optional[str]:
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
    """The last name of a decorator-like expression: ``a.b(c)`` -> ``b``, ``x`` -> ``x``."""
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
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        left, right = string_value(expr.left), string_value(expr.right)
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


def argument(call: cst.Call, index: int, name: str) -> Optional[cst.BaseExpression]:
    """Argument by keyword ``name`` or at position ``index``."""
    value = keyword(call, name)
    if value is not None:
        return value
    pos = positional(call)
    return pos[index] if index < len(pos) else None


def _module_name(node: Optional[cst.BaseExpression]) -> str:
    return dotted(node) or "" if node is not None else ""


class _Collector:
    """Walks statements only (not every expression node): a libcst visitor over the whole tree
    costs several times the parse, and everything collected here sits at statement level."""

    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.error_handler_types: List[cst.BaseExpression] = []

    def block(self, body: Sequence[cst.CSTNode], top: Optional[cst.CSTNode], cls: Optional[cst.ClassDef],
              func: Optional[cst.FunctionDef]) -> None:
        for stmt in body:
            self.statement(stmt, top if top is not None else stmt, cls, func)

    def statement(self, stmt: cst.CSTNode, top: cst.CSTNode, cls: Optional[cst.ClassDef],
                  func: Optional[cst.FunctionDef]) -> None:
        if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in stmt.body:
                self.small(small, cls, func)
        elif isinstance(stmt, cst.FunctionDef):
            for dec in stmt.decorators:
                self.registration(dec.decorator)
            self.facts.all_functions.append(FunctionInfo(stmt, cls, func, top))
            if func is None and cls is None:
                self.facts.functions[stmt.name.value] = stmt
                self.facts.defined_names.add(stmt.name.value)
            self.block(_suite(stmt.body), top, None, stmt)
        elif isinstance(stmt, cst.ClassDef):
            for dec in stmt.decorators:
                self.registration(dec.decorator)
            if func is None and cls is None:
                self.facts.classes[stmt.name.value] = stmt
                self.facts.defined_names.add(stmt.name.value)
            self.block(_suite(stmt.body), top, stmt, func)
        elif isinstance(stmt, cst.BaseCompoundStatement):
            for suite in _suites(stmt):
                self.block(_suite(suite), top, cls, func)

    def small(self, node: cst.BaseSmallStatement, cls: Optional[cst.ClassDef], func: Optional[cst.FunctionDef]) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.facts.imports[alias.asname.name.value] = full
                else:
                    top = full.split(".")[0]
                    self.facts.imports[top] = top
        elif isinstance(node, cst.ImportFrom):
            if isinstance(node.names, cst.ImportStar):
                return
            module = "." * len(node.relative) + _module_name(node.module)
            for alias in node.names:
                name = dotted(alias.name) or ""
                local = name
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                self.facts.imports[local] = f"{module}.{name}" if module else name
        elif isinstance(node, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            if node.value is None:
                return
            for t in targets:
                if func is None and cls is None and isinstance(t, cst.Name):
                    self.facts.assignments[t.value] = node.value
                if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and func is not None:
                    self.facts.attribute_writers.add(id(func))
        elif isinstance(node, cst.Expr):
            self.registration(node.value)

    def registration(self, node: cst.BaseExpression) -> None:
        """``add_url_rule``, ``add_resource`` and error handler registrations (calls or decorators)."""
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return
        attr = node.func.attr.value
        if attr in ("errorhandler", "app_errorhandler", "register_error_handler"):
            first = argument(node, 0, "code_or_exception")
            if first is not None:
                self.error_handler_types.append(first)
        elif attr == "add_url_rule":
            rule = string_value(argument(node, 0, "rule"))
            target = _view_name(argument(node, 2, "view_func"))
            if rule is not None and target is not None:
                self.facts.url_rules.setdefault(target, []).append(rule)
        elif attr == "add_resource":
            args = positional(node)
            if args and isinstance(args[0], cst.Name):
                rules = [r for r in (string_value(a) for a in args[1:]) if r is not None]
                self.facts.url_rules.setdefault(args[0].value, []).extend(rules)


def _suite(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return suite.body


def _suites(stmt: cst.BaseCompoundStatement) -> List[cst.BaseSuite]:
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


def _view_name(view: Optional[cst.BaseExpression]) -> Optional[str]:
    """``view_func=f`` -> ``f``; ``view_func=Cls.as_view("x")`` -> ``Cls``."""
    if isinstance(view, cst.Name):
        return view.value
    if isinstance(view, cst.Call) and isinstance(view.func, cst.Attribute) and view.func.attr.value == "as_view":
        return dotted(view.func.value)
    if isinstance(view, cst.Attribute):
        return view.attr.value
    return None


def collect_facts(module: cst.Module) -> ModuleFacts:
    """One walk over the module."""
    facts = ModuleFacts()
    visitor = _Collector(facts)
    visitor.block(module.body, None, None, None)
    # Names defined at module level shadow imports only if not also imported (an import wins when
    # both exist, which is the usual ``try: import x except: def x`` fallback).
    facts.defined_names -= set(facts.imports)
    for exc in visitor.error_handler_types:
        name = simple_name(exc) if not isinstance(exc, cst.Call) else None
        if isinstance(exc, cst.Tuple):
            names = [simple_name(e.value) for e in exc.elements]
        else:
            names = [name]
        if any(n in OBJECTID_ERRORS for n in names if n):
            facts.objectid_errors_handled = True
    return facts
