"""Python itself: builtins, string and container methods, json, re, copy and uuid, as transfer
functions from argument values to a result (SPEC section 1: what passes taint on, what clears it)."""
from __future__ import annotations

from typing import Dict, FrozenSet, Optional

from flaskmongo_lint import syntax as syn

from flaskmongo_lint.analysis.lattice import (
    ANY_FIELD, CLEAN, CONST, EMPTY, JSON_MAPPING, NUMBER_KINDS, OPAQUE_KINDS, TEXT_KINDS, Element, Entry, Kind, Site,
    Value, add_element, item_of, join, join_all, records_in, set_entry, text_of, without_fields,
)
from flaskmongo_lint.analysis.transfer import CallSite, Outcome

STRING_METHODS = frozenset({
    "strip", "lstrip", "rstrip", "lower", "upper", "title", "capitalize", "casefold", "replace", "format",
    "zfill", "encode", "decode", "split", "rsplit", "splitlines", "removeprefix", "removesuffix", "swapcase",
    "center", "ljust", "rjust", "expandtabs", "translate", "partition", "rpartition", "format_map", "join",
})
TEXT_BUILTINS = frozenset({"str", "repr", "format", "ascii"})
NUMBER_BUILTINS = frozenset({"int", "float", "round", "abs", "complex", "sum"})
OPAQUE_BUILTINS = frozenset({"bool", "len", "isinstance", "issubclass", "hasattr", "callable", "id", "hash",
                             "print", "type", "getattr", "setattr", "open", "vars", "dir", "any", "all"})
LEAVING_BUILTINS = frozenset({"exit", "quit"})
LEAVING_CALLS = frozenset({"sys.exit", "os._exit", "os.abort"})

# Types a positive ``isinstance`` check narrows a client value to.
TYPE_KINDS: Dict[str, Kind] = {
    "str": Kind.TEXT, "int": Kind.NUMBER, "float": Kind.NUMBER, "bool": Kind.NUMBER, "bytes": Kind.TEXT,
    "ObjectId": Kind.OPAQUE, "UUID": Kind.OPAQUE, "datetime": Kind.OPAQUE, "date": Kind.OPAQUE,
}
CALLABLE_NAMES = frozenset({"isinstance"})
REGEX_TESTS = frozenset({"re.match", "re.fullmatch", "re.search"})
REGEX_ESCAPE = frozenset({"re.escape", "regex.escape"})
REGEX_COMPILE = frozenset({"re.compile", "regex.compile"})
JSON_LOADS = frozenset({"json.loads", "ujson.loads", "orjson.loads", "simplejson.loads"})
JSON_DUMPS = frozenset({"json.dumps", "ujson.dumps", "orjson.dumps", "simplejson.dumps"})
COPIES = frozenset({"copy.copy", "copy.deepcopy"})
OPAQUE_CALLS = frozenset({"uuid.UUID"})
SANITIZERS = frozenset({"mongosanitizer.sanitizer.sanitize", "mongosanitizer.sanitize"})

# A site for the synthetic elements iteration yields (the tuples of enumerate/zip/items): never reported.
_NO_SITE = Site("", syn.Name("_"), None)

ID_FIELD = "_id"
ITEM_METHODS = frozenset({"get", "pop", "setdefault", "get_all"})
POP = "pop"
LIST_ITEM_METHODS = frozenset({"getlist"})
COPY_METHODS = frozenset({"to_dict", "copy", "dict", "deepcopy"})
APPEND_METHODS = frozenset({"append", "add", "appendleft"})
INSERT_METHODS = frozenset({"insert"})
EXTEND_METHODS = frozenset({"extend"})
UPDATE_METHODS = frozenset({"update"})
# Schemas: marshmallow / pydantic loading and validating.
SCHEMA_LOADS = frozenset({"load", "loads", "model_validate", "parse_obj", "model_validate_json", "parse_raw"})
SCHEMA_VALIDATE = frozenset({"validate"})


def _first(call: CallSite) -> Value:
    return call.first if call.first is not None else CLEAN


def text(value: Value) -> Value:
    """``str(x)``: text when x is client data, a constant stays a constant."""
    if value.kinds:
        return value.derived(kinds=TEXT_KINDS)
    return value.derived(const=value.const)


