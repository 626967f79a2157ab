"""What every part of the walker shares: where it is, what it has found so far, and the engine.

The walker is one object assembled from the parts in this package (statements, expressions,
calls, guards), each in its own module; this base holds the state they share and declares the
methods they call on each other, so no part imports another.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Protocol, Set, Tuple

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.events import Caught, Event, Placed
from flaskmongo_lint.analysis.facts import FunctionFacts, ModuleFacts
from flaskmongo_lint.analysis.index import ProjectIndex, Ref
from flaskmongo_lint.analysis.interp.state import State
from flaskmongo_lint.analysis.lattice import EMPTY, Obj, Site, Value
from flaskmongo_lint.analysis.summaries import Summary, ViewCall
from flaskmongo_lint.models.semantics import Semantics



class EngineView(Protocol):
    """What the walker asks of the engine that runs it (interp.engine.Engine)."""

    index: ProjectIndex
    semantics: Semantics

    def call(self, ref: Ref, params: Dict[str, Value], closure: Dict[str, Value]) -> Summary: ...
    def resolve(self, module: str, name: str) -> Optional[Ref]: ...
    def resolve_dotted(self, module: str, dotted: str) -> Optional[Ref]: ...
    def name_value(self, module: str, name: str, site: Site) -> Value: ...
    def ref_value(self, ref: Ref) -> Value: ...
    def object_attribute(self, obj: Obj, attr: str, site: Site) -> Optional[Value]: ...
    def nested(self, module: str, parent: Optional[str], name: str) -> Optional[Ref]: ...
    def free_names(self, ref: Ref) -> FrozenSet[str]: ...
    def default_value(self, ref: Ref, param: str) -> Value: ...
    def constant_container(self, module: str, expr: syn.BaseExpression) -> bool: ...
    def validated(self, value: Value) -> Value: ...
    def is_store(self, module: str, expr: syn.BaseExpression) -> bool: ...
    def stored(self, attr: str) -> Optional[Value]: ...



@dataclass
class Effects:
    """What a walk found, apart from its result value. Snapshots let a loop keep only what its
    last (stable) iteration found."""

    events: List[Placed]
    returns: List[Value]
    returned_pending: Set[Site]
    returned_reads: Set[Site]
    checked: Set[Site]
    exits: List[Tuple[State, Optional[bool]]]  # each normal exit, and whether it returns a true value
    view_calls: List[ViewCall]
    g_writes: Dict[str, Value]
    seen: Set[Tuple[int, FrozenSet[Caught], bool]]  # events already in ``events`` (each once)

    @classmethod
    def empty(cls) -> "Effects":
        return cls([], [], set(), set(), set(), [], [], {}, set())

    def snapshot(self) -> "Effects":
        return Effects(list(self.events), list(self.returns), set(self.returned_pending), set(self.returned_reads),
                       set(self.checked), list(self.exits), list(self.view_calls), dict(self.g_writes), set(self.seen))

    def add(self, placed: Placed) -> None:
        """An event, once: a helper called from several places contributes its events once per context."""
        key = (id(placed.event), placed.caught, placed.privileged)
        if key not in self.seen:
            self.seen.add(key)
            self.events.append(placed)


class WalkerBase:
    engine: EngineView
    module: str
    facts: ModuleFacts
    ref: Optional[Ref]  # the function walked (None: module-level code)
    fn: Optional[FunctionFacts]
    cls: Optional[Ref]  # its class
    top: Optional[syn.CSTNode]
    closure: Dict[str, Value]
    found: Effects
    caught_stack: List[FrozenSet[Caught]]
    uses_identity: bool
    enforces_auth: bool
    returning: bool = False  # refining a returned expression (not a test the code branches on)
    steps: int
    budget: int
    truncated: bool

    scope: str = ""  # the walked function's signature, for the sites it makes
    here: Optional[syn.CSTNode] = None  # the statement being walked, for the sites it makes

    def site(self, node: syn.CSTNode) -> Site:
        return Site(self.module, node, self.top, self.scope, self.here)

    @property
    def caught(self) -> FrozenSet[Caught]:
        out: FrozenSet[Caught] = EMPTY
        for c in self.caught_stack:
            out = out | c
        return out

    def emit(self, event: Event, state: State) -> None:
        self.found.add(Placed(event, self.caught, state.privileged))

    def leave(self, state: State) -> None:
        """The path ends here (return of a value, raise, abort): a leave while nobody is signed in
        is how auth code turns the anonymous away."""
        if state.anonymous:
            self.enforces_auth = True
        state.alive = False

    # --- implemented by the parts -----------------------------------------------------------
    def eval(self, node: Optional[syn.BaseExpression], state: State) -> Value:  # pragma: no cover
        raise NotImplementedError

    def refine(self, test: syn.BaseExpression, state: State) -> Tuple[State, State, Value]:  # pragma: no cover
        raise NotImplementedError

    def bind(self, target: syn.BaseExpression, value: Value, state: State) -> None:  # pragma: no cover
        raise NotImplementedError

    def path_key(self, expr: syn.BaseExpression) -> Optional[str]:  # pragma: no cover
        raise NotImplementedError

    def mark_owned(self, expr: syn.BaseExpression, state: State) -> None:  # pragma: no cover
        raise NotImplementedError

    def mark_validated(self, expr: syn.BaseExpression, state: State) -> None:  # pragma: no cover
        raise NotImplementedError

    def block(self, stmts, state: State) -> State:  # type: ignore[no-untyped-def]  # pragma: no cover
        raise NotImplementedError

    def e_call(self, node: syn.Call, state: State) -> Value:  # pragma: no cover
        raise NotImplementedError

    def evaluate_call(self, node: syn.Call, state: State):  # type: ignore[no-untyped-def]  # pragma: no cover
        raise NotImplementedError

    def dict_key(self, key: syn.BaseExpression, state: State) -> Value:  # pragma: no cover
        raise NotImplementedError

    def iter_item(self, iterable: Value) -> Value:  # pragma: no cover
        raise NotImplementedError


def assign_state(target: State, source: State) -> None:
    """Make ``target`` (a state a caller holds) equal to ``source``."""
    target.assign(source)
