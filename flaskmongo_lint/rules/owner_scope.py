"""FM101-FM104: documents selected by a client-supplied id with no owner scope (IDOR / BOLA), and
writes that no authentication protects."""
from __future__ import annotations

from typing import Iterator, List

from flaskmongo_lint.analysis.events import Operation
from flaskmongo_lint.analysis.scope import Scope, is_interaction, writes_nothing
from flaskmongo_lint.analysis.views import Term
from flaskmongo_lint.rules.base import Occurrence, Report, Rule, RuleContext

SCOPE_HINT = 'scope the filter with the caller\'s identity, e.g. "owner_id": current_user.id'

__all__ = ["ClientSuppliedOwner", "UnauthenticatedWrite", "UnscopedRead", "UnscopedWrite", "is_interaction",
           "unscoped_write"]


def _source(term: Term) -> str:
    return term.value.origin or "client data"


def _scope_problem(op: Operation, ctx: RuleContext) -> str:
    """What is wrong with the filter's scope, in words."""
    view = ctx.filter(op)
    unbound = [t.path for t in view.terms() if ctx.settings.matches("owner_fields", t.key)] if view else []
    if unbound:
        return f"has its owner key '{unbound[0]}' bound to something other than the caller's identity"
    return "has no owner key"


def unscoped_write(occ: Occurrence, ctx: RuleContext) -> List[Term]:
    """The client-controlled terms a write outside a privileged context selects by, with no owner
    scope (empty when the write is fine): what FM102 and FM104 report. The decision is the scope
    verdict the route map shows."""
    op = occ.event
    if not isinstance(op, Operation) or not op.is_write or occ.privileged or writes_nothing(op):
        return []
    decision = ctx.scope(occ)
    return list(decision.selectors) if decision.verdict is Scope.UNSCOPED else []


class UnscopedRead(Rule):
    """Reads a per-owner document by a client-supplied id without scoping it to the caller.

    **What it does.** Reports a read (``find_one``, ``find``, ``find_one_or_404``,
    ``count_documents``, ``distinct``, an ``aggregate`` ``$match``) in an authenticated handler whose
    filter selects by an identifying key (``_id``, ``*_id``, configured ``id-fields``) taken from the
    request, when no key of the filter is bound to the caller's identity and no ownership check
    guards the call or the fetched document. It needs ownership evidence: the collection is
    per-owner (another query of the application scopes it by owner, or an insert stores the
    identity in it) and not public (not in ``public-collections``, and no unauthenticated handler
    reads it by id or lists it).

    **Why is this bad?** Any signed-in user can read another user's document by changing the id in
    the URL or the body: an insecure direct object reference (IDOR / BOLA, CWE-639).

    **Example**::

        @app.get("/notes/<note_id>")
        @login_required
        def read_note(note_id):
            return jsonify(db.notes.find_one({"_id": ObjectId(note_id)}))

    **Use instead**::

        note = db.notes.find_one({"_id": ObjectId(note_id), "owner_id": current_user.id})

    or check the owner after fetching, before the document is returned:
    ``if note is None or note["owner_id"] != current_user.id: abort(404)``.
    """

    code = "FM101"
    name = "unscoped-read"
    severity = "error"
    cwe = 639
    summary = "read selects a per-owner document by a client-supplied id with no owner scope"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        op = occ.event
        root = occ.root
        if not isinstance(op, Operation) or not op.is_read or not root.authenticated or occ.privileged:
            return
        # Unscoped with a client id: by the decision's definition the collection is per-owner and
        # not public, the read is neither owner-scoped nor checked after the fetch.
        decision = ctx.scope(occ)
        if decision.verdict is Scope.UNSCOPED and decision.selectors:
            t = decision.selectors[0]
            # The owner-scoped twin that makes this collection per-owner: one, the nearest (same
            # function, then same module, then the first in the project's order).
            twins = [s for s in ctx.owner_evidence(root.app, op.collection) if s.node is not op.site.node]
            twins.sort(key=lambda s: (s.top is not op.site.top, s.module != op.site.module))
            related = tuple(twins[:1])
            yield Report(op.site, f"{op.method} selects by '{t.path}' ({_source(t)}); the filter "
                                  f"{_scope_problem(op, ctx)} and no ownership check guards it; {SCOPE_HINT}",
                         "high", t.value.trace, related)