def number(value: Value) -> Value:
    """``int(x)``: a number; it still picks which document."""
    if value.kinds:
        return value.derived(kinds=NUMBER_KINDS)
    return value.derived(const=value.const)


def opaque(value: Value) -> Value:
    """``UUID(x)``, ``ObjectId(x)``: still picks which document, no longer text."""
    if value.kinds:
        return value.derived(kinds=OPAQUE_KINDS)
    return value.derived()


def keys_of(value: Value) -> Value:
    """One key of a mapping: a client-chosen field name when the client sent the mapping."""
    if value.kinds & (JSON_MAPPING):
        return Value(kinds=TEXT_KINDS, origin=value.origin, trace=value.trace, is_key=True)
    if value.shape:
        return join_all(e.key_value for e in value.shape) if any(e.key is None for e in value.shape) else CONST
    return CLEAN


def sequence(items: Value, call: CallSite) -> Value:
    """A list holding one representative element, with the contents' taint as its kinds."""
    return Value(kinds=items.kinds - {Kind.MAPPING}, origin=items.origin, trace=items.trace, reads=items.reads,
                 identity=items.identity, owned=items.owned, elements=(Element(items, call.site),))


def tuple_of(*parts: Value) -> Value:
    """A tuple value, as iterating ``enumerate``/``zip``/``.items()`` yields it."""
    return Value(elements=tuple(Element(p, _NO_SITE) for p in parts), identity=False)


def container(name: str, call: CallSite) -> Value:
    """``dict(...)``, ``list(x)``, ``sorted(x)``, ``enumerate(x)`` ...: what the contents carry."""
    args = call.positional
    first = args[0].value if args else None
    if name == "dict":
        kinds: FrozenSet[Kind] = EMPTY
        origin = None
        entries: tuple = ()
        trace: tuple = ()
        for arg in call.args:
            if arg.keyword is not None:
                entries = set_entry(entries, Entry(arg.keyword, CONST, arg.value, arg.site))
            elif arg.value.is_client_mapping:
                kinds = kinds | {Kind.MAPPING} | (arg.value.kinds & {Kind.JSON})
                origin = origin or arg.value.origin
                trace = trace or arg.value.trace
                for e in arg.value.shape or ():
                    entries = set_entry(entries, e)
            elif arg.value.shape is not None:
                for e in arg.value.shape:
                    entries = set_entry(entries, e)
        reads = frozenset().union(*(a.value.reads for a in call.args)) if call.args else EMPTY
        # dict(doc) copies a whole stored document; a keyword given a literal masks that field.
        copied = join_all(a.value for a in call.positional if a.value.records)
        masked = frozenset(a.keyword for a in call.args if a.keyword is not None and a.value.const)
        records = without_fields(copied, masked).records if copied.records else EMPTY
        return Value(kinds=kinds, origin=origin, trace=trace, shape=entries, reads=reads, records=records)
    if first is None:
        return Value(elements=()) if name in ("list", "tuple", "set", "frozenset") else CLEAN
    if name in ("enumerate",):
        return _iterable_of(tuple_of(CONST, item_of(first)), first)
    if name == "zip":
        return _iterable_of(tuple_of(*(item_of(a.value) for a in args)), join_all(a.value for a in args))
    if name in ("min", "max"):
        if len(args) > 1:
            return join_all(a.value for a in args)
        return item_of(first)
    if name == "next":
        out = item_of(first)
        return join(out, args[1].value) if len(args) > 1 else out
    if name == "iter":
        return first
    if first.elements is not None and not first.kinds:
        return first.with_(shape=None) if name != "set" else first
    if first.kinds & {Kind.MAPPING} and not first.kinds & {Kind.JSON}:
        return sequence(keys_of(first), call)  # list(request.args): its keys
    if first.kinds:
        return first.derived(kinds=first.kinds - {Kind.MAPPING}, elements=first.elements)
    return first.with_(shape=None) if first.shape is not None else first


def _iterable_of(element: Value, source: Value) -> Value:
    return Value(kinds=source.kinds - {Kind.MAPPING}, origin=source.origin, trace=source.trace, reads=source.reads,
                 elements=(Element(element, _NO_SITE),))


