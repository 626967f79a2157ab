"""One statement-level pass over a parsed module: its facts (plain data) and its syntax.

Everything collected here sits at statement level (definitions, bindings, imports, decorators,
registrations), so only statements are walked, never every node. The :class:`ModuleFacts` are picklable and hold no node; the :class:`Syntax` keeps the
nodes the interpreter walks, keyed the same way (``module:qualname``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.syntaxutil import dotted, positional, string_value, suite, suites
from flaskmongo_lint.analysis.facts import (
    Binding, Call, ClassFacts, Decorator, FunctionFacts, Literal, ModuleFacts, Param, ParamKind, Registration,
    RegistrationKind,
)
from flaskmongo_lint.models import flask, restful, socketio

# Registration methods: what they register, and where their arguments are.
_REGISTRATIONS: Dict[str, RegistrationKind] = {
    flask.ADD_URL_RULE: RegistrationKind.URL_RULE,
    restful.ADD_RESOURCE: RegistrationKind.RESOURCE,
    flask.REGISTER_BLUEPRINT: RegistrationKind.BLUEPRINT,
    socketio.ON_EVENT: RegistrationKind.SOCKET_EVENT,
    restful.ADD_NAMESPACE: RegistrationKind.NAMESPACE,
    **{m: RegistrationKind.ERROR_HANDLER for m in flask.ERROR_HANDLERS},
    **{m: RegistrationKind.HOOK for m in flask.HOOKS},
}


@dataclass(frozen=True)
class FunctionSyntax:
    node: syn.FunctionDef
    top: syn.CSTNode  # the module-level statement holding it (to place findings cheaply)
    cls: Optional[str]  # qualname of its class


@dataclass
class Syntax:
    """The nodes of one module the interpreter walks, keyed like its facts."""

    module: str
    tree: syn.Module
    functions: Dict[str, FunctionSyntax] = field(default_factory=dict)
    classes: Dict[str, syn.ClassDef] = field(default_factory=dict)
    # module-level name -> the expressions bound to it, with their statements
    bindings: Dict[str, List[Tuple[syn.BaseExpression, syn.CSTNode]]] = field(default_factory=dict)
    # (class qualname, attribute) -> the expressions bound to it (class body or self.x in a method)
    class_attributes: Dict[Tuple[str, str], List[Tuple[syn.BaseExpression, syn.CSTNode]]] = field(default_factory=dict)


def literal(expr: Optional[syn.BaseExpression]) -> Literal:
    """A literal argument as data: a string, or a list/tuple of strings."""
    if expr is None:
        return None
    value = string_value(expr)
    if value is not None:
        return value
    if isinstance(expr, (syn.List, syn.Tuple, syn.Set)):
        items = [string_value(e.value) for e in expr.elements]
        if all(i is not None for i in items):
            return tuple(items)  # type: ignore[arg-type]
    return None


def view_name(expr: Optional[syn.BaseExpression]) -> Optional[str]:
    """``f`` -> ``f``; ``Cls.as_view("x")`` -> ``Cls``; ``mod.f`` -> ``mod.f``."""
    if isinstance(expr, syn.Call) and isinstance(expr.func, syn.Attribute) and \
            expr.func.attr.value in flask.VIEW_FACTORIES:
        return dotted(expr.func.value)
    return dotted(expr) if expr is not None else None


def call_facts(node: syn.Call) -> Call:
    args = []
    names = []
    kwargs = []
    kwnames = []
    for a in node.args:
        if a.star:
            continue
        if a.keyword is not None:
            kwargs.append((a.keyword.value, literal(a.value)))
            kwnames.append((a.keyword.value, view_name(a.value)))
        else:
            args.append(literal(a.value))
            names.append(view_name(a.value))
    return Call(dotted(node.func) or "", tuple(args), tuple(names), tuple(kwargs), tuple(kwnames))


def _decorator(expr: syn.BaseExpression) -> Decorator:
    if isinstance(expr, syn.Call):
        return Decorator(call_facts(expr), True)
    return Decorator(Call(dotted(expr) or ""), False)


def _params(fn: syn.FunctionDef) -> Tuple[Param, ...]:
    p = fn.params
    out: List[Param] = []
    for param in (*p.posonly_params, *p.params):
        out.append(Param(param.name.value, ParamKind.POSITIONAL, param.default is not None))
    if isinstance(p.star_arg, syn.Param):
        out.append(Param(p.star_arg.name.value, ParamKind.VAR_POSITIONAL))
    for param in p.kwonly_params:
        out.append(Param(param.name.value, ParamKind.KEYWORD_ONLY, param.default is not None))
    if p.star_kwarg is not None:
        out.append(Param(p.star_kwarg.name.value, ParamKind.VAR_KEYWORD))
    return tuple(out)


class _Collector:
    def __init__(self, facts: ModuleFacts, syntax: Syntax) -> None:
        self.facts = facts
        self.syntax = syntax
        self.local_imports: Dict[str, Tuple[str, bool]] = {}

    # ------------------------------------------------------------------ statements
    def block(self, body: Sequence[syn.CSTNode], top: Optional[syn.CSTNode], cls: Optional[str],
              func: Optional[str], globals_: Set[str]) -> None:
        for stmt in body:
            self.statement(stmt, top if top is not None else stmt, cls, func, globals_)

    def statement(self, stmt: syn.CSTNode, top: syn.CSTNode, cls: Optional[str], func: Optional[str],
                  globals_: Set[str]) -> None:
        if isinstance(stmt, (syn.SimpleStatementLine, syn.SimpleStatementSuite)):
            for small in stmt.body:
                self.small(small, top, cls, func, globals_)
        elif isinstance(stmt, syn.FunctionDef):
            self.function(stmt, top, cls, func)
        elif isinstance(stmt, syn.ClassDef):
            self.klass(stmt, top, cls, func)
        elif isinstance(stmt, syn.BaseCompoundStatement):
            for block in suites(stmt):
                self.block(suite(block), top, cls, func, globals_)

    def definition(self, node: "syn.FunctionDef | syn.ClassDef", cls: Optional[str],
                   func: Optional[str]) -> Tuple[str, Tuple[Decorator, ...]]:
        """A def's or a class's qualified name and decorators (registering hooks and handlers)."""
        prefix = f"{cls}." if cls is not None else f"{func}." if func is not None else ""
        qualname = prefix + node.name.value
        decorators = tuple(_decorator(d.decorator) for d in node.decorators)
        for dec, d in zip(decorators, node.decorators):
            self.decorator_registration(dec, d.decorator, qualname, func)
        return qualname, decorators

    def function(self, fn: syn.FunctionDef, top: syn.CSTNode, cls: Optional[str], func: Optional[str]) -> None:
        qualname, decorators = self.definition(fn, cls, func)
        body = suite(fn.body)
        declared = _globals_in(body)
        writes: List[str] = []
        nested: List[str] = []
        _scan_body(body, writes, nested, qualname)
        self.facts.functions[qualname] = FunctionFacts(
            qualname=qualname, name=fn.name.value, cls=cls, parent=func, params=_params(fn), decorators=decorators,
            is_async=fn.asynchronous is not None, attribute_writes=tuple(dict.fromkeys(writes)), nested=tuple(nested),
        )
        self.syntax.functions[qualname] = FunctionSyntax(fn, top, cls)
        self.block(body, top, None, qualname, declared)
        if cls is not None:
            self.self_attributes(body, cls, top)

    def klass(self, node: syn.ClassDef, top: syn.CSTNode, cls: Optional[str], func: Optional[str]) -> None:
        qualname, decorators = self.definition(node, cls, func)
        methods: List[str] = []
        attributes: List[str] = []
        view_decorators: List[Call] = []
        for stmt in suite(node.body):
            if isinstance(stmt, syn.FunctionDef):
                methods.append(stmt.name.value)
                attributes.extend(_self_attributes(suite(stmt.body)))
            elif isinstance(stmt, syn.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (syn.Assign, syn.AnnAssign)) and small.value is not None:
                        targets = [t.target for t in small.targets] if isinstance(small, syn.Assign) else [small.target]
                        for t in targets:
                            if isinstance(t, syn.Name):
                                attributes.append(t.value)
                                self.syntax.class_attributes.setdefault((qualname, t.value), []).append((small.value, top))
                                if t.value in ("decorators", "method_decorators"):
                                    view_decorators.extend(_decorator_calls(small.value))
        self.facts.classes[qualname] = ClassFacts(
            qualname=qualname, name=node.name.value, bases=tuple(dotted(b.value) or "" for b in node.bases),
            decorators=decorators, view_decorators=tuple(view_decorators), methods=tuple(methods),
            attributes=tuple(attributes),
        )
        self.syntax.classes[qualname] = node
        self.block(suite(node.body), top, qualname, func, set())

    def self_attributes(self, body: Sequence[syn.CSTNode], cls: str, top: syn.CSTNode) -> None:
        """``self.x = expr`` anywhere in a method: a class attribute binding."""
        for stmt in _statements(body):
            if not isinstance(stmt, (syn.SimpleStatementLine, syn.SimpleStatementSuite)):
                continue
            for small in stmt.body:
                if isinstance(small, (syn.Assign, syn.AnnAssign)) and small.value is not None:
                    targets = [t.target for t in small.targets] if isinstance(small, syn.Assign) else [small.target]
                    for t in targets:
                        if isinstance(t, syn.Attribute) and isinstance(t.value, syn.Name) and t.value.value == "self":
                            self.syntax.class_attributes.setdefault((cls, t.attr.value), []).append((small.value, top))

    def small(self, node: syn.BaseSmallStatement, top: syn.CSTNode, cls: Optional[str], func: Optional[str],
              globals_: Set[str]) -> None:
        if isinstance(node, syn.Import):
            for alias in node.names:
                full = dotted(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, syn.Name):
                    self.add_import(alias.asname.name.value, full, False, func)
                else:
                    head = full.split(".")[0]
                    self.add_import(head, head, False, func)
        elif isinstance(node, syn.ImportFrom):
            module = self.absolute(len(node.relative), dotted(node.module) if node.module is not None else "")
            if isinstance(node.names, syn.ImportStar):
                if func is None:
                    self.facts.star_imports.append(module)
                return
            for alias in node.names:
                name = dotted(alias.name) or ""
                local = name
                if alias.asname is not None and isinstance(alias.asname.name, syn.Name):
                    local = alias.asname.name.value
                self.add_import(local, f"{module}.{name}" if module else name, True, func)
        elif isinstance(node, (syn.Assign, syn.AnnAssign)):
            if node.value is None:
                return
            targets = [t.target for t in node.targets] if isinstance(node, syn.Assign) else [node.target]
            for t in targets:
                self.assignment(t, node.value, top, cls, func, globals_)
        elif isinstance(node, syn.Expr) and isinstance(node.value, syn.Call):
            self.call_registration(node.value, func)

    def assignment(self, target: syn.BaseExpression, value: syn.BaseExpression, top: syn.CSTNode,
                   cls: Optional[str], func: Optional[str], globals_: Set[str]) -> None:
        if isinstance(target, (syn.Tuple, syn.List)) and isinstance(value, (syn.Tuple, syn.List)) and \
                len(target.elements) == len(value.elements):
            for t, v in zip(target.elements, value.elements):
                self.assignment(t.value, v.value, top, cls, func, globals_)
            return
        if not isinstance(target, syn.Name) or cls is not None:
            return
        if func is not None and target.value not in globals_:
            return
        name = target.value
        previous = self.facts.bindings.get(name)
        count = previous.count + 1 if previous is not None else 1
        call = call_facts(value) if isinstance(value, syn.Call) else None
        self.facts.bindings[name] = Binding(name, call, dotted(value), count)
        self.syntax.bindings.setdefault(name, []).append((value, top))

    def add_import(self, local: str, full: str, from_import: bool, func: Optional[str]) -> None:
        if func is None:
            self.facts.imports[local] = full
            self.facts.from_imports[local] = from_import
        else:
            self.local_imports.setdefault(local, (full, from_import))

    def absolute(self, level: int, module: str) -> str:
        """A relative import's module, made absolute from this module's package."""
        if level == 0:
            return module
        package = self.facts.package.split(".") if self.facts.package else []
        if level > len(package):
            return "." * level + module  # beyond the top-level package: cannot be resolved
        base = package[: len(package) - (level - 1)]
        return ".".join(base + ([module] if module else []))

    # ------------------------------------------------------------------ registrations
    def decorator_registration(self, dec: Decorator, node: syn.BaseExpression, target: str,
                               func: Optional[str]) -> None:
        receiver, _, method = dec.call.target.rpartition(".")
        kind = _REGISTRATIONS.get(method)
        if not receiver or kind not in (RegistrationKind.ERROR_HANDLER, RegistrationKind.HOOK):
            return
        exceptions = _exception_names(node.args[0].value) if isinstance(node, syn.Call) and node.args else ()
        self.facts.registrations.append(Registration(kind, receiver, method, target, exceptions=exceptions,
                                                     in_function=func, decorated=True))

    def call_registration(self, node: syn.Call, func: Optional[str]) -> None:
        inner = node.func
        if isinstance(inner, syn.Call) and isinstance(inner.func, syn.Attribute) and \
                inner.func.attr.value in flask.ROUTE_METHODS and node.args:
            # ``bp.route("/x", methods=[...])(view)``: a route registered by calling the decorator.
            receiver = dotted(inner.func.value)
            facts = call_facts(inner)
            rule = facts.kwarg("rule") if facts.kwarg("rule") is not None else facts.arg(0)
            methods = facts.kwarg("methods")
            if receiver is not None and isinstance(rule, str) and rule.startswith("/"):
                self.facts.registrations.append(Registration(
                    RegistrationKind.URL_RULE, receiver, inner.func.attr.value, view_name(node.args[0].value),
                    rules=(rule,), methods=tuple(methods) if isinstance(methods, tuple) else (), in_function=func))
            return
        if not isinstance(node.func, syn.Attribute):
            return
        method = node.func.attr.value
        kind = _REGISTRATIONS.get(method)
        receiver = dotted(node.func.value)
        if kind is None or receiver is None:
            return
        facts = call_facts(node)
        pos = positional(node)
        reg: Optional[Registration] = None
        if kind is RegistrationKind.URL_RULE:
            rule = facts.kwarg("rule") if facts.kwarg("rule") is not None else facts.arg(0)
            view = facts.kwname("view_func") or facts.name(2)
            methods = facts.kwarg("methods")
            reg = Registration(kind, receiver, method, view, rules=(rule,) if isinstance(rule, str) else (),
                               methods=tuple(methods) if isinstance(methods, tuple) else (), in_function=func)
        elif kind is RegistrationKind.RESOURCE:
            rules = tuple(r for r in facts.args[1:] if isinstance(r, str))
            reg = Registration(kind, receiver, method, facts.name(0), rules=rules, in_function=func)
        elif kind is RegistrationKind.ERROR_HANDLER:
            exceptions = _exception_names(pos[0]) if pos else ()
            reg = Registration(kind, receiver, method, facts.name(1), exceptions=exceptions, in_function=func)
        elif kind is RegistrationKind.SOCKET_EVENT:
            event = facts.arg(0)
            reg = Registration(kind, receiver, method, facts.name(1) or facts.kwname("handler"), in_function=func,
                               event=event if isinstance(event, str) else None)
        else:  # hooks, blueprints, namespaces: the registered thing is the first argument
            prefix = facts.kwarg(flask.URL_PREFIX) if kind is RegistrationKind.BLUEPRINT else \
                facts.kwarg(restful.NAMESPACE_PATH) if kind is RegistrationKind.NAMESPACE else None
            reg = Registration(kind, receiver, method, facts.name(0), in_function=func,
                               prefix=prefix if isinstance(prefix, str) else None)
        self.facts.registrations.append(reg)


def _self_attributes(body: Sequence[syn.CSTNode]) -> List[str]:
    """Names a method binds on ``self``."""
    out = []
    for stmt in _statements(body):
        if isinstance(stmt, (syn.SimpleStatementLine, syn.SimpleStatementSuite)):
            for small in stmt.body:
                if isinstance(small, (syn.Assign, syn.AnnAssign)):
                    targets = [t.target for t in small.targets] if isinstance(small, syn.Assign) else [small.target]
                    for t in targets:
                        if isinstance(t, syn.Attribute) and isinstance(t.value, syn.Name) and t.value.value == "self":
                            out.append(t.attr.value)
    return out


def _exception_names(expr: syn.BaseExpression) -> Tuple[str, ...]:
    if isinstance(expr, syn.Tuple):
        return tuple(n for n in (dotted(e.value) for e in expr.elements) if n)
    name = dotted(expr)
    return (name,) if name else ()


def _decorator_calls(expr: syn.BaseExpression) -> List[Call]:
    """The decorators listed in a view class's ``decorators = [...]`` or ``method_decorators``."""
    out: List[Call] = []
    if isinstance(expr, (syn.List, syn.Tuple)):
        for el in expr.elements:
            out.append(_decorator(el.value).call)
    elif isinstance(expr, syn.Dict):
        for el in expr.elements:
            if isinstance(el, syn.DictElement):
                out.extend(_decorator_calls(el.value))
    return out


