"""FM301: ``ObjectId()`` of client data that nothing guards."""
from __future__ import annotations

from typing import Iterator

from flaskmongo_lint.analysis.events import Caught, ObjectIdCall
from flaskmongo_lint.analysis.lattice import Kind
from flaskmongo_lint.rules.base import Occurrence, Report, Rule, RuleContext


class UnguardedObjectId(Rule):
    """Builds an ``ObjectId`` from client data that may not be a valid id.

    **What it does.** Reports ``ObjectId(x)`` where ``x`` is client text or JSON and the call is not
    inside a ``try`` that catches ``bson.errors.InvalidId`` (for JSON values also ``TypeError``),
    not dominated by ``if not ObjectId.is_valid(x): abort(400)``, and the app registers no error
    handler for ``InvalidId``.

    **Why is this bad?** ``ObjectId("nope")`` raises ``InvalidId`` and ``ObjectId({"a": 1})`` raises
    ``TypeError``: a malformed id becomes a 500 error and a stack trace in the logs instead of a
    400 or 404 (CWE-20). Scanners flag it, and it hides real errors.

    **Example**::

        @app.get("/items/<item_id>")
        def item(item_id):
            return jsonify(db.items.find_one({"_id": ObjectId(item_id)}))

    **Use instead**::

        if not ObjectId.is_valid(item_id):
            abort(404)

    or a route converter that validates (``<ObjectId:item_id>`` with Flask-PyMongo).
    """

    code = "FM301"
    name = "unguarded-objectid"
    severity = "warning"
    cwe = 20
    summary = "ObjectId() of client data with no validity guard"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        event = occ.event
        if not isinstance(event, ObjectIdCall) or event.arg is None:
            return
        value = event.arg.value
        if not value.is_client or not value.kinds & {Kind.TEXT, Kind.JSON} or value.oid_valid:
            return
        json = Kind.JSON in value.kinds
        needed = {Caught.INVALID_ID} | ({Caught.TYPE_ERROR} if json else set())
        if needed <= (occ.caught | occ.root.handled):
            return
        missing = "TypeError" if Caught.INVALID_ID in occ.caught else "InvalidId"
        yield Report(event.site, f"ObjectId() of {value.origin or 'client data'} can raise {missing}: check "
                                 f"ObjectId.is_valid() first or catch bson.errors.InvalidId"
                                 f"{' and TypeError' if json else ''}, and answer 400/404", trace=value.trace)
