"""The walk's state at one program point, and how states join where paths meet."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Sequence, Set

from flaskmongo_lint.analysis.lattice import EMPTY, Site, Value, join_all


@dataclass
class State:
    env: Dict[str, Value] = field(default_factory=dict)  # names and access paths (``body["id"]``, ``self.x``)
    alive: bool = True
    privileged: bool = False  # a role guard stands before this point
    authed: bool = False  # somebody is known to be signed in on this path
    anonymous: bool = False  # an identity test found nobody signed in on this path
    pending: FrozenSet[Site] = EMPTY  # reads whose result has not been ownership-checked on this path

    def copy(self) -> "State":
        return State(dict(self.env), self.alive, self.privileged, self.authed, self.anonymous, self.pending)

    def dead(self) -> "State":
        out = self.copy()
        out.alive = False
        return out

    def same(self, other: "State") -> bool:
        """Whether two states hold the same facts (the loop fixpoint test)."""
        return self.alive == other.alive and self.privileged == other.privileged and \
            self.authed == other.authed and self.pending == other.pending and self.env == other.env


def join_states(states: Sequence[State]) -> State:
    """The state where paths meet: may-facts of any live path, must-facts of all of them.

    A name bound on some paths only keeps its value but loses the facts guards gave it. An admin
    path (``if current_user.is_admin or doc_id == my_id:``) trusts every client value, so after the
    join a value is trusted when every other path proved it is the caller's own.
    """
    live = [s for s in states if s.alive]
    if not live:
        return states[0].dead() if states else State(alive=False)
    if len(live) == 1:
        return live[0]
    if any(s.privileged for s in live) and not all(s.privileged for s in live):
        live = [_trust_all(s) if s.privileged else s for s in live]
    keys: Set[str] = set()
    for s in live:
        keys.update(s.env)
    env: Dict[str, Value] = {}
    for k in keys:
        vals: List[Value] = []
        for s in live:
            v = s.env.get(k)
            if v is not None:
                vals.append(v)
        value = vals[0] if len(vals) == 1 or all(v is vals[0] for v in vals) else join_all(vals)
        if len(vals) < len(live) and value.kinds and (value.owned or value.oid_valid):
            value = value.with_(owned=False, oid_valid=False)  # bound on some paths only
        env[k] = value
    pending: FrozenSet[Site] = EMPTY
    for s in live:
        pending = pending | s.pending
    return State(env, True, all(s.privileged for s in live), all(s.authed for s in live),
                 any(s.anonymous for s in live), pending)


def _trust_all(state: State) -> State:
    out = state.copy()
    out.env = {k: (v.with_(owned=True) if v.kinds else v) for k, v in state.env.items()}
    return out
