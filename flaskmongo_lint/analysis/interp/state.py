"""The walk's state at one program point, and how states join where paths meet.

A state's bindings are shared copy-on-write: splitting at a test costs nothing until a branch
binds something, and a join of branches that bound nothing is free. Writes go through
:meth:`State.put` and :meth:`State.drop_paths`; ``env`` is for reading.
"""
from __future__ import annotations

from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Set

from flaskmongo_lint.analysis.lattice import EMPTY, Site, Value, join_all


def _is_path(key: str) -> bool:
    return "." in key or "[" in key


class State:
    __slots__ = ("_env", "_paths", "_own", "alive", "privileged", "authed", "anonymous", "pending")

    def __init__(self, env: Optional[Mapping[str, Value]] = None, alive: bool = True, privileged: bool = False,
                 authed: bool = False, anonymous: bool = False, pending: FrozenSet[Site] = EMPTY) -> None:
        self._env: Dict[str, Value] = dict(env) if env else {}
        self._paths: Set[str] = {k for k in self._env if _is_path(k)}  # access paths (``body["id"]``, ``self.x``)
        self._own = True  # False: the bindings are shared with another state, copy before writing
        self.alive = alive
        self.privileged = privileged  # a role guard stands before this point
        self.authed = authed  # somebody is known to be signed in on this path
        self.anonymous = anonymous  # an identity test found nobody signed in on this path
        self.pending = pending  # reads whose result has not been ownership-checked on this path

    # ------------------------------------------------------------------ bindings
    @property
    def env(self) -> Dict[str, Value]:
        """The bindings, for reading."""
        return self._env

    @property
    def has_items(self) -> bool:
        """Whether some item path (``x[...]``) is bound."""
        return any("[" in k for k in self._paths)

    def _write(self) -> None:
        if not self._own:
            self._env = dict(self._env)
            self._paths = set(self._paths)
            self._own = True

    def put(self, key: str, value: Value) -> None:
        if self._env.get(key) is value:
            return
        self._write()
        self._env[key] = value
        if _is_path(key):
            self._paths.add(key)

    def drop_paths(self, prefix: str) -> None:
        """Forget the access paths under ``prefix`` (``x.`` / ``x[`` when x is rebound)."""
        stale = [k for k in self._paths if k.startswith(prefix)]
        if not stale:
            return
        self._write()
        for k in stale:
            del self._env[k]
            self._paths.discard(k)

    def replace_env(self, env: Dict[str, Value]) -> None:
        self._env = env
        self._paths = {k for k in env if _is_path(k)}
        self._own = True

    def assign(self, other: "State") -> None:
        """Become ``other`` (a state a caller holds takes the result of a split and join)."""
        if other is self:
            return
        self._env, self._paths, self._own = other._env, other._paths, False
        other._own = False
        self.alive, self.privileged, self.authed = other.alive, other.privileged, other.authed
        self.anonymous, self.pending = other.anonymous, other.pending

    # ------------------------------------------------------------------ copies
    def copy(self) -> "State":
        out = State.__new__(State)
        out._env, out._paths, out._own = self._env, self._paths, False
        self._own = False
        out.alive, out.privileged, out.authed = self.alive, self.privileged, self.authed
        out.anonymous, out.pending = self.anonymous, self.pending
        return out

    def dead(self) -> "State":
        out = self.copy()
        out.alive = False
        return out

    def same(self, other: "State") -> bool:
        """Whether two states hold the same facts (the loop fixpoint test)."""
        return self.alive == other.alive and self.privileged == other.privileged and \
            self.authed == other.authed and self.pending == other.pending and \
            (self._env is other._env or self._env == other._env)


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
    first = live[0]
    out = first.copy()
    out.privileged = all(s.privileged for s in live)
    out.authed = all(s.authed for s in live)
    out.anonymous = any(s.anonymous for s in live)
    pending: FrozenSet[Site] = EMPTY
    for s in live:
        pending = pending | s.pending
    out.pending = pending
    envs = [s.env for s in live]
    if all(e is envs[0] for e in envs):
        return out
    keys: Set[str] = set()
    for e in envs:
        keys.update(e)
    env: Dict[str, Value] = {}
    for k in keys:
        vals: List[Value] = []
        for e in envs:
            v = e.get(k)
            if v is not None:
                vals.append(v)
        value = vals[0] if all(v is vals[0] for v in vals) else join_all(vals)
        if len(vals) < len(envs) and (value.kinds or value.doc) and (value.owned or value.oid_valid):
            value = value.with_(owned=False, oid_valid=False)  # bound on some paths only
        env[k] = value
    out.replace_env(env)
    return out


def _trust_all(state: State) -> State:
    out = state.copy()
    out.replace_env({k: (v.with_(owned=True) if v.kinds or v.doc else v) for k, v in state.env.items()})
    return out
