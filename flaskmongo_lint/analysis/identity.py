"""Sources and identities that an import names: ``flask.request``, ``flask_login.current_user`` ...

Client data (SPEC section 1) and the authenticated subject (SPEC section 2) as far as they can be
told from the qualified name alone. Name-based identities (``get_current_user*()``, ``g.user``,
injected handler parameters) are decided by the walk with the configured name lists.
"""
from __future__ import annotations

from typing import Optional

from flaskmongo_lint.analysis.values import JSON, MAPPING, TEXT, Value

IDENTITY_OBJECTS = {
    "flask_login.current_user",
    "flask_login.utils.current_user",
    "flask_jwt_extended.current_user",
    "flask_jwt.current_identity",
    "flask_praetorian.current_user",
    "flask_security.current_user",
    "flask_user.current_user",
}
IDENTITY_CALLS = {
    "flask_jwt_extended.get_jwt_identity",
    "flask_jwt_extended.get_jwt",
    "flask_jwt_extended.get_current_user",
    "flask_jwt_extended.utils.get_jwt_identity",
    "flask_jwt_extended.get_raw_jwt",
    "flask_praetorian.current_user",
    "flask_praetorian.current_user_id",
    "flask_login.current_user.get_id",
}

# request attributes that hold a mapping of text values (the client chooses the keys).
TEXT_MAPPINGS = {"args", "form", "values", "headers", "cookies", "view_args", "environ"}
TEXT_VALUES = {"path", "full_path", "url", "base_url", "url_root", "host_url", "host", "data", "query_string",
               "script_root", "referrer", "user_agent", "content_type", "mimetype"}


def imported_value(qualname: str) -> Optional[Value]:
    """The value of a name imported as ``qualname``, if it is a source or an identity."""
    if qualname == "flask.request":
        return Value(special="request")
    if qualname == "flask.g":
        return Value(special="g")
    if qualname == "flask.session":
        return Value(special="session", identity=True)
    if qualname in IDENTITY_OBJECTS:
        return Value(identity=True)
    return None


def imported_call(qualname: str) -> Optional[Value]:
    """The result of calling an imported function, if it is an identity."""
    if qualname in IDENTITY_CALLS:
        return Value(identity=True)
    return None


def request_attribute(attr: str) -> Value:
    """``request.<attr>``."""
    if attr in TEXT_MAPPINGS:
        return Value(kinds=frozenset({MAPPING}), origin=f"request.{attr}")
    if attr == "json":
        return Value(kinds=frozenset({JSON, MAPPING}), origin="request.json")
    if attr in TEXT_VALUES:
        return Value(kinds=frozenset({TEXT}), origin=f"request.{attr}")
    return Value()


def request_method(method: str) -> Value:
    """``request.<method>(...)``."""
    if method == "get_json":
        return Value(kinds=frozenset({JSON, MAPPING}), origin="request.get_json()")
    if method == "get_data":
        return Value(kinds=frozenset({TEXT}), origin="request.get_data()")
    return Value()