class UnscopedWrite(Rule):
    """Changes or deletes a document selected by client data in an authenticated handler, without
    scoping it to the caller.

    **What it does.** Reports an update, replace or delete (``update_one``, ``replace_one``,
    ``delete_one``, ``find_one_and_*``, bulk operations ...) in an authenticated handler whose filter
    selects by a value taken from the request, when no key of the filter is bound to the caller's
    identity and no ownership guard comes before the call. Updates that only record an interaction
    with a shared document (``$inc`` by a literal, ``$push`` of the caller's id) are not reported.

    **Why is this bad?** Any signed-in user can modify or delete someone else's document by sending
    its id (IDOR / BOLA, CWE-639). A check made *after* the write comes too late.

    **Example**::

        @app.delete("/books/<book_id>")
        @jwt_required()
        def delete_book(book_id):
            db.books.delete_one({"_id": ObjectId(book_id)})

    **Use instead**::

        db.books.delete_one({"_id": ObjectId(book_id), "owner_id": get_jwt_identity()})
    """

    code = "FM102"
    name = "unscoped-write"
    severity = "error"
    cwe = 639
    summary = "write in an authenticated handler selects a document by client data with no owner scope"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        op = occ.event
        if not isinstance(op, Operation) or not occ.root.authenticated:
            return
        terms = unscoped_write(occ, ctx)
        if terms:
            t = terms[0]
            confidence = "high" if ctx.per_owner(occ.root.app, op.collection) else "medium"
            yield Report(op.site, f"{op.method} selects by '{t.path}' ({_source(t)}); the filter "
                                  f"{_scope_problem(op, ctx)}; {SCOPE_HINT}", confidence, t.value.trace)


class UnauthenticatedWrite(Rule):
    """Changes or deletes a document selected by client data in a handler that no authentication
    protects.

    **What it does.** Reports the writes FM102 reports (an update, replace or delete selecting by a
    value from the request, not scoped to an owner, not an interaction update) when the handler
    has no authentication at all: no auth decorator, no use of the caller's identity, no
    ``before_request`` hook of its application or blueprint that turns the anonymous away.

    **Why is this bad?** Anyone on the internet can change or delete any document by its id
    (missing authentication for a critical function, CWE-306). Scoping the filter is not the fix
    here: there is no caller to scope it to.

    **Example**::

        @app.post("/rules/<rule_id>/archive")
        def archive_rule(rule_id):
            db.rules.update_one({"_id": ObjectId(rule_id)}, {"$set": {"archived": True}})

    **Use instead**::

        @app.post("/rules/<rule_id>/archive")
        @login_required
        def archive_rule(rule_id):
            db.rules.update_one({"_id": ObjectId(rule_id), "owner_id": current_user.id},
                                {"$set": {"archived": True}})
    """

    code = "FM104"
    name = "unauthenticated-write"
    severity = "error"
    cwe = 306
    summary = "write selects a document by client data in a handler that no authentication protects"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        op = occ.event
        root = occ.root
        if not isinstance(op, Operation) or root.authenticated or not root.is_handler:
            return
        terms = unscoped_write(occ, ctx)
        if terms:
            t = terms[0]
            stands_out = root.app in ctx.evidence.authenticated_apps
            confidence = "high" if stands_out or ctx.per_owner(root.app, op.collection) else "medium"
            yield Report(op.site, f"{op.method} selects by '{t.path}' ({_source(t)}) in a handler that no "
                                  f"authentication protects: anyone can change any document by its id; "
                                  f"require a login and scope the filter with the caller's identity",
                         confidence, t.value.trace)


class ClientSuppliedOwner(Rule):
    """Scopes a query by an owner value that the client chose.

    **What it does.** Reports an owner key of a filter (``owner_id``, ``user_id``, ``tenant_id`` ...,
    configurable as ``owner-fields``) whose value comes from the request instead of the
    authenticated identity.

    **Why is this bad?** The filter looks scoped, but the attacker picks whose scope it is: sending
    someone else's id in the body reads or changes their documents (CWE-639).

    **Example**::

        db.notes.update_one({"_id": oid, "owner_id": request.json["owner_id"]}, {"$set": ...})

    **Use instead**::

        db.notes.update_one({"_id": oid, "owner_id": current_user.id}, {"$set": ...})
    """

    code = "FM103"
    name = "client-supplied-owner"
    severity = "error"
    cwe = 639
    summary = "an owner key in a filter takes its value from the request"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        op = occ.event
        if not isinstance(op, Operation) or occ.privileged:
            return
        if not (op.is_write or (op.is_read and occ.root.authenticated)):
            return
        decision = ctx.scope(occ)
        if decision.verdict is not Scope.CLIENT_CHOSEN_OWNER:
            return
        confidence = "high" if ctx.per_owner(occ.root.app, op.collection) else "medium"
        for t in decision.owner_terms:
            yield Report(t.site, f"owner key '{t.path}' of {op.method} takes its value from {_source(t)}: the "
                                 f"client chooses whose documents it gets; use the caller's identity instead",
                         confidence, t.value.trace)
