"""FM401: a whole stored document, with its secret fields, sent to the client (excessive data
exposure, CWE-213)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Sequence, Tuple

from flaskmongo_lint.analysis.events import Arg, Response, Returned
from flaskmongo_lint.analysis.evidence import evidence_keys
from flaskmongo_lint.analysis.lattice import Record, Site, Step, Value, records_in
from flaskmongo_lint.models import restful
from flaskmongo_lint.rules.base import Occurrence, Report, Rule, RuleContext

if TYPE_CHECKING:  # the rules' metadata (for reports) must load without the syntax tree and the interpreter
    from flaskmongo_lint.analysis.project import Root

MAX_FIELDS = 3  # secret fields named in a message


def secrets_of(root: Root, collection: Optional[str], ctx: RuleContext) -> Dict[str, Site]:
    """The secret fields the application of ``root`` is known to store in ``collection``, and where
    each is shown (an insert, an update, a filter or a read of it, in any module of the app)."""
    out: Dict[str, Site] = {}
    if collection is None:
        return out
    for key in evidence_keys(root.app, root.module):
        for path, site in ctx.evidence.secrets.get((key, collection), {}).items():
            out.setdefault(path, site)
    return out


def exposed(record: Record, root: Root, ctx: RuleContext) -> List[Tuple[str, Site]]:
    """The secret fields of ``record``'s collection still in the record as it is sent: not left out
    by the read's projection, not removed since, not sent by the client itself to select it."""
    return sorted((path, site) for path, site in secrets_of(root, record.source, ctx).items() if record.holds(path))


def carriers(value: Value, site: Site) -> Iterator[Tuple[Value, Site]]:
    """Where in a sent expression a whole document is: the entries and elements of a literal written
    at the sink (``jsonify({"user": user})``, ``return user, 200``), else the expression itself."""
    from flaskmongo_lint import syntax as syn

    node = site.node
    # Literals written at the sink: the finding goes on the entry or element that holds the document.
    if isinstance(node, (syn.Dict, syn.List, syn.Tuple, syn.Set)):
        children = {id(el.value) for el in node.elements}
        for part in (*(value.shape or ()), *(value.elements or ())):
            if id(part.site.node) in children and records_in(part.value):
                yield from carriers(part.value, part.site)
        if value.records:  # a spread copy: {**doc, "_id": str(doc["_id"])}
            yield value.with_(shape=None, elements=None), site
        return
    yield value, site


def _order(record: Record) -> Tuple[str, str, str]:
    from flaskmongo_lint.analysis.syntaxutil import code_of

    return record.source or "", record.read.module, code_of(record.read.node)


def _sent(occ: Occurrence) -> Optional[Tuple[str, Sequence[Arg]]]:
    """What an event sends to the client, and how, in words; None when it sends nothing."""
    from flaskmongo_lint.analysis.index import HandlerKind  # loaded with the analysis

    event = occ.event
    if isinstance(event, Response):
        return f"{event.via}() sends", event.args
    if isinstance(event, Returned) and event.value is not None:
        root = occ.root
        handler = root.handler
        # Only a handler's own return is the response; a helper's goes back to its caller.
        if handler is None or handler.kind is HandlerKind.HOOK or event.function != handler.key:
            return None
        if any(d.name in restful.SERIALIZING_DECORATORS for d in handler.decorators):
            return None  # @marshal_with(model) / @blp.response(200, Schema): serialised by named fields
        return "the handler returns", (event.value,)
    return None


class ExcessiveDataExposure(Rule):
    """Sends a whole stored document, secret fields and all, to the client.

    **What it does.** Reports the expression that carries a whole document to the client (the
    argument of ``jsonify()``, ``make_response()`` or ``Response()``, or what a handler returns,
    also as a list, a cursor, a copy, ``json_util.dumps()`` text or inside a literal) when the
    document's collection is known, anywhere in the application, to store a secret field: a field
    named like ``password*``, ``*_hash``, ``*token*``, ``secret*``, ``api_key`` or ``otp*``
    (configurable as ``secret-fields``) that some insert, update, filter or read of that collection
    uses. It stays silent when the read's projection leaves those fields out (``{"password_hash": 0}``)
    or names only other fields (``{"name": 1}``, ``["name"]``), when the fields are removed before
    the document is sent (``doc.pop("password_hash", None)``, ``del doc["password_hash"]``), when
    the document goes through a serializer that builds a dict of named fields (a project helper, a
    marshmallow schema's ``dump``, a pydantic model, ``@marshal_with``), and for a field the request
    itself sent to select the document (``find_one({"token": token})`` tells the client nothing new).

    It is off by default while it is new (a preview rule, as Ruff has them): select it with
    ``--extend-select FM401`` or ``select = ["FM", "FM401"]`` (``FM`` alone does not turn it on;
    ``FM4`` or ``FM401`` does).

    **Why is this bad?** A document returned whole carries every field the collection stores, not
    just the ones the page shows: password hashes, reset and API tokens, TOTP secrets. Any client
    that can call the endpoint can read them, crack the hashes offline or take over accounts with
    the tokens: the response follows what the database holds instead of what the client may see
    (exposure of sensitive information due to incompatible policies, CWE-213). A secret field
    added to the collection later leaks the same way without anyone noticing.

    **Example**::

        @app.get("/users/<user_id>")
        @login_required
        def profile(user_id):
            user = db.users.find_one({"_id": ObjectId(user_id)})
            return jsonify(json.loads(json_util.dumps(user)))

    **Use instead**::

        user = db.users.find_one({"_id": ObjectId(user_id)}, {"name": 1, "email": 1})
        return jsonify(name=user["name"], email=user["email"])

    or leave the secrets out with ``{"password_hash": 0, "reset_token": 0}``, or serialize the
    document through a schema or a ``to_public(user)`` helper that names the fields it sends.
    """

    code = "FM401"
    name = "excessive-data-exposure"
    severity = "warning"
    cwe = 213
    summary = "a whole document of a collection that stores secret fields is sent to the client"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        sent = _sent(occ)
        if sent is None:
            return
        how, args = sent
        for arg in args:
            for value, site in carriers(arg.value, arg.site):
                for record in sorted(records_in(value), key=_order):
                    fields = exposed(record, occ.root, ctx)
                    if fields:
                        yield _report(how, record, fields, site)
                        return  # one finding per sink


def _report(how: str, record: Record, fields: List[Tuple[str, Site]], site: Site) -> Report:
    names = ", ".join(f"'{path}'" for path, _ in fields[:MAX_FIELDS]) + (", ..." if len(fields) > MAX_FIELDS else "")
    coll = record.source
    first = fields[0][0]
    return Report(
        site,
        f"{how} a whole document of '{coll}', which stores {names}; send only the fields the client needs "
        f"(a projection such as {{\"{first}\": 0}}, or a serializer that names them)",
        trace=(Step(record.read, f"a whole '{coll}' document is read here"),),
        related=(fields[0][1],),
        related_note=f"'{coll}' is shown here to store '{first}'",
    )
