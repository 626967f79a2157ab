"""FM302-FM305: NoSQL injection through filters, pipelines, JavaScript and regular expressions."""
from __future__ import annotations

from typing import Iterator, Optional

from flaskmongo_lint.analysis.events import Arg, JavaScriptCall, Operation
from flaskmongo_lint.analysis.lattice import Kind, Site, Value
from flaskmongo_lint.models import operators as ops
from flaskmongo_lint.rules.base import Occurrence, Report, Rule, RuleContext


def _source(value: Value) -> str:
    return value.origin or "client data"


def _client_text(value: Value) -> bool:
    return value.is_client and bool(value.kinds & {Kind.TEXT, Kind.JSON})


class OperatorInjection(Rule):
    """Uses a JSON value from the request as a filter value.

    **What it does.** Reports a value of a filter (an equality, or the operand of ``$ne``, ``$gt``,
    ``$in`` ...) that comes from the request's JSON body (which may be an object) with no coercion (``str()``, ``int()``, ``ObjectId()``), no ``{"$eq": x}`` wrapper
    and no positive type check (``if not isinstance(x, str): abort(400)``).

    **Why is this bad?** ``{"password": {"$ne": null}}`` turns an equality into an operator: the
    classic login bypass (CWE-943). Query-string values are always strings and are not reported.
    A negative check (``if isinstance(x, dict)``) is not enough: Flask-PyMongo decodes JSON with
    ``bson.json_util``, so ``{"$regex": ".*"}`` arrives as a ``Regex`` object.

    **Example**::

        users.find_one({"username": body["username"], "password_hash": body["password"]})

    **Use instead**::

        users.find_one({"username": str(body["username"])})
    """

    code = "FM302"
    name = "operator-injection"
    severity = "error"
    cwe = 943
    summary = "a JSON value from the request is a filter value"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        event = occ.event
        if not isinstance(event, Operation):
            return
        for t in (t for view in ctx.filters(event) for t in view.terms()):
            if t.operator in ops.NOT_OPERATOR_INJECTION or ops.is_operator(t.key):
                continue
            if t.key_value is not None and t.key_value.client_key:
                continue  # {k: v}: the client writes the query (FM303)
            if t.value.is_client and Kind.JSON in t.value.kinds and not t.value.eq_wrapped:
                yield Report(t.site, f"filter value '{t.path}' of {event.method} is {_source(t.value)}, which may "
                                     f"be an object such as {{\"$ne\": null}}; coerce it (str(), int()) or use "
                                     f"{{\"$eq\": value}}", trace=t.value.trace)


class ClientQueryStructure(Rule):
    """Lets the client write a filter, projection, sort or pipeline stage.

    **What it does.** Reports a client mapping or JSON value used as a whole filter, projection,
    sort, pipeline or pipeline stage, and client text placed in an aggregation expression position
    (``$project``, ``$addFields``/``$set``, ``$group``, an update pipeline) without ``{"$literal": x}``.

    **Why is this bad?** The client controls the query: it can match every document, read fields
    it should not see, or, in an expression, read another field by sending ``"$password"`` (CWE-943).

    **Example**::

        users.find(request.args.to_dict())

    **Use instead**::

        users.find({"team": request.args.get("team", "")})
    """

    code = "FM303"
    name = "client-query-structure"
    severity = "error"
    cwe = 943
    summary = "a client value is a whole filter, projection, sort or pipeline stage"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        event = occ.event
        if not isinstance(event, Operation):
            return
        view = ctx.filter(event) if event.filter is not None else None
        if view is not None and (view.whole_is_client or view.client_keyed()):
            source = view.value if view.whole_is_client else view.client_keyed()[0].key_value or view.value
            yield self._whole("filter", event, Arg(source, view.arg.site))
        for t in (t for v in ctx.filters(event) for t in v.terms()):
            if t.path.split(".")[0] != ops.EXPRESSION or t.operator in ops.JAVASCRIPT:
                continue
            found = _client_inside(t.value, t.site, literal_is_safe=True)
            if found is not None and _client_text(found.value):
                yield Report(found.site, f"{_source(found.value)} sits in the $expr of {event.method}: a string "
                                         f"starting with '$' reads another field; wrap it in {{\"$literal\": value}}",
                             trace=found.value.trace)
        for what, arg in (("projection", event.projection), ("sort", event.sort)):
            if arg is not None and arg.value.is_client_mapping:
                yield self._whole(what, event, arg)
        if event.pipeline is not None:
            yield from self._pipeline(event, event.pipeline, "pipeline")
        if event.update is not None and event.update.value.elements is not None:
            yield from self._pipeline(event, event.update, "update pipeline")

    def _whole(self, what: str, event: Operation, arg: Arg) -> Report:
        return Report(arg.site, f"the {what} of {event.method} is {_source(arg.value)}: the client writes the "
                                f"query; build it from named, coerced values", trace=arg.value.trace)

    def _pipeline(self, event: Operation, arg: Arg, what: str) -> Iterator[Report]:
        value = arg.value
        if value.elements is None:
            if value.is_client_mapping:
                yield self._whole(what, event, arg)
            return
        for stage in value.elements:
            if stage.value.is_client_mapping:
                yield self._whole(f"{what} stage", event, Arg(stage.value, stage.site))
                continue
            for entry in stage.value.shape or ():
                if entry.key not in ops.STRUCTURE_STAGES and what == "pipeline":
                    continue
                if entry.value.is_client_mapping:
                    yield self._whole(f"{entry.key} stage", event, Arg(entry.value, entry.site))
                elif entry.key in ops.EXPRESSION_STAGES or what == "update pipeline":
                    found = _text_in_expression(entry.value)
                    if found is not None:
                        yield Report(found.site, f"{_source(found.value)} sits in an expression of {entry.key}: a "
                                                 f"string starting with '$' reads another field; wrap it in "
                                                 f"{{\"$literal\": value}}", trace=found.value.trace)


