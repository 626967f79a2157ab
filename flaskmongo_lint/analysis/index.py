"""The project index: the facts of every module joined, and the questions asked across modules.

Names resolve through imports (absolute, relative, ``__init__`` re-exports, ``*``; a dotted import
that names no module exactly falls back to the module whose path ends the same way, the nearest
to the importer). Handlers are found from route decorators and registrations wherever they are
written, and each belongs to an application: the ``Flask()`` object it is registered on (directly
or through a blueprint), or, when that object cannot be resolved (a factory's local ``app``), the
top-level package of its module. Error handlers and ``before_request`` hooks attach to the same
keys, so they apply to their application only. Everything here is plain data keyed by
``module:qualname``.
"""
from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from flaskmongo_lint.analysis.events import Caught
from flaskmongo_lint.analysis.facts import (
    Call, ClassFacts, Decorator, FunctionFacts, ModuleFacts, ParamKind, Registration, RegistrationKind,
)
from flaskmongo_lint.models import bson, flask, restful, socketio
from flaskmongo_lint.models.semantics import Semantics
from flaskmongo_lint.models.tags import Tag
from flaskmongo_lint.modules import path_parts

_RULE_PARAM = re.compile(r"<(?:(?P<conv>[A-Za-z_]\w*)(?:\([^)]*\))?:)?(?P<name>[A-Za-z_]\w*)>")
MAX_RESOLVE = 12  # hops through re-exports before giving up (a cycle of imports)


class RefKind(enum.Enum):
    MODULE = "module"
    FUNCTION = "function"
    CLASS = "class"
    BINDING = "binding"
    EXTERNAL = "external"  # not in the project: ``name`` is its qualified name


@dataclass(frozen=True)
class Ref:
    kind: RefKind
    module: str  # "" for EXTERNAL
    name: str  # qualname inside the module (or the external qualified name)

    @property
    def key(self) -> str:
        return f"{self.module}:{self.name}"

    @property
    def last(self) -> str:
        return self.name.rsplit(".", 1)[-1]


class HandlerKind(enum.Enum):
    ROUTE = "route"
    VIEW = "view"  # a method of a class-based view
    SOCKET = "socket"  # a Socket.IO event handler
    HOOK = "hook"  # a before_request hook


@dataclass(frozen=True)
class DecoratorRef:
    call: Call
    called: bool
    ref: Optional[Ref]  # what the decorator (or decorator factory) is

    @property
    def name(self) -> str:
        return self.call.target.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Route:
    """One URL rule a handler serves, as the route map shows it: the rule as written, the HTTP
    methods (a Socket.IO event: its name, method ``EVENT``), and the key of the module-level object
    it is registered on (an app, a blueprint, an Api or Namespace), whose URL prefix applies."""

    rule: str
    methods: Tuple[str, ...]
    on: Optional[str] = None  # "module:name" of the binding it is registered on


@dataclass(frozen=True)
class Handler:
    module: str
    qualname: str
    kind: HandlerKind
    rules: Tuple[str, ...] = ()
    decorators: Tuple[DecoratorRef, ...] = ()
    route_params: Tuple[Tuple[str, str], ...] = ()  # parameter -> converter
    client_params: Tuple[str, ...] = ()  # every parameter is client data (socket events, unknown rules)
    schema_params: Tuple[str, ...] = ()  # injected by @blp.arguments(Schema): clean
    app: str = ""
    blueprint: Optional[str] = None
    routes: Tuple[Route, ...] = ()  # for the route map only; the analysis reads ``rules``

    @property
    def key(self) -> str:
        return f"{self.module}:{self.qualname}"


@dataclass(frozen=True)
class Hook:
    scope: str  # an application key or a blueprint key
    function: Ref