def builtin(name: str, call: CallSite) -> Optional[Outcome]:
    """A builtin called by its bare name."""
    first = _first(call)
    if name in TEXT_BUILTINS:
        return Outcome(text(first))
    if name in NUMBER_BUILTINS:
        return Outcome(number(first))
    if name in OPAQUE_BUILTINS:
        return Outcome(CLEAN)
    if name in LEAVING_BUILTINS:
        return Outcome(CLEAN, leaves=True)
    if name in ("dict", "list", "tuple", "set", "frozenset", "sorted", "reversed", "enumerate", "zip", "iter",
                "next", "min", "max"):
        return Outcome(container(name, call))
    return None


def library(qualname: str, call: CallSite) -> Optional[Outcome]:
    """A call of a standard-library function, by its qualified name."""
    first = _first(call)
    if qualname in LEAVING_CALLS:
        return Outcome(CLEAN, leaves=True)
    if qualname in JSON_LOADS:
        return Outcome(json_loads(first))
    if qualname in JSON_DUMPS:
        return Outcome(json_dumps(first))
    if qualname in REGEX_ESCAPE:
        return Outcome(first.derived(kinds=TEXT_KINDS if first.kinds else EMPTY, regex_safe=True))
    if qualname in REGEX_COMPILE:
        return Outcome(first.derived(is_regex=True))
    if qualname in COPIES:
        return Outcome(first)
    if qualname in OPAQUE_CALLS:
        return Outcome(opaque(first))
    if qualname in SANITIZERS:
        return Outcome(sanitized(first))
    return None


def json_loads(value: Value) -> Value:
    """``json.loads(x)``: JSON of whatever client text it parses; a round trip keeps the kind, and
    the whole stored documents serialised into x (``json.loads(json_util.dumps(doc))`` is the
    document again)."""
    if value.encoded:
        return Value(kinds=value.encoded, origin=value.origin, trace=value.trace, records=value.records)
    if value.kinds:
        return Value(kinds=JSON_MAPPING, origin=f"loads() of {value.origin or 'request data'}", trace=value.trace,
                     records=value.records)
    return Value(records=value.records) if value.records else CLEAN


def json_dumps(value: Value) -> Value:
    """``json.dumps(x)``: text; client data is encoded in it (kinds kept for a round trip), and so is
    every whole stored document x is or holds (a list of them, a dict around one)."""
    records = records_in(value)
    if value.kinds:
        return Value(kinds=TEXT_KINDS, origin=value.origin, trace=value.trace, encoded=value.kinds, records=records)
    return Value(records=records) if records else CLEAN


def sanitized(value: Value) -> Value:
    """An operator-stripping sanitiser: no operator can come through, the keys are still the client's."""
    if Kind.JSON not in value.kinds:
        return value
    return value.derived(kinds=(value.kinds - {Kind.JSON}) | OPAQUE_KINDS)


def validated(value: Value) -> Value:
    """A mapping a validator or schema accepted: typed values under known keys."""
    if not value.kinds & (JSON_MAPPING):
        return value
    return value.derived(kinds=(value.kinds - JSON_MAPPING) | OPAQUE_KINDS)


