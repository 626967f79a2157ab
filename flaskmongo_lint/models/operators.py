"""MongoDB query, update and aggregation operators, as data."""
from __future__ import annotations

from typing import FrozenSet

OPERATOR_PREFIX = "$"
LOGICAL: FrozenSet[str] = frozenset({"$and", "$or", "$nor"})
CONJUNCTION = "$and"
EXPRESSION = "$expr"  # a filter's aggregation expression
LITERAL = "$literal"  # {"$literal": x}: x is data, never a field path
EQUALITY = "$eq"
IN = "$in"
REGEX = "$regex"
MATCH_STAGE = "$match"

# Operators under a field whose operand still selects by equality-like matching: a term under
# them keeps the owner scope of the filter.
SCOPING_OPERATORS: FrozenSet[str] = frozenset({"$in", "$eq", "$all", "$elemMatch"})
# Operators whose operand is a list of values for the field.
LIST_OPERATORS: FrozenSet[str] = frozenset({"$in", "$nin", "$all"})

# Server-side JavaScript.
JAVASCRIPT: FrozenSet[str] = frozenset({"$where", "$function", "$accumulator"})

# Operator positions where a JSON value is not operator injection: ``$eq`` is the fix, and the
# regex and JavaScript operators have rules of their own.
NOT_OPERATOR_INJECTION: FrozenSet[str] = frozenset({"$eq", "$regex", "$options", "$literal"}) | JAVASCRIPT

# Update operators whose document's keys are field names.
FIELD_UPDATES: FrozenSet[str] = frozenset({
    "$set", "$setOnInsert", "$inc", "$push", "$addToSet", "$unset", "$rename", "$min", "$max", "$mul",
    "$pull", "$pullAll", "$currentDate", "$pop",
})
# Update operators that only record an interaction with a shared document (SPEC: interaction updates).
COUNTER_UPDATE = "$inc"
APPEND_UPDATES: FrozenSet[str] = frozenset({"$push", "$addToSet", "$pull"})
EACH = "$each"

# Pipeline stages whose values are expressions: a "$..." string there is a field path.
EXPRESSION_STAGES: FrozenSet[str] = frozenset({
    "$project", "$addFields", "$set", "$group", "$replaceRoot", "$replaceWith", "$bucket", "$facet", "$redact",
    "$unwind", "$sortByCount", "$densify", "$fill", "$setWindowFields",
})
STRUCTURE_STAGES: FrozenSet[str] = EXPRESSION_STAGES | frozenset({
    "$sort", "$lookup", "$match", "$unset", "$graphLookup", "$merge", "$out",
})

# Stages after which a pipeline's documents are still the stored documents, whole (FM401): they
# filter, order, page, join or add fields. $project and $unset narrow them; any other stage
# ($group, $replaceRoot, $count, $facet ...) makes new documents.
KEEPING_STAGES: FrozenSet[str] = frozenset({
    "$match", "$sort", "$limit", "$skip", "$sample", "$addFields", "$set", "$lookup", "$graphLookup", "$unwind",
})
PROJECT_STAGE = "$project"
UNSET_STAGE = "$unset"


def is_operator(key: str) -> bool:
    return key.startswith(OPERATOR_PREFIX)