@dataclass
class ProjectIndex:
    modules: Dict[str, ModuleFacts]
    semantics: Semantics
    handlers: List[Handler] = field(default_factory=list)
    hooks: List[Hook] = field(default_factory=list)
    error_handlers: Dict[str, FrozenSet[Caught]] = field(default_factory=dict)  # scope -> what is handled
    _by_suffix: Dict[Tuple[str, ...], List[str]] = field(default_factory=dict)
    _by_import_name: Dict[str, List[str]] = field(default_factory=dict)
    _objects: Dict[str, Optional[Tag]] = field(default_factory=dict)
    _view_methods: Dict[str, Dict[str, Tuple[str, ...]]] = field(default_factory=dict)  # class -> rule -> methods

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, modules: Iterable[ModuleFacts], semantics: Semantics) -> "ProjectIndex":
        index = cls({m.name: m for m in sorted(modules, key=lambda m: m.name)}, semantics)
        for m in index.modules.values():
            index._by_import_name.setdefault(m.imported_as, []).append(m.name)
            parts = path_parts(m.path)
            for i in range(len(parts)):
                index._by_suffix.setdefault(tuple(parts[i:]), []).append(m.name)
        index._find_handlers()
        index._find_app_facts()
        return index

    # ------------------------------------------------------------------ modules and names
    def module_named(self, dotted: str, importer: Optional[str] = None) -> Optional[str]:
        """The project module an absolute dotted name denotes, if any."""
        # A dotted name that names no module exactly may name one by its path (a folder without
        # __init__.py on the way); a single name only ever names a top-level module.
        candidates = self._by_import_name.get(dotted) or \
            (self._by_suffix.get(tuple(dotted.split(".")), []) if "." in dotted else [])
        if not candidates:
            return None
        if len(candidates) == 1 or importer is None or importer not in self.modules:
            return candidates[0]
        here = os.path.dirname(os.path.abspath(self.modules[importer].path))
        return min(candidates, key=lambda c: (-len(os.path.commonpath([here, os.path.abspath(self.modules[c].path)])), c))

    def submodule(self, module: str, attr: str) -> Optional[str]:
        """``package.attr`` when it is a module of the project."""
        facts = self.modules.get(module)
        if facts is None:
            return None
        return self.module_named(f"{facts.imported_as}.{attr}", module)

    def resolve_name(self, module: str, name: str, depth: int = 0) -> Optional[Ref]:
        """What a module-level name of ``module`` is."""
        facts = self.modules.get(module)
        if facts is None or depth > MAX_RESOLVE:
            return None
        fn = facts.functions.get(name)
        if fn is not None and fn.cls is None and fn.parent is None:
            return Ref(RefKind.FUNCTION, module, name)
        if name in facts.classes:
            return Ref(RefKind.CLASS, module, name)
        if name in facts.imports:
            target = facts.imports[name]
            found = self.resolve_qualname(target, module, depth + 1, facts.from_imports.get(name, False))
            if found is not None:
                return found
        if name in facts.bindings:
            return Ref(RefKind.BINDING, module, name)
        for star in facts.star_imports:
            target = self.module_named(star, module)
            if target is not None and target != module:
                found = self.resolve_name(target, name, depth + 1)
                if found is not None:
                    return found
            elif target is None and self.semantics.knows(f"{star}.{name}"):
                return Ref(RefKind.EXTERNAL, "", f"{star}.{name}")  # from flask import *
        return None

    def resolve_qualname(self, qualname: str, importer: Optional[str] = None, depth: int = 0,
                         from_import: bool = True) -> Optional[Ref]:
        """An absolute dotted name: a project module, something in one, or external."""
        if qualname.startswith("."):
            return None  # a relative import beyond the top: unknown, not external
        parts = qualname.split(".")
        for i in range(len(parts), 0, -1):
            mod = self.module_named(".".join(parts[:i]), importer)
            if mod is None:
                continue
            if i == len(parts):
                return Ref(RefKind.MODULE, mod, "")
            ref = self.resolve_name(mod, parts[i], depth + 1)
            if ref is None:
                continue
            return self.attribute_of(ref, parts[i + 1:], depth + 1)
        return Ref(RefKind.EXTERNAL, "", qualname)

    def attribute_of(self, ref: Ref, attrs: Sequence[str], depth: int = 0) -> Optional[Ref]:
        """``ref.a.b``: through modules and classes; None when it leaves what the index knows."""
        for attr in attrs:
            if ref.kind is RefKind.EXTERNAL:
                ref = Ref(RefKind.EXTERNAL, "", f"{ref.name}.{attr}")
            elif ref.kind is RefKind.MODULE:
                found = self.resolve_name(ref.module, attr, depth + 1)
                if found is None:
                    sub = self.submodule(ref.module, attr)
                    found = Ref(RefKind.MODULE, sub, "") if sub is not None else None
                if found is None:
                    return None
                ref = found
            elif ref.kind is RefKind.CLASS:
                method = self.method_of(ref, attr)
                if method is None:
                    return None
                ref = method
            else:
                return None
        return ref

    def resolve_dotted(self, module: str, dotted: str) -> Optional[Ref]:
        """A dotted expression written at module level of ``module`` (``services.get_trip``)."""
        if not dotted:
            return None
        head, *rest = dotted.split(".")
        ref = self.resolve_name(module, head)
        if ref is None:
            return None
        return self.attribute_of(ref, rest)

    def function(self, ref: Ref) -> Optional[FunctionFacts]:
        m = self.modules.get(ref.module)
        return m.functions.get(ref.name) if m is not None else None

    def klass(self, ref: Ref) -> Optional[ClassFacts]:
        m = self.modules.get(ref.module)
        return m.classes.get(ref.name) if m is not None else None

    def bases(self, ref: Ref) -> List[Ref]:
        """The bases of a project class, resolved (project classes or external names)."""
        cls = self.klass(ref)
        if cls is None:
            return []
        out = []
        for base in cls.bases:
            found = self.resolve_dotted(ref.module, base)
            if found is None and "." not in base and base in self.modules[ref.module].classes:
                found = Ref(RefKind.CLASS, ref.module, base)
            out.append(found if found is not None else Ref(RefKind.EXTERNAL, "", base))
        return out

    def lineage(self, ref: Ref) -> List[Ref]:
        """The class and its ancestors, depth first, each once (external bases at the end)."""
        out: List[Ref] = []
        seen: Set[str] = set()
        stack = [ref]
        while stack and len(out) < 32:
            r = stack.pop(0)
            if r.key in seen:
                continue
            seen.add(r.key)
            out.append(r)
            if r.kind is RefKind.CLASS:
                stack.extend(self.bases(r))
        return out

    def method_of(self, cls: Ref, name: str) -> Optional[Ref]:
        """``name`` looked up on a project class and its project bases."""
        for r in self.lineage(cls):
            if r.kind is not RefKind.CLASS:
                continue
            qual = f"{r.name}.{name}"
            if qual in self.modules[r.module].functions:
                return Ref(RefKind.FUNCTION, r.module, qual)
        return None

    def external_bases(self, cls: Ref) -> List[str]:
        return [r.name for r in self.lineage(cls) if r.kind is RefKind.EXTERNAL]

    def class_has_attribute(self, cls: Ref, name: str) -> Optional[Ref]:
        """The project class (of the lineage) that binds attribute ``name``."""
        for r in self.lineage(cls):
            if r.kind is RefKind.CLASS:
                facts = self.klass(r)
                if facts is not None and name in facts.attributes:
                    return r
        return None

    def nested_function(self, module: str, parent: str, name: str) -> Optional[Ref]:
        qual = f"{parent}.{name}"
        return Ref(RefKind.FUNCTION, module, qual) if qual in self.modules[module].functions else None

    # ------------------------------------------------------------------ objects (apps, blueprints ...)
    def object_tag(self, ref: Optional[Ref], depth: int = 0) -> Optional[Tag]:
        """What a module-level binding holds, when it is an object the models know."""
        if ref is None or ref.kind is not RefKind.BINDING or depth > MAX_RESOLVE:
            return None
        key = ref.key
        if key in self._objects:
            return self._objects[key]
        self._objects[key] = None
        binding = self.modules[ref.module].bindings[ref.name]
        tag: Optional[Tag] = None
        if binding.call is not None:
            target = self.resolve_dotted(ref.module, binding.call.target)
            if target is not None and target.kind is RefKind.EXTERNAL:
                tag = self.semantics.object_class(target.name)
            elif target is None and binding.call.target:
                receiver, _, method = binding.call.target.rpartition(".")
                if method in restful.API_FACTORY_METHODS and \
                        self.object_tag(self.resolve_dotted(ref.module, receiver), depth + 1) is Tag.API:
                    tag = Tag.API
        elif binding.alias is not None:
            tag = self.object_tag(self.resolve_dotted(ref.module, binding.alias), depth + 1)
        self._objects[key] = tag
        return tag

    def _binding(self, module: str, dotted: str) -> Optional[Ref]:
        ref = self.resolve_dotted(module, dotted)
        return ref if ref is not None and ref.kind is RefKind.BINDING else None

    def app_of(self, module: str, receiver: str, in_function: Optional[str] = None, depth: int = 0) -> str:
        """The application key of something registered on ``receiver`` (written in ``module``)."""
        unit = module.split(".")[0]
        ref = self._binding(module, receiver) if not (in_function and _is_param(self.modules[module], in_function,
                                                                                 receiver)) else None
        tag = self.object_tag(ref)
        if ref is None or tag is None or depth > MAX_RESOLVE:
            return f"unit:{unit}"
        if tag is Tag.APP:
            return f"obj:{ref.key}"
        if tag is Tag.BLUEPRINT:
            for m in self.modules.values():
                for reg in m.registrations:
                    if reg.kind is RegistrationKind.BLUEPRINT and reg.target is not None:
                        if self._binding(m.name, reg.target) == ref:
                            return self.app_of(m.name, reg.receiver, reg.in_function, depth + 1)
            return f"unit:{ref.module.split('.')[0]}"
        if tag in (Tag.API, Tag.SOCKETIO):
            binding = self.modules[ref.module].bindings[ref.name]
            first = binding.call.name(0) or binding.call.kwname("app") if binding.call is not None else None
            if first:
                return self.app_of(ref.module, first, None, depth + 1)
            for m in self.modules.values():
                for reg in m.registrations:
                    if reg.kind is RegistrationKind.NAMESPACE and reg.target is not None and \
                            self._binding(m.name, reg.target) == ref:
                        return self.app_of(m.name, reg.receiver, reg.in_function, depth + 1)
            return f"unit:{ref.module.split('.')[0]}"
        return f"unit:{unit}"

    def blueprint_of(self, module: str, receiver: str) -> Optional[str]:
        ref = self._binding(module, receiver)
        if ref is not None and self.object_tag(ref) is Tag.BLUEPRINT:
            return f"bp:{ref.key}"
        return None

    def _receiver_is(self, module: str, receiver: str, tag: Tag) -> bool:
        return self.object_tag(self._binding(module, receiver)) is tag

    # ------------------------------------------------------------------ handlers
    def _find_handlers(self) -> None:
        found: Dict[str, Handler] = {}
        views: Dict[str, List[Tuple[str, Optional[str], Tuple[str, ...]]]] = {}  # class key -> (module, receiver, rules)
        for m in self.modules.values():
            for fn in m.functions.values():
                handler = self._decorated_handler(m, fn)
                if handler is not None:
                    found.setdefault(handler.key, handler)
            for reg in m.registrations:
                if reg.target is None:
                    continue
                target = self.resolve_dotted(m.name, reg.target)
                if target is None:
                    continue
                if reg.kind in (RegistrationKind.URL_RULE, RegistrationKind.RESOURCE):
                    if target.kind is RefKind.FUNCTION:
                        fn = self.function(target)
                        if fn is not None:
                            routes = [Route(r, reg.methods or flask.DEFAULT_METHODS,
                                            self.mount_of(m.name, reg.receiver, reg.in_function)) for r in reg.rules]
                            h = self._handler(target.module, fn, HandlerKind.ROUTE, reg.rules, m.name, reg.receiver,
                                              reg.in_function, routes=routes)
                            found.setdefault(h.key, h)
                    elif target.kind is RefKind.CLASS:
                        views.setdefault(target.key, []).append((m.name, reg.receiver, reg.rules))
                        self._view_methods.setdefault(target.key, {}).update({r: reg.methods for r in reg.rules})
                elif reg.kind is RegistrationKind.SOCKET_EVENT and target.kind is RefKind.FUNCTION:
                    fn = self.function(target)
                    if fn is not None:
                        routes = [Route(reg.event or fn.name, (socketio.EVENT_METHOD,),
                                        self.mount_of(m.name, reg.receiver, reg.in_function))]
                        h = self._handler(target.module, fn, HandlerKind.SOCKET, (), m.name, reg.receiver,
                                          reg.in_function, routes=routes)
                        found.setdefault(h.key, h)
        for m in self.modules.values():
            for cls in m.classes.values():
                self._class_handlers(m, cls, views.get(f"{m.name}:{cls.qualname}", []), found)
        self.handlers = [found[k] for k in sorted(found)]

    def _decorated_handler(self, m: ModuleFacts, fn: FunctionFacts) -> Optional[Handler]:
        rules: List[str] = []
        receiver: Optional[str] = None
        socket = False
        routes: List[Route] = []
        events: List[Route] = []
        for dec in fn.decorators:
            rule = route_rule(dec)
            if rule is not None:
                rules.append(rule)
                receiver = receiver or dec.call.target.rpartition(".")[0]
                on = self.mount_of(m.name, dec.call.target.rpartition(".")[0], fn.parent)
                routes.append(Route(rule, route_methods(dec), on))
            elif self._is_socket_decorator(m.name, dec):
                socket = True
                receiver = receiver or dec.call.target.rpartition(".")[0]
                event = dec.call.arg(0) if dec.called else None
                events.append(Route(event if isinstance(event, str) else fn.name, (socketio.EVENT_METHOD,),
                                    self.mount_of(m.name, dec.call.target.rpartition(".")[0], fn.parent)))
        if fn.cls is not None and not rules:
            return None
        if rules:
            return self._handler(m.name, fn, HandlerKind.ROUTE, tuple(rules), m.name, receiver, fn.parent,
                                 routes=routes)
        if socket:
            return self._handler(m.name, fn, HandlerKind.SOCKET, (), m.name, receiver, fn.parent, routes=events)
        return None

    def _is_socket_decorator(self, module: str, dec: Decorator) -> bool:
        receiver, _, method = dec.call.target.rpartition(".")
        if method not in socketio.EVENT_DECORATORS or not receiver:
            return False
        return self._receiver_is(module, receiver, Tag.SOCKETIO) or \
            bool(socketio.RECEIVER_NAME.match(receiver.rsplit(".", 1)[-1]))

    def _handler(self, module: str, fn: FunctionFacts, kind: HandlerKind, rules: Tuple[str, ...], where: str,
                 receiver: Optional[str], in_function: Optional[str], extra: Sequence[DecoratorRef] = (),
                 routes: Sequence[Route] = ()) -> Handler:
        decorators = tuple(self.decorator_ref(module, d) for d in fn.decorators
                           if route_rule(d) is None and not self._is_socket_decorator(module, d)) + tuple(extra)
        params = [p for p in fn.params if p.kind in (ParamKind.POSITIONAL, ParamKind.KEYWORD_ONLY)]
        names = [p.name for p in params]
        if fn.cls is not None and names and names[0] in ("self", "cls"):
            names = names[1:]
        route: Dict[str, str] = {}
        for rule in rules:
            route.update(rule_params(rule))
        schema_count = sum(1 for d in decorators if d.name == restful.ARGUMENTS_DECORATOR and d.called)
        free = [n for n in names if n not in route]
        schema = tuple(free[:schema_count])
        client_params: Tuple[str, ...] = ()
        if kind is HandlerKind.SOCKET:
            client_params = tuple(names)
        elif kind is HandlerKind.VIEW and not rules:
            client_params = tuple(n for n in free if n not in schema)  # rule unknown: they come from it
        app = self.app_of(where, receiver, in_function) if receiver else f"unit:{module.split('.')[0]}"
        blueprint = self.blueprint_of(where, receiver) if receiver else None
        return Handler(module, fn.qualname, kind, tuple(rules), decorators,
                       tuple((p, c) for p, c in route.items() if p in names), client_params, schema, app, blueprint,
                       tuple(routes))

    def mount_of(self, module: str, receiver: str, in_function: Optional[str]) -> Optional[str]:
        """The key of the module-level object a route is registered on (None: a local one)."""
        if not receiver or (in_function and _is_param(self.modules[module], in_function, receiver)):
            return None
        ref = self._binding(module, receiver)
        return ref.key if ref is not None else None

    def decorator_ref(self, module: str, dec: Decorator) -> DecoratorRef:
        ref = self.resolve_dotted(module, dec.call.target)
        return DecoratorRef(dec.call, dec.called, ref)

    def _class_handlers(self, m: ModuleFacts, cls: ClassFacts, registered: List[Tuple[str, Optional[str], Tuple[str, ...]]],
                        found: Dict[str, Handler]) -> None:
        ref = Ref(RefKind.CLASS, m.name, cls.qualname)
        externals = set(self.external_bases(ref))
        lineage_names = {r.last for r in self.lineage(ref)}
        is_view = bool(externals & (flask.VIEW_BASES | restful.RESOURCE_BASES)) or \
            bool(lineage_names & (flask.VIEW_BASE_NAMES | restful.RESOURCE_BASE_NAMES))
        is_namespace = bool(externals & socketio.NAMESPACE_BASES) or bool(lineage_names & socketio.NAMESPACE_BASE_NAMES)
        if not (is_view or is_namespace):
            return
        rules: List[str] = []
        receiver: Optional[str] = None
        where = m.name
        extra: List[DecoratorRef] = []
        mounted: List[Tuple[str, Tuple[str, ...], Optional[str]]] = []  # (rule, methods given, mount)
        for dec in cls.decorators:
            rule = route_rule(dec)
            if rule is not None:
                rules.append(rule)
                receiver = receiver or dec.call.target.rpartition(".")[0]
                given = route_methods(dec) if dec.call.kwarg(flask.ROUTE_METHODS_KEYWORD) is not None else ()
                mounted.append((rule, given, self.mount_of(m.name, dec.call.target.rpartition(".")[0], None)))
            else:
                extra.append(self.decorator_ref(m.name, dec))
        for call in cls.view_decorators:
            extra.append(self.decorator_ref(m.name, Decorator(call, bool(call.args or call.kwargs))))
        in_function = None
        given_methods = self._view_methods.get(f"{m.name}:{cls.qualname}", {})
        for module, recv, reg_rules in registered:
            rules.extend(reg_rules)
            mounted.extend((r, given_methods.get(r, ()), self.mount_of(module, recv, None) if recv else None)
                           for r in reg_rules)
            if receiver is None and recv is not None:
                receiver, where = recv, module
        for name in cls.methods:
            is_handler = (is_view and name in flask.VIEW_METHODS) or \
                (is_namespace and name.startswith(socketio.NAMESPACE_HANDLER_PREFIX))
            fn = m.functions.get(f"{cls.qualname}.{name}")
            if not is_handler or fn is None:
                continue
            kind = HandlerKind.SOCKET if is_namespace and not is_view else HandlerKind.VIEW
            if kind is HandlerKind.SOCKET:
                routes = [Route(name[len(socketio.NAMESPACE_HANDLER_PREFIX):], (socketio.EVENT_METHOD,))]
            else:
                # A MethodView's ``get`` serves GET; ``dispatch_request`` serves the methods given.
                routes = [Route(rule, (name.upper(),) if name in flask.HTTP_VERBS else (given or flask.DEFAULT_METHODS),
                                on) for rule, given, on in mounted]
            h = self._handler(m.name, fn, kind, tuple(rules), where, receiver, in_function, extra, routes)
            found.setdefault(h.key, h)

    # ------------------------------------------------------------------ hooks and error handlers
    def _find_app_facts(self) -> None:
        handled: Dict[str, Set[Caught]] = {}
        hooks: List[Hook] = []
        for m in self.modules.values():
            for reg in m.registrations:
                if reg.kind not in (RegistrationKind.ERROR_HANDLER, RegistrationKind.HOOK):
                    continue
                scope = self._scope(m.name, reg)
                if reg.kind is RegistrationKind.ERROR_HANDLER:
                    for exc in reg.exceptions:
                        handled.setdefault(scope, set()).update(bson.HANDLED_ERRORS.get(exc.rsplit(".", 1)[-1], ()))
                elif reg.target is not None:
                    target = Ref(RefKind.FUNCTION, m.name, reg.target) if reg.decorated else \
                        self.resolve_dotted(m.name, reg.target)
                    if target is not None and target.kind is RefKind.FUNCTION:
                        hooks.append(Hook(scope, target))
        self.error_handlers = {k: frozenset(v) for k, v in handled.items()}
        self.hooks = sorted(set(hooks), key=lambda h: (h.scope, h.function.key))

    def _scope(self, module: str, reg: Registration) -> str:
        """Where an error handler or hook applies: a blueprint, or an application."""
        own = flask.HOOKS.get(reg.method) == "own" or flask.ERROR_HANDLERS.get(reg.method) == "own"
        if own and not (reg.in_function and _is_param(self.modules[module], reg.in_function, reg.receiver)):
            blueprint = self.blueprint_of(module, reg.receiver)
            if blueprint is not None:
                return blueprint
        return self.app_of(module, reg.receiver, reg.in_function)

    def scopes_of(self, handler: Handler) -> Tuple[str, ...]:
        return (handler.app,) + ((handler.blueprint,) if handler.blueprint else ())

    def handled_errors(self, handler: Handler) -> FrozenSet[Caught]:
        out: FrozenSet[Caught] = frozenset()
        for scope in self.scopes_of(handler):
            out = out | self.error_handlers.get(scope, frozenset())
        return out

    def hooks_of(self, handler: Handler) -> List[Ref]:
        scopes = set(self.scopes_of(handler))
        return [h.function for h in self.hooks if h.scope in scopes and h.function.key != handler.key]


