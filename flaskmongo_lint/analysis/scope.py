"""The scope decision: which documents a MongoDB operation may select for the caller, and why.

One function, :func:`decide`, answers it for one operation as reached from one root (a handler,
with its authentication, its post-fetch checks and its application's ownership evidence). The
owner-scope rules (FM101-FM104) report from its answer and the route map shows it, so the two
can never disagree. The verdict describes the operation's filter (or an insert's documents) and
the collection's evidence; it leaves authentication and privilege out, which the rules add as
their own gates and the route map shows in columns of their own.

The verdicts, in the order they are tried (the first that holds wins):

- ``owner-scoped``: a filter key is bound to the caller's identity (``{"owner_id": current_user.id}``,
  ``{"patient": g.user["_id"]}``), or an owner field to a server value; an insert stores the identity.
- ``parent-scoped``: only through a value proven to be the caller's: a parent fetched with an owner
  scope whose not-found branch leaves, or its id (``{"_id": tid, "project_id": pid}``).
- ``client-chosen owner``: an owner field takes a client value (FM103), or a client mapping is
  inserted into a per-owner collection (the client picks the owner field too).
- ``guarded``: an ownership check stands before the operation (the client id was compared with
  the identity, or the document fetched with it was) or, for a read, the fetched document is
  checked before it is used.
- ``public`` (a write): an interaction update (``$inc`` by a literal, ``$push`` of the identity),
  which only records the caller's interaction with a shared document.
- ``unscoped`` (selected by a client value): a write that selects by a client-controlled value
  (FM102/FM104), a read that selects by a client-controlled identifying key of a per-owner
  collection that is not public (FM101).
- ``public`` (selected by a client value): a read by a client id of a collection that is public
  (configured, or read or listed by an unauthenticated handler) or that nothing ties to an owner.
- ``capability``: selected by a capability key (``{"reset_token": token}``) and no other client id.
- ``guarded`` (no client value left): every client value in the filter was trusted by a guard.
- ``unscoped`` (no client value): a per-owner collection that is not public, touched with no owner
  key: a listing or search that returns other owners' documents, a ``delete_many({})``, an insert
  that stores no owner.
- ``public`` (no client value): anything else: a constant-filter read of shared data (a catalog,
  the settings), a listing of a public collection.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Optional, Tuple

from flaskmongo_lint.analysis.events import Arg, Operation, OpKind
from flaskmongo_lint.analysis.lattice import Value
from flaskmongo_lint.analysis.views import FilterView, ScopedBy, Term, filter_of, read_filter, stores_identity
from flaskmongo_lint.models import operators as ops
from flaskmongo_lint.settings import AnalysisSettings

if TYPE_CHECKING:  # the project imports this module; only types go the other way
    from flaskmongo_lint.analysis.evidence import Evidence
    from flaskmongo_lint.analysis.project import Root


class Scope(enum.Enum):
    """The scope verdict of one operation (see the module docstring for each definition)."""

    OWNER_SCOPED = "owner-scoped"
    PARENT_SCOPED = "parent-scoped"
    GUARDED = "guarded"
    CAPABILITY = "capability"
    PUBLIC = "public"
    UNSCOPED = "unscoped"
    CLIENT_CHOSEN_OWNER = "client-chosen owner"

    @property
    def risky(self) -> bool:
        """Whether a reviewer should look at it: the caller may reach other owners' documents."""
        return self in (Scope.UNSCOPED, Scope.CLIENT_CHOSEN_OWNER)


# From the safest to the riskiest: an insert of several documents takes the worst of them.
SCOPE_ORDER: Tuple[Scope, ...] = (
    Scope.OWNER_SCOPED, Scope.PARENT_SCOPED, Scope.GUARDED, Scope.CAPABILITY, Scope.PUBLIC, Scope.UNSCOPED,
    Scope.CLIENT_CHOSEN_OWNER,
)


@dataclass(frozen=True)
class ScopeDecision:
    """A verdict, and the filter terms it rests on (for messages and for the map's details)."""

    verdict: Scope
    # Client-controlled terms that select the documents (``unscoped`` and the ``public`` reads by
    # id); for a read only identifying keys (``_id``, ``*_id``, configured ``id-fields``).
    selectors: Tuple[Term, ...] = ()
    # Owner keys bound to client values (``client-chosen owner`` of a filter).
    owner_terms: Tuple[Term, ...] = ()
    detail: str = ""  # why, in a few words, for the route map

    def __post_init__(self) -> None:
        if not self.detail:
            object.__setattr__(self, "detail", _detail(self))


_UNSET = object()


def decide(op: Operation, root: "Root", evidence: "Evidence", settings: AnalysisSettings,
           view: object = _UNSET) -> ScopeDecision:
    """The scope verdict of ``op`` as reached from ``root``. ``view`` is the operation's filter
    view when the caller has it already (:func:`filter_of` otherwise)."""
    if op.op is OpKind.INSERT:
        return _insert(op, root.app, evidence, settings)
    found: Optional[FilterView] = filter_of(op) if view is _UNSET else view  # type: ignore[assignment]
    if found is not None:
        how = found.scoped_by(settings)
        if how is not None:
            return ScopeDecision(Scope.OWNER_SCOPED if how is ScopedBy.OWNER else Scope.PARENT_SCOPED)
        owners = found.client_owner_terms(settings)
        if owners:
            return ScopeDecision(Scope.CLIENT_CHOSEN_OWNER, owner_terms=tuple(owners))
    if op.is_read and op.site in root.summary.checked and op.site not in root.summary.returned_pending:
        return ScopeDecision(Scope.GUARDED, detail="the fetched document is checked before it is used")
    if op.is_write and is_interaction(op.update):
        return ScopeDecision(Scope.PUBLIC, detail="an interaction update of a shared document")
    public = is_public(evidence, settings, root.app, op.collection)
    per_owner = is_per_owner(evidence, root.app, op.collection)
    selectors = tuple(found.client_selectors(settings, ids_only=op.is_read)) if found is not None else ()
    if selectors:
        if op.is_read and (public or not per_owner):
            why = "a public collection" if public else "no ownership evidence"
            return ScopeDecision(Scope.PUBLIC, selectors, detail=f"{_selects(selectors)} ({why})")
        return ScopeDecision(Scope.UNSCOPED, selectors)
    if found is not None and found.capability_lookup(settings):
        return ScopeDecision(Scope.CAPABILITY)
    if found is not None and any(t.value.kinds and t.value.owned for t in found.terms()):
        return ScopeDecision(Scope.GUARDED, detail="an ownership check comes first")
    return _by_evidence(public, per_owner)


