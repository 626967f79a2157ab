"""FM201-FM204: client mappings written into documents (mass assignment, CWE-915)."""
from __future__ import annotations

from typing import Iterator, Optional

from flaskmongo_lint.analysis.events import Arg, Operation, OpKind
from flaskmongo_lint.analysis.lattice import Value
from flaskmongo_lint.models import operators as ops
from flaskmongo_lint.rules.base import Occurrence, Report, Rule, RuleContext


def _client_mapping(value: Value) -> bool:
    return value.is_client_mapping


def _source(value: Value) -> str:
    return value.origin or "client data"


def _replacement(event: Operation) -> Optional[Arg]:
    """What a replace-style write stores whole: the replacement, or a legacy operator-less update()."""
    if event.replacement is not None:
        return event.replacement
    if event.legacy_update and event.update is not None:
        shape = event.update.value.shape
        if shape is None or not any(e.key and ops.is_operator(e.key) for e in shape):
            return event.update
    return None


class MassAssignment(Rule):
    """Puts a client-chosen mapping into ``$set`` (or another field-name operator).

    **What it does.** Reports the value of ``$set``, ``$setOnInsert``, ``$inc``, ``$push``,
    ``$addToSet``, ``$unset``, ``$rename``, ``$min``, ``$max`` or ``$mul`` when it is a mapping or
    JSON value from the request, and a key of such an operator's dict that the client chose
    (``{"$inc": {field: 1}}``). It is reported where that dict is built.

    **Why is this bad?** The client picks which fields change: ``{"role": "admin"}`` or
    ``{"balance": 1e9}`` goes straight into the document (mass assignment, CWE-915). Removing a
    few known keys (``body.pop("role")``) is a denylist and misses the next one.

    **Example**::

        db.users.update_one({"_id": current_user.id}, {"$set": request.get_json()})

    **Use instead**::

        body = request.get_json()
        changes = {k: v for k, v in body.items() if k in EDITABLE}
        db.users.update_one({"_id": current_user.id}, {"$set": changes})

    or load the body through a schema (marshmallow, pydantic) that lists the fields.
    """

    code = "FM201"
    name = "mass-assignment"
    severity = "error"
    cwe = 915
    summary = "a client mapping is the value of $set (or another field-name operator)"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        event = occ.event
        if not isinstance(event, Operation) or event.update is None:
            return
        update = event.update.value
        for entry in update.shape or ():
            if entry.key not in ops.FIELD_UPDATES:
                continue
            client_keys = [e for e in entry.value.shape or () if e.key_value.client_key]
            for inner in client_keys:
                yield Report(inner.key_site or inner.site,
                             f"{entry.key} of {event.method} uses a field name from "
                             f"{_source(inner.key_value)}; check it against an allowlist", trace=inner.key_value.trace)
            if not client_keys and _client_mapping(entry.value):
                yield Report(entry.site, f"{entry.key} of {event.method} takes a whole mapping from "
                                         f"{_source(entry.value)}: the client chooses which fields change; "
                                         f"copy only allowed fields or load it through a schema", trace=entry.value.trace)


class ClientUpdateDocument(Rule):
    """Uses a client mapping as the whole update document.

    **What it does.** Reports an update call (``update_one``, ``update_many``,
    ``find_one_and_update``, ``UpdateOne``) whose update argument is a mapping or JSON value from the
    request.

    **Why is this bad?** The client chooses the operators as well as the fields: ``$unset``,
    ``$rename`` and ``$set`` on any field, including ownership and roles (CWE-915).

    **Example**::

        db.users.update_one({"_id": current_user.id}, request.get_json())

    **Use instead**::

        db.users.update_one({"_id": current_user.id}, {"$set": allowed_fields(request.get_json())})
    """

    code = "FM202"
    name = "client-update-document"
    severity = "error"
    cwe = 915
    summary = "the whole update document is a client mapping"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        event = occ.event
        if not isinstance(event, Operation) or event.update is None or event.legacy_update:
            return
        value = event.update.value
        # A dict literal counts when a **spread or a client-chosen top-level key (an operator the
        # client picks) makes it the client's.
        client_keys = [e for e in value.shape or () if e.key_value.client_key]
        if (_client_mapping(value) and value.elements is None) or client_keys:
            source = value if _client_mapping(value) else client_keys[0].key_value
            yield Report(event.update.site, f"the update document of {event.method} is {_source(source)}: the "
                                            f"client chooses the operators and fields; build {{\"$set\": ...}} "
                                            f"from allowed fields", trace=source.trace)


class ReplaceWithClientData(Rule):
    """Replaces a whole document with a mapping the client sent.

    **What it does.** Reports ``replace_one``, ``find_one_and_replace``, ``ReplaceOne``, legacy
    ``save()`` and operator-less ``update()`` when the replacement is built from a client mapping or
    JSON value: the body itself, ``{**body, ...}``, or a copy of it.

    **Why is this bad?** A replacement drops every field the client leaves out (timestamps, owner,
    counters) and stores every field it adds (CWE-915).

    **Example**::

        db.posts.replace_one({"_id": oid, "author_id": current_user.id}, request.get_json())

    **Use instead**::

        body = request.get_json()
        db.posts.update_one({"_id": oid, "author_id": current_user.id},
                            {"$set": {"title": str(body["title"]), "text": str(body["text"])}})
    """

    code = "FM203"
    name = "replace-with-client-data"
    severity = "error"
    cwe = 915
    summary = "a replace writes a document built from a client mapping"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        event = occ.event
        if not isinstance(event, Operation):
            return
        replacement = _replacement(event)
        if replacement is not None and _client_mapping(replacement.value):
            yield Report(replacement.site, f"{event.method} replaces the document with {_source(replacement.value)}: "
                                           f"fields the client leaves out are dropped and any it adds are stored; "
                                           f"$set named fields instead", trace=replacement.value.trace)


class InsertClientDocument(Rule):
    """Inserts a mapping the client sent as a new document.

    **What it does.** Reports ``insert_one``, ``insert_many`` and ``InsertOne`` when the document is
    a client mapping or JSON value (or ``{**body, ...}``).

    **Why is this bad?** The client can set any field of the new document, such as ``role``,
    ``is_admin``, ``owner_id`` or ``verified`` (CWE-915).

    **Example**::

        db.users.insert_one(request.get_json())

    **Use instead**::

        body = request.get_json()
        db.users.insert_one({"name": str(body["name"]), "role": "user"})
    """

    code = "FM204"
    name = "insert-client-document"
    severity = "error"
    cwe = 915
    summary = "an insert stores a client mapping as the document"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        event = occ.event
        if not isinstance(event, Operation) or event.op is not OpKind.INSERT:
            return
        for doc in event.documents:
            if _client_mapping(doc.value):
                yield Report(doc.site, f"{event.method} stores {_source(doc.value)} as the document: the client "
                                       f"can set any field; build the document from named fields", trace=doc.value.trace)