def route_rule(dec: Decorator) -> Optional[str]:
    """The URL rule of a route decorator (``@app.route("/x")``, ``@bp.get("/x")``), else None."""
    if not dec.called:
        return None
    receiver, _, method = dec.call.target.rpartition(".")
    if not receiver or method not in flask.ROUTE_METHODS:
        return None
    rule = dec.call.kwarg("rule") if dec.call.kwarg("rule") is not None else dec.call.arg(0)
    if not isinstance(rule, str):
        return None
    if rule.startswith("/") or (rule == "" and method == "route"):
        return rule
    return None


def route_methods(dec: Decorator) -> Tuple[str, ...]:
    """The HTTP methods of a route decorator: ``@bp.post`` is POST, ``@app.route(..., methods=[...])``
    the methods listed, a bare ``@app.route`` GET."""
    method = dec.call.target.rpartition(".")[2]
    if method != flask.GENERIC_ROUTE:
        return (method.upper(),)
    given = dec.call.kwarg(flask.ROUTE_METHODS_KEYWORD)
    if isinstance(given, tuple) and given:
        return tuple(m.upper() for m in given)
    if isinstance(given, str):
        return (given.upper(),)
    return flask.DEFAULT_METHODS


def rule_params(rule: str) -> Dict[str, str]:
    """``/a/<int:id>/<name>`` -> ``{"id": "int", "name": "string"}``."""
    return {m.group("name"): m.group("conv") or "string" for m in _RULE_PARAM.finditer(rule)}


def _is_param(facts: ModuleFacts, function: str, receiver: str) -> bool:
    fn = facts.functions.get(function)
    head = receiver.split(".")[0]
    return fn is not None and any(p.name == head for p in fn.params)


__all__ = ["DecoratorRef", "Handler", "HandlerKind", "Hook", "ProjectIndex", "Ref", "RefKind", "Route", "route_methods",
           "route_rule", "rule_params"]
