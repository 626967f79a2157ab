"""What serves a request: route-decorated functions, ``add_url_rule`` views, class-based views.

A handler knows its route parameters (with their converters), its decorators (the function's own
and a class's ``decorators``/``method_decorators``), and which of its parameters a decorator injects
as the authenticated user (``@token_required def f(current_user, ...)``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set

import libcst as cst

from flaskmongo_lint.analysis.module import ModuleFacts, argument, simple_name, string_value
from flaskmongo_lint.settings import AnalysisSettings

ROUTE_METHODS = {"route", "get", "post", "put", "patch", "delete", "head", "options"}
VIEW_BASES = {"MethodView", "View", "Resource"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "dispatch_request"}
_RULE_PARAM = re.compile(r"<(?:(?P<conv>[A-Za-z_]\w*)(?:\([^)]*\))?:)?(?P<name>[A-Za-z_]\w*)>")


@dataclass
class Handler:
    node: cst.FunctionDef
    route_params: Dict[str, str] = field(default_factory=dict)  # parameter -> converter
    decorators: List[str] = field(default_factory=list)  # simple names of non-route decorators
    injected_identity: Set[str] = field(default_factory=set)

    def is_auth_decorated(self, settings: AnalysisSettings) -> bool:
        return any(settings.matches("auth_decorators", d) for d in self.decorators)

    def is_role_decorated(self, settings: AnalysisSettings) -> bool:
        return any(settings.matches("role_decorators", d) for d in self.decorators)


def rule_params(rule: str) -> Dict[str, str]:
    """``/a/<int:id>/<name>`` -> ``{"id": "int", "name": "string"}``."""
    return {m.group("name"): m.group("conv") or "string" for m in _RULE_PARAM.finditer(rule)}


def route_rule(decorator: cst.BaseExpression) -> Optional[str]:
    """The URL rule of a route decorator (``@app.route("/x")``, ``@bp.get("/x")``), else None."""
    if not isinstance(decorator, cst.Call) or not isinstance(decorator.func, cst.Attribute):
        return None
    if decorator.func.attr.value not in ROUTE_METHODS:
        return None
    rule = string_value(argument(decorator, 0, "rule"))
    if rule is None:
        return None
    if rule.startswith("/") or (rule == "" and decorator.func.attr.value == "route"):
        return rule
    return None


def _param_names(fn: cst.FunctionDef) -> List[str]:
    params = fn.params
    names = [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]
    return names


def _class_decorators(cls: cst.ClassDef) -> List[str]:
    """Names in a view class's ``decorators = [...]`` / ``method_decorators = [...] or {...}``."""
    out: List[str] = []
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, (cst.Assign, cst.AnnAssign)):
                continue
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            if not any(isinstance(t, cst.Name) and t.value in ("decorators", "method_decorators") for t in targets):
                continue
            out.extend(_decorator_names(small.value))
    return out


def _decorator_names(expr: Optional[cst.BaseExpression]) -> Iterable[str]:
    if isinstance(expr, (cst.List, cst.Tuple)):
        for el in expr.elements:
            name = simple_name(el.value)
            if name:
                yield name
    elif isinstance(expr, cst.Dict):
        for el in expr.elements:
            if isinstance(el, cst.DictElement):
                yield from _decorator_names(el.value)


def _is_view_class(cls: cst.ClassDef, facts: ModuleFacts, seen: Optional[Set[str]] = None) -> bool:
    seen = seen or set()
    for base in cls.bases:
        name = simple_name(base.value)
        if name in VIEW_BASES:
            return True
        if name and name in facts.classes and name not in seen:
            seen.add(name)
            if _is_view_class(facts.classes[name], facts, seen):
                return True
    return False


def find_handlers(facts: ModuleFacts, settings: AnalysisSettings) -> Dict[int, Handler]:
    """Every function of the module that serves a request, keyed by ``id(FunctionDef)``."""
    handlers: Dict[int, Handler] = {}
    for info in facts.all_functions:
        fn = info.node
        rules: List[str] = []
        decorators: List[str] = []
        is_handler = False
        for dec in fn.decorators:
            rule = route_rule(dec.decorator)
            if rule is not None:
                rules.append(rule)
                is_handler = True
            else:
                name = simple_name(dec.decorator)
                if name:
                    decorators.append(name)
        unknown_rule = False
        if info.cls is None and info.parent is None and fn.name.value in facts.url_rules:
            rules.extend(facts.url_rules[fn.name.value])
            is_handler = True
        if info.cls is not None and fn.name.value in HTTP_METHODS and _is_view_class(info.cls, facts):
            is_handler = True
            for dec in info.cls.decorators:
                rule = route_rule(dec.decorator)
                if rule is not None:
                    rules.append(rule)
                else:
                    name = simple_name(dec.decorator)
                    if name:
                        decorators.append(name)
            rules.extend(facts.url_rules.get(info.cls.name.value, []))
            decorators.extend(_class_decorators(info.cls))
            unknown_rule = not rules
        if not is_handler:
            continue
        params = _param_names(fn)
        if info.cls is not None and params and params[0] in ("self", "cls"):
            params = params[1:]
        route: Dict[str, str] = {}
        for rule in rules:
            route.update(rule_params(rule))
        injected = set()
        if decorators:
            injected = {p for p in params if p not in route and settings.matches("identity_names", p)}
        if unknown_rule:
            for p in params:
                if p not in injected:
                    route[p] = "string"
        handlers[id(fn)] = Handler(
            node=fn,
            route_params={p: c for p, c in route.items() if p in params},
            decorators=decorators,
            injected_identity=injected,
        )
    return handlers
