"""Generated programs never make the linter fail (FM000), and one nothing can parse is FM001.

hypothesmith writes the programs (``from_grammar()``: any text CPython compiles; ``from_node()``:
programs built from libcst nodes). scripts/fuzz.py lints each in four shapes through the runner:
as it is, inside a Flask handler that feeds request data to PyMongo calls, the same with names
swapped for ones the analysis knows, and with a slice cut out. Here a few hundred programs run,
derandomized so that every run (CI's included) sees the same ones; the script runs thousands.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flaskmongo_lint import checker


def _load_fuzz() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "scripts" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("flaskmongo_lint_fuzz_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz()
# hypothesmith compiles what it generates, and CPython warns about some of it.
pytestmark = [
    pytest.mark.filterwarnings("ignore::SyntaxWarning"),
    pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning"),
]

FUZZ_SETTINGS = settings(
    deadline=None,
    database=None,
    derandomize=True,
    # Generating Python is slow and filters a lot; neither says anything about the linter.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    print_blob=True,
)
SALT = st.integers(min_value=0, max_value=2 ** 20)


def check_program(program: str, salt: int) -> None:
    """Every shape of ``program``: no FM000, and FM001 wherever neither CPython nor libcst can parse it."""
    outcomes = fuzz.lint_program(program, salt)
    assert [o.shape for o in outcomes][:2] == ["raw", "handler"]
    for outcome in outcomes:
        found = fuzz.problems(outcome)
        source = outcome.source.decode("utf-8", "replace")
        assert not found, f"{found}\n{outcome.traceback or ''}\n--- source ---\n{source}"


@settings(FUZZ_SETTINGS, max_examples=150)
@given(program=hypothesmith.from_grammar(), salt=SALT)
def test_programs_from_the_grammar(program: str, salt: int) -> None:
    check_program(program, salt)


@settings(FUZZ_SETTINGS, max_examples=150)
@given(program=hypothesmith.from_node(), salt=SALT)
def test_programs_from_libcst_nodes(program: str, salt: int) -> None:
    check_program(program, salt)


def test_the_handler_shape_is_analysed() -> None:
    """The wrapper really reaches the rules: its own request data in PyMongo calls is reported."""
    outcome = fuzz.lint("handler", fuzz.encode(fuzz.wrap_in_handler("x = 1\n")))
    assert outcome.internal_errors == ()
    assert {"FM201", "FM301"} <= set(outcome.codes), outcome.codes


def test_indent_keeps_line_endings_and_blank_lines() -> None:
    assert fuzz.indent("a\r\n\r\nif b:\r    c\x0cd\n") == "    a\r\n\r\n    if b:\r        c\x0cd\n"
    assert fuzz.indent("a") == "    a\n"
    assert fuzz.indent("") == ""


def test_a_cut_shape_that_does_not_parse_is_fm001() -> None:
    source = fuzz.wrap_in_handler("x = (1,\n")
    outcome = fuzz.lint("cut", fuzz.encode(source))
    assert outcome.unparseable and outcome.internal_errors == ()
    assert fuzz.problems(outcome) == []


def test_an_internal_error_fails_the_fuzz_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property can fail: with an engine that raises, every handler is FM000 and the test says so."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("engine failure")

    monkeypatch.setattr(checker, "check_files", broken)
    with pytest.raises(AssertionError, match="FM000 in the raw shape: internal error: RuntimeError: engine failure"):
        check_program("x = 1\n", 0)
    # The bodies of the property tests, on one example each (.hypothesis.inner_test is the
    # undecorated function): what hypothesis would report, without its search and shrinking.
    for test in (test_programs_from_the_grammar, test_programs_from_libcst_nodes):
        with pytest.raises(AssertionError, match="FM000 in the raw shape"):
            test.hypothesis.inner_test(program="@x\ndef f(): pass\n", salt=1)


def test_a_missing_fm001_fails_the_fuzz_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file nothing can parse reported without FM001 (here: with no finding at all) fails it."""
    def silent(files: list, settings: object, **kwargs: object) -> checker.ProjectFindings:
        return checker.ProjectFindings({f.path: [] for f in files})

    monkeypatch.setattr(checker, "check_files", silent)
    with pytest.raises(AssertionError, match="yet no FM001"):
        check_program("x = (1,\n", 0)
