"""The fast JSON writer gives exactly what json.dumps(value, indent=2) gives."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flaskmongo_lint.config import Config
from flaskmongo_lint.report import gitlab, sarif
from flaskmongo_lint.report import json as json_report
from flaskmongo_lint.report.jsontext import dumps
from flaskmongo_lint.runner import run

FIXTURES = Path(__file__).parent / "fixtures"
SCALARS = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text() | st.integers() | st.booleans() | st.none(), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(VALUES)
def test_generated_values(value: object) -> None:
    assert dumps(value) == json.dumps(value, indent=2)


@pytest.mark.parametrize("value", [
    [], {}, [{}], {"a": []}, "é\n\t\"\\\u2028\U0001f600", float("inf"), -0.0, 10 ** 40, {1: True, None: False},
])
def test_edges(value: object) -> None:
    assert dumps(value) == json.dumps(value, indent=2)


def test_non_json_keys_are_refused_like_json_dumps() -> None:
    with pytest.raises(TypeError):
        json.dumps({(1, 2): 3}, indent=2)
    with pytest.raises(TypeError):
        dumps({(1, 2): 3})


def test_every_json_report_is_what_json_dumps_writes() -> None:
    findings = run([str(FIXTURES / "v2")], Config(), jobs=1).findings
    assert len(findings) > 100
    for module, build in ((json_report, lambda fs: [json_report.as_dict(f) for f in fs]),
                          (gitlab, lambda fs: [gitlab.as_issue(f) for f in fs])):
        assert module.render(findings) == json.dumps(build(findings), indent=2) + "\n"
    document = json.loads(sarif.render(findings))
    assert sarif.render(findings) == json.dumps(document, indent=2) + "\n"
