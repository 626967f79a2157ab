"""The walker: one walk of one function body (or of module-level code), in one context."""
from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Sequence, Tuple

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.facts import FunctionFacts
from flaskmongo_lint.analysis.index import Ref, RefKind
from flaskmongo_lint.analysis.interp.base import Effects, EngineView
from flaskmongo_lint.analysis.interp.calls import Calls
from flaskmongo_lint.analysis.interp.expressions import Expressions
from flaskmongo_lint.analysis.interp.guards import Guards
from flaskmongo_lint.analysis.interp.state import State
from flaskmongo_lint.analysis.interp.statements import Statements
from flaskmongo_lint.analysis.lattice import CLEAN, NUMBER_KINDS, OPAQUE_KINDS, TEXT_KINDS, Kind, Value, join_all
from flaskmongo_lint.analysis.summaries import Summary



class Walker(Statements, Guards, Calls, Expressions):
    def __init__(self, engine: EngineView, module: str, ref: Optional[Ref], fn: Optional[FunctionFacts],
                 top: Optional[syn.CSTNode], params: Dict[str, Value], closure: Dict[str, Value], budget: int) -> None:
        self.engine = engine
        self.module = module
        self.facts = engine.index.modules[module]
        self.ref = ref
        self.fn = fn
        self.cls = Ref(RefKind.CLASS, module, fn.cls) if fn is not None and fn.cls is not None else None
        self.top = top
        self.params = params
        self.closure = closure
        self.found = Effects.empty()
        self.caught_stack = []
        self.loops = []
        self.uses_identity = False
        self.enforces_auth = False
        self.steps = 0
        self.budget = budget
        self.truncated = False

    def run(self, body: Sequence[syn.CSTNode]) -> Summary:
        end = self.block(body, State(env=dict(self.params)))
        if end.alive:
            self.found.returns.append(CLEAN)
            self.found.exits.append((end, False))
        always_leaves = not self.found.returns
        return Summary(
            returns=join_all(self.found.returns) if self.found.returns else CLEAN,
            always_leaves=always_leaves,
            events=tuple(self.found.events),
            uses_identity=self.uses_identity,
            enforces_auth=self.enforces_auth,
            checked=frozenset(self.found.checked),
            returned_pending=frozenset(self.found.returned_pending),
            returned_reads=frozenset(self.found.returned_reads),
            g_writes=tuple(sorted(self.found.g_writes.items())),
            view_calls=tuple(self.found.view_calls),
            proven=self._proven(None),
            proven_if_true=self._proven(True),
            removed=self._removed(),
            truncated=self.truncated,
            steps=self.steps,
        )

    def _proven(self, truthy: Optional[bool]) -> Tuple[Tuple[str, Value], ...]:
        """What the exits (all of them, or those that may return a true value) prove of each
        client-valued parameter: the join of its value there, when that is a refinement of the
        value it came in with (owned, a valid id, a narrower kind), not a rebinding."""
        exits = [s for s, truth in self.found.exits if truthy is None or truth is not False]
        if not exits:
            return ()
        out = []
        for name, given in sorted(self.params.items()):
            if not given.kinds:
                continue
            values = [s.env.get(name) for s in exits]
            if any(v is None for v in values):
                continue
            value = join_all(values)  # type: ignore[arg-type]
            if value != given and _refines(value, given):
                out.append((name, value))
        return tuple(out)

    def _removed(self) -> Tuple[Tuple[str, FrozenSet[str]], ...]:
        """The fields the body removes from the whole records each parameter came in with (on some
        path, as joins have it), read where the walk leaves the function."""
        out = []
        for name, given in sorted(self.params.items()):
            if not given.records:
                continue
            reads = frozenset(r.read for r in given.records)
            removed: FrozenSet[str] = frozenset()
            for state, _ in self.found.exits:
                for record in state.env.get(name, given).records:
                    if record.read in reads:
                        removed = removed | record.removed
            removed = removed - frozenset.intersection(*(r.removed for r in given.records))
            if removed:
                out.append((name, removed))
        return tuple(out)

    def evaluate(self, expr: syn.BaseExpression, top: Optional[syn.CSTNode], state: Optional[State] = None) -> Value:
        """Evaluate a module-level (or class-level) expression."""
        self.top = top
        return self.eval(expr, state if state is not None else State())


def _refines(value: Value, given: Value) -> bool:
    """Whether ``value`` is ``given`` with more proven of it (owned, a valid id, escaped, or no
    longer JSON / a mapping: a test that only strings pass)."""
    if value.origin != given.origin or not value.kinds:
        return False
    narrower = (Kind.JSON in given.kinds and Kind.JSON not in value.kinds) or \
        (Kind.MAPPING in given.kinds and Kind.MAPPING not in value.kinds)
    return value.owned > given.owned or value.oid_valid > given.oid_valid or value.regex_safe > given.regex_safe or \
        (narrower and value.kinds <= given.kinds | TEXT_KINDS | NUMBER_KINDS | OPAQUE_KINDS)
