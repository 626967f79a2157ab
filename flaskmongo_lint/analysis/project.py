"""The project analysis: from parsed modules to the roots the rules judge.

Each handler (route, class-based view method, Socket.IO event, ``before_request`` hook) is a
root: it is walked with its parameters as the client sends them, and everything it reaches, in
any module, is judged in its context (is it authenticated, privileged, which application's error
handlers stand behind it). Functions no root reaches are walked on their own, with clean
parameters. Project decorators and hooks are judged by what their bodies do. Ownership evidence
per collection and application is read off every root's events.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, TypeVar

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.collect import Syntax, collect
from flaskmongo_lint.analysis.events import Caught, Operation, OpKind
from flaskmongo_lint.analysis.facts import ModuleFacts, ParamKind
from flaskmongo_lint.analysis.index import DecoratorRef, Handler, HandlerKind, ProjectIndex, Ref, RefKind
from flaskmongo_lint.analysis.interp.engine import Engine
from flaskmongo_lint.analysis.lattice import (
    CLEAN, JSON_MAPPING, Kind, Obj, ObjKind, Site, Value, client,
)
from flaskmongo_lint.analysis.evidence import Evidence, evidence_keys
from flaskmongo_lint.analysis.stored import secret_evidence
from flaskmongo_lint.analysis.summaries import Summary
from flaskmongo_lint.analysis.views import filter_of, stores_identity
from flaskmongo_lint.findings import internal_error
from flaskmongo_lint.models import flask as flask_model
from flaskmongo_lint.models.semantics import Semantics
from flaskmongo_lint.settings import AnalysisSettings


T = TypeVar("T")


@dataclass(frozen=True)
class ParsedModule:
    name: str  # the module's key: its dotted name, unique in the run
    path: str
    tree: syn.Module
    is_package: bool = False
    import_name: str = ""  # the name imports use, when it differs from the key


@dataclass(frozen=True)
class Verdict:
    """What a decorator does to the view it wraps."""

    authenticates: bool = False
    privileged: bool = False
    injects: Tuple[int, ...] = ()  # positional parameters it fills with the caller's identity


@dataclass(frozen=True)
class Root:
    module: str
    qualname: str
    handler: Optional[Handler]
    app: str
    authenticated: bool
    privileged: bool
    summary: Summary
    handled: FrozenSet[Caught]  # what the application's error handlers turn into clean responses
    auth: str = ""  # how it is authenticated, in words ("" when it is not)
    privilege: str = ""  # the role decorator that makes it privileged ("" when none does)

    @property
    def is_handler(self) -> bool:
        return self.handler is not None


@dataclass
class ProjectResult:
    roots: List[Root]
    evidence: Evidence
    index: ProjectIndex
    notes: List[str]  # budgets spent, recursion cut (for --verbose)
    errors: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # module -> (error, traceback)


def _as_is(items: List[T]) -> List[T]:
    return items


class Project:
    """``order`` rearranges the (sorted) modules, handlers and functions before they are walked:
    the order-independence test passes a shuffle; the analysis must give the same answer."""

    def __init__(self, modules: Sequence[ParsedModule], settings: AnalysisSettings,
                 order: Callable[[List[T]], List[T]] = _as_is) -> None:
        self.order = order
        self.settings = settings
        self.semantics = Semantics(settings)
        facts: List[ModuleFacts] = []
        self.syntax: Dict[str, Syntax] = {}
        self.errors: Dict[str, Tuple[str, str]] = {}  # module -> (error, traceback) of an internal error
        for m in sorted(modules, key=lambda m: m.name):
            try:
                f, s = collect(m.tree, m.name, m.path, m.is_package, m.import_name)
            except Exception as exc:  # noqa: BLE001 - one module's failure must not end the run
                self.errors[m.name] = internal_error(exc)
                continue
            facts.append(f)
            self.syntax[m.name] = s
        self.index = ProjectIndex.build(facts, self.semantics)
        self.engine = Engine(self.index, self.syntax, self.semantics)
        self._verdicts: Dict[Tuple[str, bool], Optional[Verdict]] = {}
        self._hooks: Dict[str, bool] = {}

    # ------------------------------------------------------------------ driving
    def run(self) -> ProjectResult:
        roots: List[Root] = []
        hook_keys = {h.function.key for h in self.index.hooks}
        by_module: Dict[str, List[Handler]] = {}
        for h in self.index.handlers:
            by_module.setdefault(h.module, []).append(h)
        for module in self.order(sorted(self.index.modules)):
            self.engine.begin_file()
            for handler in self.order(by_module.get(module, [])):
                self._guarded(module, roots, lambda: self.handler_root(handler))
            for hook in self.order(sorted(k for k in hook_keys if k.split(":")[0] == module)):
                self._guarded(module, roots, lambda: self.hook_root(hook))
        handled = {r.module + ":" + r.qualname for r in roots}
        for module in self.order(sorted(self.index.modules)):
            self.engine.begin_file()
            for fn in self.order(sorted(self.index.modules[module].functions.values(), key=lambda f: f.qualname)):
                key = f"{module}:{fn.qualname}"
                if key in handled or key in self.engine.reached:
                    continue
                ref = Ref(RefKind.FUNCTION, module, fn.qualname)
                self._guarded(module, roots, lambda: self.standalone_root(ref))
        roots = sorted((r for r in roots if r.module not in self.errors), key=lambda r: (r.module, r.qualname))
        return ProjectResult(roots, self.evidence(roots), self.index, list(self.engine.notes), dict(self.errors))

    def _guarded(self, module: str, roots: List[Root], make) -> None:  # type: ignore[no-untyped-def]
        """Analyse one root; an internal error costs its module an FM000, not the run."""
        if module in self.errors:
            return
        try:
            roots.append(make())
        except Exception as exc:  # noqa: BLE001 - one module's failure must not end the run
            self.errors[module] = internal_error(exc)
            self.engine.reset_stack()

    def handler_root(self, handler: Handler) -> Root:
        ref = Ref(RefKind.FUNCTION, handler.module, handler.qualname)
        fn = self.index.function(ref)
        assert fn is not None
        verdicts = [self.verdict(handler.module, d) for d in handler.decorators]
        injected: Set[int] = set()
        for v in verdicts:
            injected.update(v.injects)
        # A decorator known only by its name that hands the view a parameter named like the user
        # authenticates (the common ``@token_required def f(current_user, ...)``); a project
        # decorator is judged by its body instead.
        by_name = any(not self.judged(handler.module, d) for d in handler.decorators)
        params: Dict[str, Value] = {}
        routes = dict(handler.route_params)
        positional = [p for p in fn.params if p.kind in (ParamKind.POSITIONAL, ParamKind.KEYWORD_ONLY)]
        if fn.cls is not None and positional and positional[0].name in ("self", "cls"):
            params[positional[0].name] = Value(obj=Obj(ObjKind.INSTANCE, f"{handler.module}:{fn.cls}"))
            positional = positional[1:]
        free_index = 0
        has_decorators = bool(handler.decorators)
        name_injected = False
        for p in positional:
            site = self.param_site(ref, p.name)
            if p.name in routes:
                params[p.name] = self.route_value(p.name, routes[p.name], site)
                continue
            position = free_index
            free_index += 1
            if p.name in handler.schema_params:
                params[p.name] = CLEAN
            elif position in injected or (has_decorators and self.settings.matches("identity_names", p.name)
                                          and handler.kind is not HandlerKind.SOCKET):
                params[p.name] = Value(identity=True, origin=p.name)
                if by_name and position not in injected:
                    name_injected = True
            elif p.name in handler.client_params:
                if handler.kind is HandlerKind.SOCKET:
                    params[p.name] = client(JSON_MAPPING - {Kind.MAPPING}, f"socket event parameter '{p.name}'", site)
                else:
                    params[p.name] = client(frozenset({Kind.TEXT}), f"route parameter '{p.name}'", site)
        summary = self.engine.call(ref, params, {})
        hooks = self.index.hooks_of(handler)
        by_hook = next((h for h in hooks if self.hook_authenticates(h)), None)
        by_decorator = next((d.name for d, v in zip(handler.decorators, verdicts) if v.authenticates or v.privileged), None)
        privileged = any(v.privileged for v in verdicts)
        by_role = next((d.name for d, v in zip(handler.decorators, verdicts) if v.privileged), None)
        if by_decorator:
            how = f"@{by_decorator}"
        elif name_injected:
            how = "an injected identity"
        elif by_hook is not None:
            how = f"hook {by_hook.name}"
        elif summary.uses_identity or summary.enforces_auth:
            how = "identity use"
        else:
            how = ""
        return Root(handler.module, handler.qualname, handler, handler.app, bool(how) or privileged, privileged,
                    summary, self.index.handled_errors(handler), how, f"@{by_role}" if by_role else "")

    def hook_root(self, key: str) -> Root:
        module, _, qual = key.partition(":")
        ref = Ref(RefKind.FUNCTION, module, qual)
        summary = self.engine.call(ref, {}, {})
        hook = Handler(module, qual, HandlerKind.HOOK, app=self._hook_app(key))
        return Root(module, qual, hook, hook.app, summary.uses_identity or summary.enforces_auth, False, summary,
                    self.index.error_handlers.get(hook.app, frozenset()),
                    "identity use" if summary.uses_identity else "")

    def _hook_app(self, key: str) -> str:
        for h in self.index.hooks:
            if h.function.key == key:
                return h.scope if h.scope.startswith(("obj:", "unit:")) else self._scope_app(h.scope, key)
        return f"unit:{key.split('.')[0].split(':')[0]}"

    def _scope_app(self, scope: str, key: str) -> str:
        for handler in self.index.handlers:
            if handler.blueprint == scope:
                return handler.app
        return f"unit:{key.split(':')[0].split('.')[0]}"

    def standalone_root(self, ref: Ref) -> Root:
        fn = self.index.function(ref)
        assert fn is not None
        params: Dict[str, Value] = {}
        if fn.cls is not None and fn.params and fn.params[0].name in ("self", "cls"):
            params[fn.params[0].name] = Value(obj=Obj(ObjKind.INSTANCE, f"{ref.module}:{fn.cls}"))
        summary = self.engine.call(ref, params, {})
        app = f"unit:{ref.module.split('.')[0]}"
        return Root(ref.module, ref.name, None, app, summary.uses_identity or summary.enforces_auth, False, summary,
                    self.index.error_handlers.get(app, frozenset()), "identity use" if summary.uses_identity else "")

    # ------------------------------------------------------------------ parameters
    def route_value(self, name: str, converter: str, site: Site) -> Value:
        origin = f"route parameter '{name}'"
        if converter in flask_model.OBJECTID_CONVERTERS:
            return client(frozenset({Kind.OPAQUE}), origin, site).with_(oid_valid=True)
        kind = flask_model.CONVERTERS.get(converter, Kind.OPAQUE)
        return client(frozenset({kind}), origin, site)

    def param_site(self, ref: Ref, name: str) -> Site:
        function = self.syntax[ref.module].functions[ref.name]
        p = function.node.params
        for param in (*p.posonly_params, *p.params, *p.kwonly_params):
            if param.name.value == name:
                return Site(ref.module, param.name, function.top)
        return Site(ref.module, function.node.name, function.top)

    # ------------------------------------------------------------------ decorators and hooks, by their bodies
    def verdict(self, module: str, dec: DecoratorRef) -> Verdict:
        ref = dec.ref
        if ref is not None and ref.kind is RefKind.FUNCTION:
            key = (ref.key, dec.called)
            if key not in self._verdicts:
                self._verdicts[key] = None  # a decorator judging itself: by name
                self._verdicts[key] = self.judge(ref, dec.called)
            found = self._verdicts[key]
            if found is not None:
                return found
        return Verdict(authenticates=self.settings.matches("auth_decorators", dec.name),
                       privileged=self.settings.matches("role_decorators", dec.name))

    def judged(self, module: str, dec: DecoratorRef) -> bool:
        """Whether a decorator is judged by its body (a project decorator whose body can be read)."""
        ref = dec.ref
        if ref is None or ref.kind is not RefKind.FUNCTION:
            return False
        self.verdict(module, dec)
        return self._verdicts.get((ref.key, dec.called)) is not None

    def judge(self, ref: Ref, called: bool) -> Optional[Verdict]:
        """Walk a project decorator: what does its wrapper do before it calls the view?"""
        decorator = ref
        if called:
            made = self.engine.call(ref, {}, {}).returns
            decorator = _function_ref(made)
            if decorator is None:
                return None
        fn = self.index.function(decorator)
        if fn is None:
            return None
        positional = [p for p in fn.params if p.kind is ParamKind.POSITIONAL]
        if not positional:
            return None
        view_param = positional[0].name
        view = Value(obj=Obj(ObjKind.VIEW))
        summary = self.engine.call(decorator, {view_param: view}, {})
        wrapper = _function_ref(summary.returns)
        if summary.returns.obj is not None and summary.returns.obj.kind is ObjKind.VIEW:
            return Verdict()  # returns the view itself: registers or marks it, guards nothing
        if wrapper is None:
            return self.applied_decorator(decorator, view_param)
        wfn = self.index.function(wrapper)
        if wfn is None:
            return None
        params: Dict[str, Value] = {}
        for p in wfn.params:
            params[p.name] = CLEAN
        inner = self.engine.call(wrapper, params, {view_param: view})
        calls = inner.view_calls
        if not calls:
            return Verdict(authenticates=inner.enforces_auth)
        injects = set(calls[0].identity_positions)
        for c in calls[1:]:
            injects &= set(c.identity_positions)
        return Verdict(
            authenticates=inner.enforces_auth or all(c.authed for c in calls),
            privileged=all(c.privileged for c in calls),
            injects=tuple(sorted(injects)),
        )

    def applied_decorator(self, decorator: Ref, view_param: str) -> Optional[Verdict]:
        """``return login_required(view)``: the decorator is another one, applied."""
        node = self.syntax[decorator.module].functions[decorator.name].node
        for stmt in _returns(node):
            value = stmt.value
            if isinstance(value, syn.Call) and value.args and isinstance(value.args[0].value, syn.Name) and \
                    value.args[0].value.value == view_param:
                func = value.func
                called = isinstance(func, syn.Call)
                target = func.func if isinstance(func, syn.Call) else func
                from flaskmongo_lint.analysis.syntaxutil import dotted

                text = dotted(target)
                if text is None:
                    continue
                from flaskmongo_lint.analysis.facts import Call

                dec = DecoratorRef(Call(text), called, self.engine.resolve_dotted(decorator.module, text))
                return self.verdict(decorator.module, dec)
        return None

    def hook_authenticates(self, ref: Ref) -> bool:
        if ref.key not in self._hooks:
            self._hooks[ref.key] = False
            self._hooks[ref.key] = self.engine.call(ref, {}, {}).enforces_auth
        return self._hooks[ref.key]

    # ------------------------------------------------------------------ evidence
    def evidence(self, roots: List[Root]) -> Evidence:
        ev = Evidence()
        for root in roots:
            if root.is_handler and root.authenticated:
                ev.authenticated_apps.add(root.app)
            for placed in root.summary.events:
                op = placed.event
                if not isinstance(op, Operation) or op.collection is None:
                    continue
                key = (root.app, op.collection)
                view = filter_of(op)
                if view is not None and view.is_owner_scoped(self.settings):
                    ev.per_owner.setdefault(key, []).append(op.site)
                if op.op is OpKind.INSERT and any(stores_identity(d.value) for d in op.documents):
                    ev.per_owner.setdefault(key, []).append(op.site)
                if root.is_handler and not root.authenticated and op.is_read:
                    if view is not None and view.client_selectors(self.settings, ids_only=True):
                        ev.public.add(key)  # read by id by anyone
                    elif op.site in root.summary.returned_reads and \
                            (view is None or not any(t.value.is_client for t in view.terms())):
                        ev.public.add(key)  # listed to anyone
        ev.secrets = secret_evidence(((evidence_keys(r.app, r.module), r.summary.events) for r in roots), self.settings)
        return ev


def _function_ref(value: Value) -> Optional[Ref]:
    obj = value.obj
    if obj is None or obj.kind is not ObjKind.FUNCTION or not obj.ref:
        return None
    module, _, qual = obj.ref.partition(":")
    return Ref(RefKind.FUNCTION, module, qual)


def _returns(fn: syn.FunctionDef):  # type: ignore[no-untyped-def]
    stack: List[syn.CSTNode] = [fn.body]
    while stack:
        n = stack.pop()
        if isinstance(n, syn.Return):
            yield n
        elif isinstance(n, (syn.FunctionDef, syn.ClassDef, syn.Lambda)):
            continue
        else:
            stack.extend(n.children)


def analyse(modules: Sequence[ParsedModule], settings: AnalysisSettings) -> ProjectResult:
    return Project(modules, settings).run()


__all__ = ["Evidence", "ParsedModule", "Project", "ProjectResult", "Root", "Verdict", "analyse", "evidence_keys"]
