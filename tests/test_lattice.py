"""The abstract value's join and widening: a join keeps everything any path may carry."""
from __future__ import annotations

from flaskmongo_lint import syntax

from flaskmongo_lint.analysis.lattice import (
    CLEAN, CONST, JSON_MAPPING, MAX_DEPTH, TEXT_KINDS, Element, Entry, Kind, Site, Value, add_element, client, join,
    join_all, set_entry, widen,
)


def site(text: str = "x") -> Site:
    return Site("m", syntax.Name(text), None)


BODY = client(JSON_MAPPING, "request.get_json()")
TEXT = client(TEXT_KINDS, "route parameter 'pid'")


def depth(value: Value) -> int:
    inner = [depth(e.value) for e in value.shape or ()] + [depth(e.value) for e in value.elements or ()]
    return 1 + max(inner) if inner else 0


def test_a_constant_on_one_path_does_not_clean_the_other() -> None:
    joined = join(CONST, BODY)
    assert joined.kinds == JSON_MAPPING and joined.is_client_mapping
    assert joined.origin == "request.get_json()"
    assert join(BODY, CONST).kinds == JSON_MAPPING


def test_a_dict_joined_with_a_client_mapping_keeps_both() -> None:
    where = site("where")
    literal = Value(shape=(Entry("$where", CONST, TEXT, where),))
    mapping = client(frozenset({Kind.MAPPING}), "request.args.to_dict()")
    for joined in (join(literal, mapping), join(mapping, literal)):
        assert Kind.MAPPING in joined.kinds  # the whole value may be the client's mapping
        assert joined.shape is not None and [e.key for e in joined.shape] == ["$where"]
        entry = joined.shape[0]
        assert entry.maybe and entry.value.kinds == TEXT_KINDS and entry.site is where


def test_shapes_join_per_key() -> None:
    a = Value(shape=(Entry("owner", CONST, Value(identity=True), site("a")), Entry("x", CONST, CONST, site("b"))))
    b = Value(shape=(Entry("owner", CONST, TEXT, site("c")),))
    joined = join(a, b)
    by_key = {e.key: e for e in joined.shape or ()}
    assert not by_key["owner"].maybe and by_key["x"].maybe
    assert not by_key["owner"].value.identity  # identity on one path only is no identity
    assert by_key["owner"].value.kinds == TEXT_KINDS


def test_must_facts_hold_only_when_every_tainted_path_has_them() -> None:
    owned = TEXT.with_(owned=True, oid_valid=True)
    assert join(owned, CLEAN).owned and join(owned, CLEAN).oid_valid  # an untainted path proves nothing against it
    assert not join(owned, TEXT).owned and not join(owned, TEXT).oid_valid
    assert join(Value(identity=True), Value(identity=True)).identity
    assert not join(Value(identity=True), CLEAN).identity


def test_join_is_idempotent_and_its_taint_commutes() -> None:
    values = [CLEAN, CONST, BODY, TEXT, Value(identity=True), Value(shape=(Entry("a", CONST, TEXT, site()),))]
    for a in values:
        assert join(a, a) == a
        for b in values:
            assert join(a, b).kinds == join(b, a).kinds
            assert join(a, b).identity == join(b, a).identity
    assert join_all([]) == CLEAN


def test_elements_of_the_same_node_merge() -> None:
    made_at = site("UpdateOne")
    first = add_element((), Element(CLEAN, made_at))
    second = add_element(first, Element(TEXT, made_at))
    assert len(second) == 1 and second[0].value.kinds == TEXT_KINDS
    assert len(add_element(second, Element(CLEAN, site("other")))) == 2


def test_set_entry_replaces_a_constant_key() -> None:
    shape = set_entry((), Entry("_id", CONST, TEXT, site("a")))
    shape = set_entry(shape, Entry("_id", CONST, CONST, site("b")))
    assert len(shape) == 1 and shape[0].value == CONST


def test_widen_bounds_nesting_and_keeps_taint() -> None:
    value = TEXT
    for i in range(3 * MAX_DEPTH):
        value = Value(shape=(Entry(f"k{i}", CONST, value, site()),))
    widened = widen(value)
    assert depth(widened) <= MAX_DEPTH + 1
    assert widen(widened) == widened  # a fixpoint

    def kinds_inside(v: Value) -> frozenset:
        out = v.kinds
        for e in v.shape or ():
            out = out | kinds_inside(e.value)
        return out

    assert Kind.TEXT in kinds_inside(widened)