def value_method(base: Value, name: str, call: CallSite) -> Optional[Outcome]:
    """``x.name(...)`` on a plain value: strings, mappings, lists, schemas."""
    args = call.positional
    first = args[0].value if args else None
    if name in ITEM_METHODS or name in LIST_ITEM_METHODS:
        if base.chosen is not None and first is not None and first.literal == ID_FIELD:
            return Outcome(base.chosen_id())  # type: ignore[arg-type]
        if base.shape is not None and first is not None and first.literal is not None:
            for entry in reversed(base.shape):
                if entry.key == first.literal:
                    out = entry.value
                    if base.kinds:
                        out = join(out, _item(base, first))
                    return Outcome(out)
        if base.kinds or base.doc or base.reads or base.shape is not None or base.identity:
            v = _item(base, first)
            if name in LIST_ITEM_METHODS and v.kinds:
                v = v.with_(kinds=TEXT_KINDS)
            if len(args) > 1 and name in ("get", "pop", "setdefault") and not base.identity:
                v = join(v, args[1].value)  # the default (a claim of the identity is still the identity's)
            if name == POP and base.records:
                # doc.pop("password_hash", None) takes that field out of the record (a key chosen at
                # run time: some field), and nothing else.
                field = first.literal if first is not None and first.literal is not None else ANY_FIELD
                return Outcome(v, receiver=without_fields(base, frozenset({field})))
            return Outcome(v)
        return None
    if name in COPY_METHODS:
        return Outcome(base)
    if name == "items":
        return Outcome(_iterable_of(tuple_of(keys_of(base), item_of(base)), base))
    if name == "keys":
        return Outcome(_iterable_of(keys_of(base), base))
    if name == "values":
        return Outcome(_iterable_of(item_of(base), base))
    if name in STRING_METHODS and (base.literal is not None or base.kinds & {Kind.TEXT, Kind.JSON} or base.const):
        if name == "join" and first is not None:
            return Outcome(text_of([base, item_of(first)]))
        if name in ("split", "rsplit", "splitlines", "partition", "rpartition"):
            piece = text_of([base])
            return Outcome(piece.with_(elements=(Element(piece, call.site),)) if piece.kinds else piece)
        return Outcome(text_of([base] + [a.value for a in call.args]))
    effect = _sequence_effect(base, name, call)
    if effect is not None:
        return Outcome(CLEAN, receiver=effect)
    if name in SCHEMA_LOADS and first is not None and first.kinds:
        return Outcome(validated(first))
    if name in SCHEMA_VALIDATE and first is not None and first.kinds:
        return Outcome(CLEAN, validates=(0,))
    return None


def _item(base: Value, key: Optional[Value]) -> Value:
    v = item_of(base)
    if base.kinds and key is not None and key.literal is not None and base.origin:
        v = v.with_(origin=f"{base.origin}[{key.literal!r}]")
    return v


def _sequence_effect(base: Value, name: str, call: CallSite) -> Optional[Value]:
    """``x.append(v)``, ``x.update(m)`` ...: x now holds what was put in (a denylist ``pop`` or
    ``del`` does not take anything out)."""
    if base.obj is not None or base.const:
        return None
    args = call.positional
    if name in APPEND_METHODS or name in INSERT_METHODS:
        if not args:
            return None
        arg = args[-1]
        return _add(base, arg.value, Element(arg.value, arg.site))
    if name in EXTEND_METHODS:
        if not args:
            return None
        added = args[0].value
        out = base
        for el in added.elements or ():
            out = _add(out, el.value, el)
        if added.kinds:
            out = _add(out, item_of(added), Element(item_of(added), args[0].site))
        return out
    if name in UPDATE_METHODS:
        out = base
        copied = [a.value.records for a in call.positional if a.value.records]
        if copied:
            out = out.with_(records=out.records.union(*copied))  # result.update(doc): a copy of the document
        if out.records:
            # doc.update(password_hash=None) / doc.update({"password_hash": None}): masked fields.
            masked = [a.keyword for a in call.args if a.keyword is not None and a.value.const]
            for arg in call.positional:
                masked += [e.key for e in arg.value.shape or () if e.key is not None and e.value.const]
            out = without_fields(out, frozenset(masked))
        for arg in call.args:
            if arg.keyword is not None:
                shape = set_entry(out.shape, Entry(arg.keyword, CONST, arg.value, arg.site)) \
                    if out.shape is not None else None
                out = out.with_(shape=shape, kinds=out.kinds | (arg.value.kinds - {Kind.MAPPING}))
            elif arg.value.is_client_mapping:
                out = out.with_(kinds=out.kinds | {Kind.MAPPING} | (arg.value.kinds & {Kind.JSON}),
                                origin=out.origin or arg.value.origin, trace=out.trace or arg.value.trace)
            elif arg.value.shape is not None and out.shape is not None:
                shape = out.shape
                for e in arg.value.shape:
                    shape = set_entry(shape, e)
                out = out.with_(shape=shape)
            elif arg.value.kinds:
                out = out.with_(kinds=out.kinds | (arg.value.kinds - {Kind.MAPPING}))
        return out
    return None


def _add(base: Value, value: Value, element: Element) -> Value:
    elements = add_element(base.elements, element) if base.elements is not None else None
    return base.with_(elements=elements, kinds=base.kinds | (value.kinds - {Kind.MAPPING}),
                      origin=base.origin or value.origin, trace=base.trace or value.trace,
                      reads=base.reads | value.reads)


