"""The walk's state at one program point, and how two states join where paths meet."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Sequence, Set

from flaskmongo_lint.analysis.values import EMPTY, Value, join_all


@dataclass
class State:
    env: Dict[str, Value] = field(default_factory=dict)
    alive: bool = True
    privileged: bool = False
    pending: FrozenSet[int] = EMPTY  # reads whose result has not been ownership-checked on this path

    def copy(self) -> "State":
        return State(dict(self.env), self.alive, self.privileged, self.pending)


def join_states(states: Sequence[State]) -> State:
    live = [s for s in states if s.alive]
    if not live:
        dead = states[0].copy() if states else State()
        dead.alive = False
        return dead
    if len(live) == 1:
        return live[0]
    if any(s.privileged for s in live) and not all(s.privileged for s in live):
        # `if current_user.is_admin or doc_id == my_id:` an admin path trusts every client value,
        # so after the join a value is trusted if the other paths proved it is the caller's own.
        live = [_trust_all(s) if s.privileged else s for s in live]
    env: Dict[str, Value] = {}
    keys: Set[str] = set()
    for s in live:
        keys.update(s.env)
    for k in keys:
        vals = [s.env[k] for s in live if k in s.env]
        env[k] = join_all(vals)
        if len(vals) < len(live):
            # Bound on some paths only: the facts guards gave it do not hold everywhere.
            env[k] = env[k].with_(owned=False, oid_valid=False) if env[k].kinds else env[k]
    pending: FrozenSet[int] = EMPTY
    for s in live:
        pending = pending | s.pending
    return State(env, True, all(s.privileged for s in live), pending)


def _trust_all(state: State) -> State:
    out = state.copy()
    out.env = {k: (v.with_(owned=True) if v.kinds else v) for k, v in state.env.items()}
    return out


@dataclass
class Summary:
    """What a call to a function gives its caller."""

    returns: Value
    always_leaves: bool
    # Reads whose unchecked document the function returns: the caller may still check it.
    pending: FrozenSet[int] = EMPTY
