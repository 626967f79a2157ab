"""The walker: one walk of one function body (or of module-level code), in one context."""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Optional, Sequence

import libcst as cst

from flaskmongo_lint.analysis.facts import FunctionFacts
from flaskmongo_lint.analysis.index import Ref, RefKind
from flaskmongo_lint.analysis.interp.base import Effects
from flaskmongo_lint.analysis.interp.calls import Calls
from flaskmongo_lint.analysis.interp.expressions import Expressions
from flaskmongo_lint.analysis.interp.guards import Guards
from flaskmongo_lint.analysis.interp.state import State
from flaskmongo_lint.analysis.interp.statements import Statements
from flaskmongo_lint.analysis.lattice import CLEAN, Value, join_all
from flaskmongo_lint.analysis.summaries import Summary

if TYPE_CHECKING:  # pragma: no cover
    from flaskmongo_lint.analysis.interp.engine import Engine


class Walker(Statements, Guards, Calls, Expressions):
    def __init__(self, engine: "Engine", module: str, ref: Optional[Ref], fn: Optional[FunctionFacts],
                 top: Optional[cst.CSTNode], params: Dict[str, Value], closure: Dict[str, Value], budget: int) -> None:
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

    def run(self, body: Sequence[cst.CSTNode]) -> Summary:
        end = self.block(body, State(env=dict(self.params)))
        if end.alive:
            self.found.returns.append(CLEAN)
            self.found.exits.append(end)
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
            owns_params=self._owned_params(),
            truncated=self.truncated,
            steps=self.steps,
        )

    def _owned_params(self) -> frozenset:
        """Parameters every normal exit proved to be the caller's own (a helper that aborts
        unless the id it was given selects the caller's document)."""
        exits = [s for s in self.found.exits]
        if not exits:
            return frozenset()
        out = set()
        for name, given in self.params.items():
            if not given.kinds:
                continue
            if all((s.env.get(name) is not None and s.env[name].owned) for s in exits):
                out.add(name)
        return frozenset(out)

    def evaluate(self, expr: cst.BaseExpression, top: Optional[cst.CSTNode], state: Optional[State] = None) -> Value:
        """Evaluate a module-level (or class-level) expression."""
        self.top = top
        return self.eval(expr, state if state is not None else State())
