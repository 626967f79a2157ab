"""What each collection is known to store: the field names its writes, filters and reads show,
gathered from every root of an application (FM401's evidence, like the ownership evidence).

A field counts as stored when some insert, ``$set``-style update or replacement writes it, when a
filter matches on it (``find_one({"email": e, "password_hash": h})``: a field read in a filter is
one the collection holds), or when code reads it from a fetched document (``user["password_hash"]``).
A field that every write gives a number or a boolean (``{"$inc": {"token_count": 1}}``,
``{"otp_enabled": True}``) is a counter or a flag whatever its name, so its reads do not make it a
secret; any other write does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, Optional, Set, Tuple

from flaskmongo_lint.analysis.evidence import Secrets
from flaskmongo_lint.analysis.events import Event, FieldRead, Operation, OpKind, Placed
from flaskmongo_lint.analysis.lattice import Site, Value
from flaskmongo_lint.analysis.views import COMPUTED_KEY, filters_of
from flaskmongo_lint.models import operators as ops
from flaskmongo_lint.settings import AnalysisSettings

WRITE, TYPED, READ = "write", "typed", "read"  # a write of a value, of a number or boolean, a read
MAX_NESTING = 3  # levels of sub-documents whose keys are read
# Update operators whose operand is a number: the field is a counter.
_NUMERIC_UPDATES = frozenset({"$inc", "$mul"})

if TYPE_CHECKING:  # the syntax tree is loaded when a file is parsed: the rules' metadata must not need it
    from flaskmongo_lint import syntax as syn


@dataclass
class _Seen:
    kinds: Set[str] = field(default_factory=set)
    first: Optional[Site] = None  # the first place it is seen
    written: Optional[Site] = None  # the first write of a value


def stored_fields(event: Event) -> Iterator[Tuple[str, str, str, Site]]:
    """(collection, field path, how it is seen, where) for every field an event shows its collection
    to store."""
    if isinstance(event, FieldRead):
        for name in event.collections:
            yield name, event.field, READ, event.site
        return
    if not isinstance(event, Operation) or event.collection is None:
        return
    coll = event.collection
    for view in filters_of(event):
        for t in view.terms():
            if t.key == COMPUTED_KEY or ops.is_operator(t.key) or COMPUTED_KEY in t.path.split("."):
                continue
            equal = t.operator in (None, ops.EQUALITY)
            yield coll, t.path, TYPED if equal and _typed(t.site.node) else READ, t.site
    if event.op is OpKind.INSERT:
        for doc in event.documents:
            yield from _written(coll, doc.value, "", None, 0)
    if event.replacement is not None:
        yield from _written(coll, event.replacement.value, "", None, 0)
    if event.update is not None:
        shape = event.update.value.shape or ()
        if event.legacy_update and not any(e.key and ops.is_operator(e.key) for e in shape):
            yield from _written(coll, event.update.value, "", None, 0)  # update(spec, document) replaces
        for entry in shape:
            if entry.key in ops.FIELD_UPDATES:
                yield from _written(coll, entry.value, "", entry.key, 0)


def _written(coll: str, value: Value, prefix: str, operator: Optional[str], depth: int) -> Iterator[Tuple[str, str, str, Site]]:
    for e in value.shape or ():
        if e.key is None or ops.is_operator(e.key):
            continue
        path = f"{prefix}.{e.key}" if prefix else e.key
        typed = operator in _NUMERIC_UPDATES or _typed(e.site.node)
        yield coll, path, TYPED if typed else WRITE, e.key_site or e.site
        if e.value.shape and depth < MAX_NESTING:
            yield from _written(coll, e.value, path, None, depth + 1)


def _typed(node: "syn.CSTNode") -> bool:
    """A number or a boolean written as a literal."""
    from flaskmongo_lint import syntax as syn

    if isinstance(node, syn.UnaryOperation):
        node = node.expression
    return isinstance(node, (syn.Integer, syn.Float)) or (isinstance(node, syn.Name) and node.value in ("True", "False"))


def is_secret(path: str, settings: AnalysisSettings) -> bool:
    """Whether a field path names a secret: some part of it matches ``secret-fields``."""
    return any(settings.matches("secret_fields", part) for part in path.split("."))


def secret_evidence(roots: Iterable[Tuple[Tuple[str, ...], Iterable[Placed]]], settings: AnalysisSettings) -> Secrets:
    """For each (application key, collection), the secret fields it is known to store: ``roots``
    gives, for each root, the application keys its evidence counts for and the events it reached."""
    seen: Dict[Tuple[str, str, str], _Seen] = {}
    for keys, events in roots:
        for placed in events:
            for coll, path, how, site in stored_fields(placed.event):
                if not is_secret(path, settings):
                    continue
                for key in keys:
                    s = seen.setdefault((key, coll, path), _Seen())
                    s.kinds.add(how)
                    s.first = s.first or site
                    if how == WRITE:
                        s.written = s.written or site
    out: Secrets = {}
    for (key, coll, path), s in seen.items():
        if WRITE in s.kinds or (READ in s.kinds and TYPED not in s.kinds):
            out.setdefault((key, coll), {})[path] = s.written or s.first  # type: ignore[assignment]
    return out


__all__ = ["Secrets", "is_secret", "secret_evidence", "stored_fields"]
