"""Module facts: import resolution, string constants, URL rules and error handlers."""
from __future__ import annotations

import libcst as cst
import pytest

from flaskmongo_lint.analysis.handlers import find_handlers, rule_params
from flaskmongo_lint.analysis.module import collect_facts, string_value
from flaskmongo_lint.settings import AnalysisSettings

SOURCE = '''
import bson
import flask as fl
from bson.objectid import ObjectId as OID
from flask import request as rq
from .store import db

try:
    from flask_login import current_user
except ImportError:
    current_user = None

app = fl.Flask(__name__)


def create_app():
    app.register_error_handler(bson.errors.InvalidId, lambda e: ("bad id", 400))
    app.add_url_rule("/x/<int:x_id>/<name>", "x", view_x)


def view_x(x_id, name):
    return ""


class ObjectId:  # shadows nothing: not imported under this name
    pass
'''


@pytest.fixture(scope="module")
def facts():  # type: ignore[no-untyped-def]
    return collect_facts(cst.parse_module(SOURCE))


@pytest.mark.parametrize("expr, expected", [
    ("OID", "bson.objectid.ObjectId"),
    ("bson.ObjectId", "bson.ObjectId"),
    ("rq.args.get", "flask.request.args.get"),
    ("fl.g", "flask.g"),
    ("db.users", ".store.db.users"),
    ("current_user.id", "flask_login.current_user.id"),
    ("ObjectId", None),
    ("unknown.thing", None),
])
def test_qualname(facts, expr: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert facts.qualname(cst.parse_expression(expr)) == expected


def test_registrations_inside_functions(facts) -> None:  # type: ignore[no-untyped-def]
    assert facts.objectid_errors_handled
    assert facts.url_rules == {"view_x": ["/x/<int:x_id>/<name>"]}


def test_handler_from_add_url_rule(facts) -> None:  # type: ignore[no-untyped-def]
    handlers = find_handlers(facts, AnalysisSettings())
    [handler] = handlers.values()
    assert handler.node.name.value == "view_x"
    assert handler.route_params == {"x_id": "int", "name": "string"}


def test_rule_params_converters() -> None:
    assert rule_params("/a/<path:p>/<any(x, y):kind>/<uuid:u>/<plain>") == {
        "p": "path", "kind": "any", "u": "uuid", "plain": "string"}


@pytest.mark.parametrize("src, expected", [
    ('"abc"', "abc"), ("'x'", "x"), ('"""doc"""', "doc"), ("''", ""), ('"a\\nb"', "a\nb"),
    ('"a" "b"', "ab"), ('b"x"', None), ('f"{x}"', None),
])
def test_string_value(src: str, expected: str) -> None:
    assert string_value(cst.parse_expression(src)) == expected