def _statements(body: Sequence[syn.CSTNode]):  # type: ignore[no-untyped-def]
    """Every statement of a function body, nested blocks included, nested functions excluded."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (syn.FunctionDef, syn.ClassDef)):
            continue
        yield stmt
        if isinstance(stmt, syn.BaseCompoundStatement):
            for block in reversed(suites(stmt)):
                stack.extend(reversed(list(suite(block))))


def _scan_body(body: Sequence[syn.CSTNode], writes: List[str], nested: List[str], qualname: str) -> None:
    for stmt in _statements(body):
        for small in getattr(stmt, "body", ()) if isinstance(stmt, (syn.SimpleStatementLine, syn.SimpleStatementSuite)) else ():
            if isinstance(small, (syn.Assign, syn.AnnAssign, syn.AugAssign)):
                targets = [t.target for t in small.targets] if isinstance(small, syn.Assign) else [small.target]
                for t in targets:
                    if isinstance(t, syn.Attribute):
                        text = dotted(t)
                        if text is not None:
                            writes.append(text)
    for stmt in body:
        if isinstance(stmt, syn.FunctionDef):
            nested.append(f"{qualname}.{stmt.name.value}")
    for stmt in _statements(body):
        if isinstance(stmt, syn.BaseCompoundStatement):
            for block in suites(stmt):
                for inner in suite(block):
                    if isinstance(inner, syn.FunctionDef):
                        nested.append(f"{qualname}.{inner.name.value}")


def _globals_in(body: Sequence[syn.CSTNode]) -> Set[str]:
    out: Set[str] = set()
    for stmt in _statements(body):
        if isinstance(stmt, syn.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, syn.Global):
                    out.update(n.name.value for n in small.names)
    return out


def collect(tree: syn.Module, name: str, path: str, is_package: bool,
            import_name: str = "") -> Tuple[ModuleFacts, Syntax]:
    """The facts and the syntax of one parsed module."""
    facts = ModuleFacts(name=name, path=path, is_package=is_package, import_name=import_name or name)
    syntax = Syntax(module=name, tree=tree)
    collector = _Collector(facts, syntax)
    collector.block(tree.body, None, None, None, set())
    for local, (full, from_import) in collector.local_imports.items():
        if local not in facts.imports:
            facts.imports[local] = full
            facts.from_imports[local] = from_import
    return facts, syntax


__all__ = ["FunctionSyntax", "Syntax", "call_facts", "collect", "literal", "view_name"]
