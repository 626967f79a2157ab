"""Analysing one module: walk every function, follow calls inside the module, collect events.

Every function is walked once on its own (a handler with its route parameters as client data, any
other function with clean parameters). A call to a function of the same module is followed with the
caller's argument values, so a helper whose parameter receives client data is analysed with that
parameter tainted, and a helper that returns ``request.get_json()`` is a source. Those walks are
memoised on the abstract arguments and the calling context, and bounded in depth.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Optional, Tuple

import libcst as cst

from flaskmongo_lint.analysis.events import Event, FunctionContext, MongoOp
from flaskmongo_lint.analysis.handlers import Handler, find_handlers
from flaskmongo_lint.analysis.module import ModuleFacts, collect_facts
from flaskmongo_lint.analysis.values import CLEAN, NUMBER, OPAQUE, TEXT, Value
from flaskmongo_lint.settings import AnalysisSettings

if TYPE_CHECKING:  # pragma: no cover
    from flaskmongo_lint.analysis.flow import State, Summary, Walker

MAX_CALL_DEPTH = 4
CONVERTER_KINDS = {"int": NUMBER, "float": NUMBER, "string": TEXT, "path": TEXT, "any": TEXT, "default": TEXT}


class ModuleAnalysis:
    def __init__(self, module: cst.Module, settings: AnalysisSettings) -> None:
        self.module = module
        self.settings = settings
        self.facts: ModuleFacts = collect_facts(module)
        self.handlers: Dict[int, Handler] = find_handlers(self.facts, settings)
        self.events: List[Event] = []
        self._reads: Dict[int, MongoOp] = {}
        self._summaries: Dict[Tuple, "Summary"] = {}
        self._active: List[int] = []
        self._leaves: Dict[int, bool] = {}
        self._methods: Dict[Tuple[int, str], cst.FunctionDef] = {}
        self._tops: Dict[int, cst.CSTNode] = {id(info.node): info.top for info in self.facts.all_functions}
        self._next_id = 0
        for info in self.facts.all_functions:
            if info.cls is not None:
                self._methods[(id(info.cls), info.node.name.value)] = info.node

    # ------------------------------------------------------------------ driving
    def run(self) -> List[Event]:
        from flaskmongo_lint.analysis.flow import Walker

        # Functions that assign attributes (before_request hooks filling g) go first, so that
        # every handler sees which g attributes hold client data.
        ordered = sorted(self.facts.all_functions, key=lambda i: id(i.node) not in self.facts.attribute_writers)
        for info in ordered:
            handler = self.handlers.get(id(info.node))
            params: Dict[str, Value] = {}
            ctx = FunctionContext(name=info.node.name.value, is_handler=handler is not None, top=info.top)
            if handler is not None:
                ctx.auth_decorated = handler.is_auth_decorated(self.settings)
                ctx.role_decorated = handler.is_role_decorated(self.settings)
                for name, converter in handler.route_params.items():
                    kind = CONVERTER_KINDS.get(converter, OPAQUE)
                    params[name] = Value(kinds=frozenset({kind}), origin=f"route parameter '{name}'")
                for name in handler.injected_identity:
                    params[name] = Value(identity=True)
                # A decorator that injects the user authenticates the handler, used or not.
                ctx.uses_identity = bool(handler.injected_identity)
            self._active.append(id(info.node))
            Walker(self, info.node, ctx, params, frozenset(), 0, info.cls).run()
            self._active.pop()
        return self.events

    # ------------------------------------------------------------------ events
    def add_event(self, event: Event) -> int:
        self.events.append(event)
        self._next_id += 1
        rid = self._next_id
        if isinstance(event, MongoOp):
            self._reads[rid] = event
        return rid

    def mark_checked(self, reads: Iterable[int]) -> None:
        for rid in reads:
            op = self._reads.get(rid)
            if op is not None:
                op.checked_after_fetch = True

    def mark_returned(self, reads: Iterable[int]) -> None:
        for rid in reads:
            op = self._reads.get(rid)
            if op is not None:
                op.returned_unchecked = True

    def scoped_collections(self) -> FrozenSet[str]:
        """Collections that some query in this module scopes by owner: the code shows they are per-user."""
        out = set()
        for e in self.events:
            if isinstance(e, MongoOp) and e.collection and e.filter is not None and e.filter.is_owner_scoped(self.settings):
                out.add(e.collection)
        return frozenset(out)

    # ------------------------------------------------------------------ calls inside the module
    def method_of(self, cls: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
        return self._methods.get((id(cls), name))

    def callee_always_leaves(self, name: str, cls: Optional[cst.ClassDef]) -> bool:
        """``deny()`` where ``def deny(): abort(403)``: a call that never returns."""
        fn = self.facts.functions.get(name)
        if fn is None:
            return False
        key = id(fn)
        if key not in self._leaves:
            self._leaves[key] = False  # breaks recursion
            self._leaves[key] = _always_leaves(fn, self)
        return self._leaves[key]

    def call_function(self, fn: cst.FunctionDef, call: cst.Call, args: List[Value], caller: "Walker",
                      state: "State", bound: bool = False) -> Value:
        from flaskmongo_lint.analysis.flow import Walker

        provenance = frozenset().union(*(a.reads for a in args)) if args else frozenset()
        if caller.depth >= MAX_CALL_DEPTH or id(fn) in self._active:
            return Value(reads=provenance) if provenance else CLEAN
        params = _bind_params(fn, call, args, bound)
        inherited = caller.ctx.authenticated
        privileged = state.privileged or caller.ctx.role_decorated
        caught = caller.caught
        key = (id(fn), tuple(sorted((k, _signature(v)) for k, v in params.items())), inherited, privileged, caught)
        summary = self._summaries.get(key)
        if summary is None:
            ctx = FunctionContext(name=fn.name.value, is_handler=False, inherited_authenticated=inherited,
                                  role_decorated=privileged, top=self._tops.get(id(fn)))
            self._active.append(id(fn))
            try:
                summary = Walker(self, fn, ctx, params, caught, caller.depth + 1, caller.cls if bound else None).run()
            finally:
                self._active.pop()
            if ctx.uses_identity:
                caller.ctx.uses_identity = True
            self._summaries[key] = summary
        result = summary.returns
        state.pending = state.pending | summary.pending
        if provenance:
            result = result.with_(reads=result.reads | provenance)
        return result


def _signature(v: Value) -> Tuple:
    return (v.kinds, v.origin, v.identity, v.owned, v.oid_valid, v.regex_safe, v.is_doc, v.scoped_lookup,
            v.is_key, v.special, v.shape is not None)


def _bind_params(fn: cst.FunctionDef, call: cst.Call, args: List[Value], bound: bool) -> Dict[str, Value]:
    params = fn.params
    positional_params = [p.name.value for p in (*params.posonly_params, *params.params)]
    if bound and positional_params:
        positional_params = positional_params[1:]
    out: Dict[str, Value] = {}
    pos_index = 0
    for arg, value in zip(call.args, args):
        if arg.star:
            continue
        if arg.keyword is not None:
            out[arg.keyword.value] = value
        elif pos_index < len(positional_params):
            out[positional_params[pos_index]] = value
            pos_index += 1
    # Parameters the call leaves out take their (constant) defaults: clean.
    for name in positional_params + [p.name.value for p in params.kwonly_params]:
        out.setdefault(name, CLEAN)
    return out


def _always_leaves(fn: cst.FunctionDef, analysis: ModuleAnalysis) -> bool:
    from flaskmongo_lint.analysis.flow import Walker

    ctx = FunctionContext(name=fn.name.value, is_handler=False)
    # A throwaway walk: its events must not be reported (they are found by the function's own walk).
    saved = analysis.events
    analysis.events = []
    try:
        summary = Walker(analysis, fn, ctx, {}, frozenset(), MAX_CALL_DEPTH, None).run()
    finally:
        analysis.events = saved
    return summary.always_leaves


def analyse(module: cst.Module, settings: AnalysisSettings) -> Tuple[List[Event], ModuleAnalysis]:
    analysis = ModuleAnalysis(module, settings)
    return analysis.run(), analysis
