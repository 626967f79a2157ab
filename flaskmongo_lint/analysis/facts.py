"""Module facts: what one statement-level pass over a module learns, as plain, picklable data.

Nothing here holds a syntax node: definitions are keyed by their qualified name inside the module
(``"Notes.get"``, ``"login_required.wrapper"``), expressions are kept as the dotted text they were
written as (``"app.route"``, ``"services.get_trip"``), and literal arguments as strings. The
project index (:mod:`flaskmongo_lint.analysis.index`) joins the facts of every module; a cache can
key them by content. The syntax the interpreter walks lives apart, in
:class:`flaskmongo_lint.analysis.collect.Syntax`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

# A literal argument: a string, a tuple of strings (``methods=["GET", "POST"]``), or None when the
# argument is not a literal.
Literal = Union[str, Tuple[str, ...], None]


@dataclass(frozen=True)
class Call:
    """A call written in the code, as data: ``app.route("/x", methods=["GET"])``."""

    target: str  # dotted text of the callee ("" when it is not a dotted name)
    args: Tuple[Literal, ...] = ()  # positional arguments that are literals
    names: Tuple[Optional[str], ...] = ()  # positional arguments that are dotted names
    kwargs: Tuple[Tuple[str, Literal], ...] = ()
    kwnames: Tuple[Tuple[str, Optional[str]], ...] = ()  # keyword arguments that are dotted names

    def kwarg(self, name: str) -> Literal:
        for k, v in self.kwargs:
            if k == name:
                return v
        return None

    def kwname(self, name: str) -> Optional[str]:
        for k, v in self.kwnames:
            if k == name:
                return v
        return None

    def arg(self, index: int) -> Literal:
        return self.args[index] if index < len(self.args) else None

    def name(self, index: int) -> Optional[str]:
        return self.names[index] if index < len(self.names) else None


@dataclass(frozen=True)
class Decorator:
    call: Call
    called: bool  # ``@x(...)`` rather than ``@x``


class ParamKind(enum.Enum):
    POSITIONAL = "positional"
    KEYWORD_ONLY = "keyword_only"
    VAR_POSITIONAL = "var_positional"
    VAR_KEYWORD = "var_keyword"


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind
    has_default: bool = False


@dataclass(frozen=True)
class FunctionFacts:
    qualname: str  # inside the module: "f", "Cls.m", "outer.inner"
    name: str
    cls: Optional[str]  # qualname of the class it is a method of
    parent: Optional[str]  # qualname of the function it is nested in
    params: Tuple[Param, ...]
    decorators: Tuple[Decorator, ...]
    is_async: bool = False
    attribute_writes: Tuple[str, ...] = ()  # dotted targets of ``x.attr = ...`` (``g.user``)
    nested: Tuple[str, ...] = ()  # qualnames of the functions defined directly inside it


@dataclass(frozen=True)
class ClassFacts:
    qualname: str
    name: str
    bases: Tuple[str, ...]  # dotted text of each base
    decorators: Tuple[Decorator, ...]
    view_decorators: Tuple[Call, ...] = ()  # ``decorators = [...]`` / ``method_decorators = ...``
    methods: Tuple[str, ...] = ()  # method names
    attributes: Tuple[str, ...] = ()  # class-level names and ``self.x`` assigned in its methods


class RegistrationKind(enum.Enum):
    URL_RULE = "url_rule"  # app.add_url_rule(rule, endpoint, view_func)
    RESOURCE = "resource"  # api.add_resource(Resource, "/rule", ...)
    ERROR_HANDLER = "error_handler"  # errorhandler / register_error_handler / app_errorhandler
    HOOK = "hook"  # before_request / before_app_request, as a call or a decorator
    BLUEPRINT = "blueprint"  # app.register_blueprint(bp)
    SOCKET_EVENT = "socket_event"  # socketio.on_event("name", handler)
    NAMESPACE = "namespace"  # api.add_namespace(ns)


@dataclass(frozen=True)
class Registration:
    kind: RegistrationKind
    receiver: str  # dotted text of what it is registered on
    method: str  # the registering method's name (errorhandler, app_errorhandler, before_request ...)
    target: Optional[str]  # dotted text of the view / handler / blueprint registered
    rules: Tuple[str, ...] = ()  # URL rules
    exceptions: Tuple[str, ...] = ()  # error handler: dotted names of the exceptions handled
    methods: Tuple[str, ...] = ()  # HTTP methods, when given
    in_function: Optional[str] = None  # qualname of the function it is made in (receiver may be local)
    decorated: bool = False  # made by decorating ``target`` (then a qualname of this module)
    # For the route map: the ``url_prefix=`` of ``register_blueprint`` / ``path=`` of
    # ``add_namespace`` when it is a literal, and the event name of ``on_event("name", f)``.
    prefix: Optional[str] = None
    event: Optional[str] = None


@dataclass(frozen=True)
class Binding:
    """A module-level name, and what it is bound to (the last binding statement's shape)."""

    name: str
    call: Optional[Call] = None  # bound to a call: what is called
    alias: Optional[str] = None  # bound to a dotted name
    count: int = 1  # how many statements bind it


@dataclass
class ModuleFacts:
    name: str  # the module's key in the project: its dotted name, unique in the run
    path: str
    is_package: bool  # an __init__.py
    import_name: str = ""  # the dotted name imports use (the key without a disambiguating prefix)
    imports: Dict[str, str] = field(default_factory=dict)  # local name -> absolute dotted name
    from_imports: Dict[str, bool] = field(default_factory=dict)  # local name -> came from ``from x import``
    star_imports: List[str] = field(default_factory=list)  # modules imported with *
    functions: Dict[str, FunctionFacts] = field(default_factory=dict)
    classes: Dict[str, ClassFacts] = field(default_factory=dict)
    bindings: Dict[str, Binding] = field(default_factory=dict)
    registrations: List[Registration] = field(default_factory=list)

    @property
    def imported_as(self) -> str:
        return self.import_name or self.name

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        name = self.imported_as
        return name if self.is_package else name.rpartition(".")[0]

    @property
    def unit(self) -> str:
        """The top-level package (or module) this module belongs to."""
        return self.name.split(".")[0]

    def top_level(self, name: str) -> bool:
        """Whether ``name`` is defined at module level (a def, a class or a binding)."""
        return name in self.bindings or (name in self.functions and self.functions[name].parent is None
                                         and self.functions[name].cls is None) or \
            (name in self.classes and "." not in name)


__all__ = [
    "Binding", "Call", "ClassFacts", "Decorator", "FunctionFacts", "Literal", "ModuleFacts", "Param",
    "ParamKind", "Registration", "RegistrationKind",
]