class _Found:
    def __init__(self, value: Value, site: Site) -> None:
        self.value = value
        self.site = site


def _text_in_expression(value: Value) -> Optional[_Found]:
    """Client text in an expression position of a stage's value (not under ``$literal``, and not
    inside server-side JavaScript, which FM304 reports)."""
    for entry in value.shape or ():
        if entry.key == ops.LITERAL or entry.key in ops.JAVASCRIPT:
            continue
        v = entry.value
        if v.shape is not None:
            found = _text_in_expression(v)
            if found is not None:
                return found
        elif v.elements is not None:
            for el in v.elements:
                if el.value.shape is not None:
                    inner = _text_in_expression(el.value)
                    if inner is not None:
                        return inner
                elif _client_text(el.value):
                    return _Found(el.value, el.site)
        elif _client_text(v):
            return _Found(v, entry.site)
    return None


def _client_inside(value: Value, site: Site, literal_is_safe: bool = False) -> Optional[_Found]:
    """The first client value in ``value`` or its structure (``{"$function": {"body": js}}``)."""
    if value.is_client:
        return _Found(value, site)
    for entry in value.shape or ():
        if literal_is_safe and entry.key == ops.LITERAL:
            continue
        found = _client_inside(entry.value, entry.site, literal_is_safe)
        if found is not None:
            return found
    for el in value.elements or ():
        found = _client_inside(el.value, el.site, literal_is_safe)
        if found is not None:
            return found
    return None


def _javascript_in(value: Value) -> Optional[_Found]:
    """Client data inside a ``$function``/``$accumulator``/``$where`` anywhere in a stage."""
    for entry in value.shape or ():
        if entry.key in ops.JAVASCRIPT:
            found = _client_inside(entry.value, entry.site)
            if found is not None:
                return found
        elif entry.value.shape is not None or entry.value.elements is not None:
            found = _javascript_in(entry.value)
            if found is not None:
                return found
    for el in value.elements or ():
        found = _javascript_in(el.value)
        if found is not None:
            return found
    return None


class ServerSideJavaScript(Rule):
    """Sends client data into server-side JavaScript.

    **What it does.** Reports client data that reaches ``$where``, ``$function``, ``$accumulator``,
    ``Cursor.where()`` or ``map_reduce()``.

    **Why is this bad?** The string is JavaScript that the database evaluates: the client can
    rewrite the condition (``"0 || true"``) or make the server loop (CWE-943). ``str()`` does not
    help.

    **Example**::

        users.find({"$where": "this.age > " + request.args["age"]})

    **Use instead**::

        users.find({"age": {"$gt": int(request.args["age"])}})
    """

    code = "FM304"
    name = "server-side-javascript"
    severity = "error"
    cwe = 943
    summary = "client data reaches $where, $function, $accumulator, Cursor.where() or map_reduce()"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        event = occ.event
        if isinstance(event, JavaScriptCall):
            if event.arg is not None and event.arg.value.is_client:
                yield Report(event.arg.site, f"{event.method}() runs JavaScript built from {_source(event.arg.value)}; "
                                             f"express the condition with query operators", trace=event.arg.value.trace)
            return
        if not isinstance(event, Operation):
            return
        for t in (t for view in ctx.filters(event) for t in view.terms()):
            if t.key not in ops.JAVASCRIPT and t.operator not in ops.JAVASCRIPT:
                continue
            found = _client_inside(t.value, t.site)
            if found is not None:
                yield Report(found.site, f"{t.operator or t.key} of {event.method} runs JavaScript built from "
                                         f"{_source(found.value)}; express the condition with query operators",
                             trace=found.value.trace)
        for arg in (event.pipeline, event.update):
            for stage in (arg.value.elements or ()) if arg is not None else ():
                found = _javascript_in(stage.value)
                if found is not None:
                    yield Report(found.site, f"server-side JavaScript in the pipeline of {event.method} is built from "
                                             f"{_source(found.value)}; express it with aggregation operators",
                                 trace=found.value.trace)


class RegexInjection(Rule):
    """Uses client text as a regular expression without escaping it.

    **What it does.** Reports client text that reaches ``$regex`` (or a ``re.compile()``/``Regex()``
    placed in a filter) without ``re.escape``.

    **Why is this bad?** The client writes the pattern: ``.*`` matches everything and a
    catastrophic pattern such as ``(a+)+$`` ties up the database (ReDoS, CWE-1333). ``str()`` does
    not help.

    **Example**::

        users.find({"name": {"$regex": request.args["q"]}})

    **Use instead**::

        users.find({"name": {"$regex": re.escape(request.args["q"])}})
    """

    code = "FM305"
    name = "regex-injection"
    severity = "warning"
    cwe = 1333
    summary = "client text reaches $regex without re.escape"

    def check(self, occ: Occurrence, ctx: RuleContext) -> Iterator[Report]:
        event = occ.event
        if not isinstance(event, Operation):
            return
        for t in (t for view in ctx.filters(event) for t in view.terms()):
            regex = t.operator == ops.REGEX or t.value.is_regex
            if regex and _client_text(t.value) and not t.value.regex_safe:
                yield Report(t.site, f"{_source(t.value)} is used as a regular expression in {event.method}; "
                                     f"escape it with re.escape()", trace=t.value.trace)
