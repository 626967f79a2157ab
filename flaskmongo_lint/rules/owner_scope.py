"""FM101-FM103: documents selected by a client-supplied id with no owner scope (IDOR / BOLA)."""
from __future__ import annotations

from typing import Iterator, List

from flaskmongo_lint.analysis.events import Event, MongoOp
from flaskmongo_lint.analysis.filters import Term
from flaskmongo_lint.rules.base import Report, Rule, RuleContext

SCOPE_HINT = 'scope the filter with the caller\'s identity, e.g. "owner_id": current_user.id'


def _source(term: Term) -> str:
    return term.value.origin or "client data"


def _scope_problem(event: MongoOp, ctx: RuleContext) -> str:
    """What is wrong with the filter's scope, in words."""
    assert event.filter is not None
    unbound = [t.path for t in event.filter.terms() if ctx.settings.matches("owner_fields", t.key)]
    if unbound:
        return f"has its owner key '{unbound[0]}' bound to something other than the caller's identity"
    return "has no owner key"


def _confidence(event: MongoOp, ctx: RuleContext) -> str:
    return "high" if event.collection in ctx.scoped_collections else "medium"


def _unscoped_selectors(event: MongoOp, ctx: RuleContext, ids_only: bool) -> List[Term]:
    """The client-controlled terms of an owner-unscoped filter (empty when the call is fine)."""
    f = event.filter
    if f is None or event.privileged:
        return []
    if f.client_owner_terms(ctx.settings) or f.is_owner_scoped(ctx.settings):
        return []  # FM103 reports a client-chosen owner; a scoped filter is fine
    return f.client_selectors(ctx.settings, ids_only=ids_only)


class UnscopedRead(Rule):
    """Reads a document by a client-supplied id without scoping it to the caller.

    **What it does.** Reports a read (``find_one``, ``find``, ``find_one_or_404``,
    ``count_documents``, ``distinct``, an ``aggregate`` ``$match``) in an authenticated handler whose
    filter selects by an identifying key (``_id``, ``*_id``, configured ``id-fields``) taken from the
    request, when no key of the filter is an owner field bound to the caller's identity and no
    ownership check guards the call or the fetched document.

    **Why is this bad?** Any logged-in user can read any other user's document by changing the id
    in the URL or body: an insecure direct object reference (IDOR / BOLA, CWE-639).

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
    summary = "read selects a document by a client-supplied id with no owner scope"

    def check(self, event: Event, ctx: RuleContext) -> Iterator[Report]:
        if not isinstance(event, MongoOp) or not event.is_read or not event.context.authenticated:
            return
        if event.collection and ctx.settings.matches("public_collections", event.collection):
            return
        if event.checked_after_fetch and not event.returned_unchecked:
            return
        terms = _unscoped_selectors(event, ctx, ids_only=True)
        if terms:
            t = terms[0]
            yield Report(event.node, f"{event.method} selects by '{t.path}' ({_source(t)}); the filter "
                                     f"{_scope_problem(event, ctx)} and no ownership check guards it; {SCOPE_HINT}",
                         _confidence(event, ctx))


class UnscopedWrite(Rule):
    """Changes or deletes a document selected by client data without scoping it to the caller.

    **What it does.** Reports an update, replace or delete (``update_one``, ``replace_one``,
    ``delete_one``, ``find_one_and_*``, bulk operations ...) whose filter selects by a value taken
    from the request, when no key of the filter is an owner field bound to the caller's identity and
    no ownership guard comes before the call. Authenticated handler or not: an anonymous write by id
    is worse.

    **Why is this bad?** Anyone can modify or delete someone else's document by sending its id
    (IDOR / BOLA, CWE-639). A check made *after* the write comes too late.

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
    summary = "write selects a document by client data with no owner scope"

    def check(self, event: Event, ctx: RuleContext) -> Iterator[Report]:
        if not isinstance(event, MongoOp) or not event.is_write:
            return
        terms = _unscoped_selectors(event, ctx, ids_only=False)
        if terms:
            t = terms[0]
            yield Report(event.node, f"{event.method} selects by '{t.path}' ({_source(t)}); the filter "
                                     f"{_scope_problem(event, ctx)}; {SCOPE_HINT}", _confidence(event, ctx))


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

    def check(self, event: Event, ctx: RuleContext) -> Iterator[Report]:
        if not isinstance(event, MongoOp) or event.filter is None or event.privileged:
            return
        if not (event.is_write or (event.is_read and event.context.authenticated)):
            return
        f = event.filter
        if f.is_owner_scoped(ctx.settings):
            return
        for t in f.client_owner_terms(ctx.settings):
            yield Report(t.node, f"owner key '{t.path}' of {event.method} takes its value from {_source(t)}: the "
                                 f"client chooses whose documents it gets; use the caller's identity instead",
                         _confidence(event, ctx))