def _insert(op: Operation, app: str, evidence: "Evidence", settings: AnalysisSettings) -> ScopeDecision:
    """An insert is scoped by what it stores: the identity, a parent the caller owns, or nothing."""
    public = is_public(evidence, settings, app, op.collection)
    per_owner = is_per_owner(evidence, app, op.collection)
    decisions = [_document(d, public, per_owner, settings) for d in op.documents]
    if not decisions:
        return _by_evidence(public, per_owner)
    return max(decisions, key=lambda d: SCOPE_ORDER.index(d.verdict))


def _document(doc: Arg, public: bool, per_owner: bool, settings: AnalysisSettings) -> ScopeDecision:
    if stores_identity(doc.value):
        return ScopeDecision(Scope.OWNER_SCOPED, detail="stores the caller's identity")
    view = read_filter(doc, False)
    how = view.scoped_by(settings)
    if how is not None:
        return ScopeDecision(Scope.OWNER_SCOPED if how is ScopedBy.OWNER else Scope.PARENT_SCOPED,
                             detail="stores the caller's identity" if how is ScopedBy.OWNER else
                             "stores a parent the caller owns")
    owners = view.client_owner_terms(settings)
    if owners:
        return ScopeDecision(Scope.CLIENT_CHOSEN_OWNER, owner_terms=tuple(owners))
    if doc.value.is_client_mapping and per_owner and not public:
        return ScopeDecision(Scope.CLIENT_CHOSEN_OWNER, detail="stores a client document: the client sets the owner")
    return _by_evidence(public, per_owner)


def _by_evidence(public: bool, per_owner: bool) -> ScopeDecision:
    """No client value selects it: other owners' documents are at stake only in a per-owner collection."""
    if per_owner and not public:
        return ScopeDecision(Scope.UNSCOPED, detail="no owner key on a per-owner collection")
    return ScopeDecision(Scope.PUBLIC, detail="a public collection" if public else "no ownership evidence")


def _selects(terms: Iterable[Term]) -> str:
    t = next(iter(terms))
    return f"selects by '{t.path}' ({t.value.origin or 'client data'})"


def _detail(d: ScopeDecision) -> str:
    if d.verdict is Scope.OWNER_SCOPED:
        return "a key is bound to the caller's identity"
    if d.verdict is Scope.PARENT_SCOPED:
        return "scoped through a parent the caller owns"
    if d.verdict is Scope.CLIENT_CHOSEN_OWNER and d.owner_terms:
        t = d.owner_terms[0]
        return f"owner key '{t.path}' from {t.value.origin or 'client data'}"
    if d.verdict is Scope.CAPABILITY:
        return "selected by a capability key"
    if d.selectors:
        return _selects(d.selectors)
    return ""


# ---------------------------------------------------------------------- evidence and updates
def is_public(evidence: "Evidence", settings: AnalysisSettings, app: str, collection: Optional[str]) -> bool:
    """Whether anyone may read the collection: configured as public, or an unauthenticated
    handler of the application reads it by a client value or returns it unscoped."""
    if collection is None:
        return False
    if settings.matches("public_collections", collection):
        return True
    return (app, collection) in evidence.public


def is_per_owner(evidence: "Evidence", app: str, collection: Optional[str]) -> bool:
    """Whether some query of the application scopes the collection by owner, or an insert stores
    an identity in it."""
    return collection is not None and (app, collection) in evidence.per_owner


def is_interaction(update: Optional[Arg]) -> bool:
    """An update that only records the caller's interaction with a shared document: every operator
    is ``$inc`` by a literal number, or ``$push``/``$addToSet``/``$pull`` of the identity or of a
    new sub-document built from named fields (a like, a view, a vote, a comment)."""
    if update is None or update.value.kinds or not update.value.shape:
        return False
    for entry in update.value.shape:
        fields = entry.value.shape
        if entry.key is None or fields is None or entry.value.kinds:
            return False
        if entry.key == ops.COUNTER_UPDATE:
            if not all(f.value.const and f.value.literal is None for f in fields):
                return False
        elif entry.key in ops.APPEND_UPDATES:
            if not all(_recorded(f.value) for f in fields):
                return False
        else:
            return False
    return True


def _recorded(value: Value) -> bool:
    if value.identity:
        return True
    return value.shape is not None and not value.kinds and all(e.key is not None for e in value.shape)


def writes_nothing(op: Operation) -> bool:
    """An update or replace without its document: the call raises and writes nothing."""
    return (op.op is OpKind.UPDATE and op.update is None) or (op.op is OpKind.REPLACE and op.replacement is None)


__all__ = [
    "SCOPE_ORDER", "Scope", "ScopeDecision", "decide", "is_interaction", "is_per_owner", "is_public",
    "writes_nothing",
]
