"""The engine: follows calls through memoised, frozen summaries, bounded in steps.

Every walk of a function with given abstract arguments happens once; its :class:`Summary` is kept
and handed to every caller that passes the same arguments. Recursion is summarised, not re-entered:
a call back into a function that is already being walked reads that function's current
approximation (nothing, at first); when the walk of the head of the cycle ends, its result becomes
the approximation and the cycle is walked again, until the result is stable (a few rounds at most,
then the last one stands). Summaries computed inside a cycle depend on its approximation, so they
are kept only until the head is done; everything else is memoised for the whole run, which is
what makes a summary independent of which caller asked first.

Budgets are counted in steps (statements walked), never in seconds: a walk stops growing when its
function's budget is spent, and a file whose roots spent the file budget stops following calls.
Either way, what was found is kept, and the function is named in ``notes`` for ``--verbose``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.collect import Syntax
from flaskmongo_lint.analysis.syntaxutil import dotted, signature_of, string_value, suite
from flaskmongo_lint.analysis.index import ProjectIndex, Ref, RefKind
from flaskmongo_lint.analysis.interp.state import State
from flaskmongo_lint.analysis.interp.walker import Walker
from flaskmongo_lint.analysis.lattice import (
    CLEAN, Obj, ObjKind, Site, Value, join_all,
)
from flaskmongo_lint.analysis.summaries import BOTTOM, UNKNOWN, Summary
from flaskmongo_lint.models.semantics import Semantics

FUNCTION_BUDGET = 60_000  # statements walked in one walk of one function
FILE_BUDGET = 1_500_000  # statements walked for the roots of one file, callees included
MAX_STACK = 24  # nested calls followed
MAX_ROUNDS = 4  # rounds of a recursive cycle


@dataclass
class _Frame:
    key: str
    index: int
    head: bool = False  # a call below it came back to it
    deps: Set[int] = field(default_factory=set)  # frames whose approximation the walk read
    members: Set[str] = field(default_factory=set)  # inner heads of the cycle it heads
    dirty: bool = False  # an inner head's approximation changed in this round


def _freeze(values: Dict[str, Value]) -> Tuple[Tuple[str, Value], ...]:
    return tuple(sorted(values.items(), key=lambda kv: kv[0]))


class Engine:
    def __init__(self, index: ProjectIndex, syntax: Dict[str, Syntax], semantics: Semantics,
                 store: Optional[Dict[str, Value]] = None) -> None:
        self.index = index
        self.syntax = syntax
        self.semantics = semantics
        self._stored = store
        self.memo: Dict[tuple, Summary] = {}
        self.local: Dict[tuple, Tuple[Summary, FrozenSet[int]]] = {}
        self.stack: List[_Frame] = []
        self.approx: Dict[str, Summary] = {}
        self.reached: Set[str] = set()
        self.notes: List[str] = []
        self.steps_used = 0  # in the current file
        self.total_steps = 0  # in the whole run
        self.walks = 0
        self.file_budget = FILE_BUDGET
        self._bindings: Dict[str, Value] = {}
        self._class_attrs: Dict[str, Optional[Value]] = {}
        self._evaluating: Set[str] = set()
        self._resolved: Dict[Tuple[str, str], Optional[Ref]] = {}
        self._free: Dict[str, FrozenSet[str]] = {}
        self._signatures: Dict[str, str] = {}
        self._defaults: Dict[Tuple[str, str], Value] = {}
        self._rg: Dict[Tuple[str, str], bool] = {}

    # ------------------------------------------------------------------ budgets
    def begin_file(self) -> None:
        self.steps_used = 0

    @property
    def exhausted(self) -> bool:
        return self.steps_used >= self.file_budget

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def reset_stack(self) -> None:
        """After an internal error inside a walk: forget the half-done cycle."""
        self.stack.clear()
        self.local.clear()
        self.approx.clear()

    # ------------------------------------------------------------------ calls
    def call(self, ref: Ref, params: Dict[str, Value], closure: Dict[str, Value]) -> Summary:
        key = (ref.key, _freeze(params), _freeze(closure))
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        local = self.local.get(key)
        if local is not None:
            summary, deps = local
            if self.stack:
                self.stack[-1].deps |= deps
            return summary
        for frame in self.stack:
            if frame.key == ref.key:
                frame.head = True  # recursion: read the approximation, walk again when it is done
                self.stack[-1].deps.add(frame.index)
                return self.approx.get(ref.key, BOTTOM)
        if len(self.stack) >= MAX_STACK or self.exhausted:
            self.note(f"{ref.key}: not followed (budget)")
            return UNKNOWN
        frame = _Frame(ref.key, len(self.stack))
        self.stack.append(frame)
        try:
            summary = self._fixpoint(ref, params, closure, frame)
        finally:
            self.stack.pop()
        deps = frozenset(frame.deps - {frame.index})
        if frame.head and not deps:
            # The outermost head of its cycle is done: the cycle's approximations have served.
            for member in frame.members | {ref.key}:
                self.approx.pop(member, None)
        if deps:
            # Inside an outer cycle: what leaned on this frame now leans on the outer head, whose
            # next round will walk it again; until then it serves this round.
            self._rehome(frame.index, min(deps))
        else:
            self._purge(frame.index)
        if deps:
            self.local[key] = (summary, deps)
            self.stack[-1].deps |= deps
        else:
            self.memo[key] = summary
        return summary

    def _fixpoint(self, ref: Ref, params: Dict[str, Value], closure: Dict[str, Value], frame: _Frame) -> Summary:
        """Walk a function; when it is the outermost head of a cycle, walk again until the
        approximations of the cycle are stable. A head inside an outer cycle walks once per
        round of the outer one and only records its approximation."""
        rounds = 0
        while True:
            frame.dirty = False
            summary = self.walk(ref, params, closure)
            if not frame.head:
                return summary
            previous = self.approx.get(ref.key)
            changed = previous is None or not summary.same_result(previous)
            self.approx[ref.key] = summary if previous is None else previous.joined(summary)
            outer = [i for i in frame.deps if i < frame.index]
            if outer:
                head = self.stack[min(outer)]
                head.members.add(ref.key)
                head.dirty = head.dirty or changed
                return summary
            if not changed and not frame.dirty:
                return summary
            rounds += 1
            if rounds >= MAX_ROUNDS:
                self.note(f"{ref.key}: recursion cut after {rounds} rounds")
                return summary
            frame.deps.discard(frame.index)
            self._purge(frame.index)

    def _rehome(self, index: int, outer: int) -> None:
        for k, (summary, deps) in list(self.local.items()):
            if index in deps:
                self.local[k] = (summary, (deps - {index}) | {outer})

    def _purge(self, index: int) -> None:
        stale = [k for k, (_, deps) in self.local.items() if index in deps]
        for k in stale:
            del self.local[k]

    def walk(self, ref: Ref, params: Dict[str, Value], closure: Dict[str, Value]) -> Summary:
        fn = self.index.function(ref)
        module_syntax = self.syntax.get(ref.module)
        node = module_syntax.functions.get(ref.name) if module_syntax is not None else None
        if fn is None or node is None:
            return UNKNOWN
        self.reached.add(ref.key)
        budget = max(1, min(FUNCTION_BUDGET, self.file_budget - self.steps_used))
        walker = Walker(self, ref.module, ref, fn, node.top, params, closure, budget)
        walker.scope = self.signature(ref, node.node)
        summary = walker.run(suite(node.node.body))
        self.steps_used += walker.steps
        self.total_steps += walker.steps
        self.walks += 1
        if walker.truncated and walker.steps >= budget:
            self.note(f"{ref.key}: budget of {budget} steps spent")
        return summary

    # ------------------------------------------------------------------ names and objects
    def resolve(self, module: str, name: str) -> Optional[Ref]:
        key = (module, name)
        if key not in self._resolved:
            self._resolved[key] = self.index.resolve_name(module, name)
        return self._resolved[key]

    def resolve_dotted(self, module: str, dotted: str) -> Optional[Ref]:
        head, _, rest = dotted.partition(".")
        ref = self.resolve(module, head)
        if ref is None or not rest:
            return ref
        return self.index.attribute_of(ref, rest.split("."))

    def name_value(self, module: str, name: str, site: Site) -> Value:
        """What a name means at module level (not bound in the function)."""
        ref = self.resolve(module, name)
        if ref is None:
            found = self.semantics.unbound(name)
            return found if found is not None else CLEAN
        if ref.kind is RefKind.EXTERNAL:
            found = self.semantics.external(ref.name, site)
            if found is None:
                found = self.semantics.unbound(name)
            return found if found is not None else CLEAN
        return self.ref_value(ref)

    def ref_value(self, ref: Ref) -> Value:
        if ref.kind is RefKind.FUNCTION:
            return Value(obj=Obj(ObjKind.FUNCTION, ref.key))
        if ref.kind is RefKind.CLASS:
            return Value(obj=Obj(ObjKind.CLASS, ref.key))
        if ref.kind is RefKind.MODULE:
            return Value(obj=Obj(ObjKind.MODULE, ref.module))
        if ref.kind is RefKind.BINDING:
            return self.binding_value(ref)
        found = self.semantics.external(ref.name, Site("", syn.Name("_"), None))
        return found if found is not None else CLEAN

    def binding_value(self, ref: Ref) -> Value:
        """A module-level name: the join of what every binding statement gives it."""
        key = ref.key
        if key in self._bindings:
            return self._bindings[key]
        if key in self._evaluating:
            return CLEAN
        module_syntax = self.syntax.get(ref.module)
        exprs = module_syntax.bindings.get(ref.name, []) if module_syntax is not None else []
        self._evaluating.add(key)
        try:
            walker = Walker(self, ref.module, None, None, None, {}, {}, FUNCTION_BUDGET)
            values = [walker.evaluate(expr, top) for expr, top in exprs]
        finally:
            self._evaluating.discard(key)
        value = join_all(values) if values else CLEAN
        if not values:
            found = self.semantics.unbound(ref.name)
            value = found if found is not None else CLEAN
        self._bindings[key] = value
        return value

    def object_attribute(self, obj: Obj, attr: str, site: Site) -> Optional[Value]:
        """An attribute of a project module, class or instance."""
        if obj.kind is ObjKind.MODULE and obj.ref:
            ref = self.resolve(obj.ref, attr)
            if ref is None:
                sub = self.index.submodule(obj.ref, attr)
                return Value(obj=Obj(ObjKind.MODULE, sub)) if sub is not None else None
            return self.name_value(obj.ref, attr, site)
        if obj.kind in (ObjKind.CLASS, ObjKind.INSTANCE) and obj.ref:
            module, _, qual = obj.ref.partition(":")
            cls = Ref(RefKind.CLASS, module, qual)
            method = self.index.method_of(cls, attr)
            if method is not None:
                data = (("self", Value(obj=obj)),) if obj.kind is ObjKind.INSTANCE else ()
                return Value(obj=Obj(ObjKind.FUNCTION, method.key, data=data))
            return self.class_attribute(cls, attr)
        return None

    def class_attribute(self, cls: Ref, attr: str) -> Optional[Value]:
        """``self.x`` / ``Cls.x``: what the class body or its methods bind to it."""
        owner = self.index.class_has_attribute(cls, attr)
        if owner is None:
            return None
        key = f"{owner.key}.{attr}"
        if key in self._class_attrs:
            return self._class_attrs[key]
        if key in self._evaluating:
            return None
        module_syntax = self.syntax.get(owner.module)
        exprs = module_syntax.class_attributes.get((owner.name, attr), []) if module_syntax is not None else []
        self._evaluating.add(key)
        try:
            walker = Walker(self, owner.module, None, None, None, {}, {}, FUNCTION_BUDGET)
            instance = Value(obj=Obj(ObjKind.INSTANCE, cls.key))
            values = [walker.evaluate(expr, top, State(env={"self": instance})) for expr, top in exprs]
        finally:
            self._evaluating.discard(key)
        value = join_all(values) if values else None
        self._class_attrs[key] = value
        return value

    def nested(self, module: str, parent: Optional[str], name: str) -> Optional[Ref]:
        if parent is None:
            return self.index.resolve_name(module, name)
        return self.index.nested_function(module, parent, name)

    def signature(self, ref: Ref, node: syn.FunctionDef) -> str:
        """``Qual.name(params)``: where in the code a finding is, for its fingerprint."""
        found = self._signatures.get(ref.key)
        if found is None:
            found = self._signatures[ref.key] = signature_of(node, ref.name)
        return found

    def free_names(self, ref: Ref) -> FrozenSet[str]:
        """The names a nested function's body mentions (its enclosing variables among them)."""
        key = ref.key
        if key not in self._free:
            function = self.syntax[ref.module].functions.get(ref.name)
            names: Set[str] = set()
            if function is not None:
                stack: List[syn.CSTNode] = [function.node.body]
                while stack:
                    n = stack.pop()
                    if isinstance(n, syn.Name):
                        names.add(n.value)
                    stack.extend(n.children)
            self._free[key] = frozenset(names)
        return self._free[key]

    def default_value(self, ref: Ref, param: str) -> Value:
        """A parameter the call leaves out takes its default: a constant, mostly."""
        key = (ref.key, param)
        if key not in self._defaults:
            value = CLEAN
            function = self.syntax[ref.module].functions.get(ref.name)
            if function is not None:
                p = function.node.params
                for candidate in (*p.posonly_params, *p.params, *p.kwonly_params):
                    if candidate.name.value == param and candidate.default is not None:
                        d = candidate.default
                        if isinstance(d, (syn.Integer, syn.Float, syn.SimpleString, syn.ConcatenatedString)) or \
                                (isinstance(d, syn.Name) and d.value in ("None", "True", "False")):
                            value = Value(const=True, literal=string_value(d))
            self._defaults[key] = value
        return self._defaults[key]

    def constant_container(self, module: str, expr: syn.BaseExpression) -> bool:
        """A literal collection of constants, or a module-level name bound to one."""
        if isinstance(expr, (syn.Set, syn.List, syn.Tuple)):
            return all(string_value(e.value) is not None or isinstance(e.value, (syn.Integer, syn.Float))
                       for e in expr.elements)
        if isinstance(expr, syn.Dict):
            return all(isinstance(e, syn.DictElement) and string_value(e.key) is not None for e in expr.elements)
        if isinstance(expr, (syn.Name, syn.Attribute)):
            value = self._constant_value(module, expr)
            if value is None:
                return False
            if value.elements is not None:
                return all(e.value.const for e in value.elements)
            if value.shape is not None:
                return all(e.key is not None for e in value.shape)
        if isinstance(expr, syn.Call) and expr.args and isinstance(expr.func, syn.Name) and \
                expr.func.value in ("frozenset", "set", "tuple", "list"):
            return self.constant_container(module, expr.args[0].value)
        return False

    def _constant_value(self, module: str, expr: syn.BaseExpression) -> Optional[Value]:
        text = dotted(expr)
        if text is None:
            return None
        ref = self.resolve_dotted(module, text)
        if ref is None or ref.kind is not RefKind.BINDING:
            return None
        return self.binding_value(ref)

    def validated(self, value: Value) -> Value:
        return self.semantics.validated(value)

    # ------------------------------------------------------------------ the request globals (g)
    def is_store(self, module: str, expr: syn.BaseExpression) -> bool:
        if not isinstance(expr, syn.Name):
            return False
        key = (module, expr.value)
        if key not in self._rg:
            ref = self.resolve(module, expr.value)
            self._rg[key] = ref is not None and ref.kind is RefKind.EXTERNAL and \
                self.semantics.is_store(ref.name)
        return self._rg[key]

    def stored(self, attr: str) -> Optional[Value]:
        return self.store().get(attr)

    def store(self) -> Dict[str, Value]:
        """What the project's code stores in each ``g.<attr>``: every function that assigns one is
        walked on its own (reading ``g`` by its defaults meanwhile) and the values are joined."""
        if self._stored is None:
            self._stored = {}
            sub = Engine(self.index, self.syntax, self.semantics, store={})
            writes: Dict[str, List[Value]] = {}
            for m in self.index.modules.values():
                for fn in m.functions.values():
                    if not any(self.is_store(m.name, syn.Name(t.split(".")[0]))
                               for t in fn.attribute_writes if t.count(".") == 1):
                        continue
                    summary = sub.call(Ref(RefKind.FUNCTION, m.name, fn.qualname), {}, {})
                    for attr, value in summary.g_writes:
                        writes.setdefault(attr, []).append(value)
            for attr, values in sorted(writes.items()):
                kept = [v for v in values if not (v.const and not v.kinds)] or values
                value = join_all(kept)
                if value.kinds:
                    value = value.with_(origin=f"g.{attr} (set from {value.origin or 'request data'})")
                elif value.identity or any(v.identity for v in kept) and not any(v.kinds for v in kept):
                    value = value.with_(identity=True, origin=f"g.{attr}")
                elif value.obj is None and self.semantics.settings.matches("identity_names", attr):
                    value = Value(identity=True, origin=f"g.{attr}")
                self._stored[attr] = value
        return self._stored


__all__ = ["Engine", "FILE_BUDGET", "FUNCTION_BUDGET"]
