"""Quart reads like Flask, with ``await``; quart_auth supplies the identity."""
from __future__ import annotations

REQUEST = frozenset({"quart.request", "quart.globals.request"})
G = frozenset({"quart.g", "quart.globals.g"})
SESSION = frozenset({"quart.session", "quart.globals.session"})
APP_CLASSES = frozenset({"quart.Quart", "quart.app.Quart"})
BLUEPRINT_CLASSES = frozenset({"quart.Blueprint", "quart.blueprints.Blueprint"})
LEAVING_CALLS = frozenset({"quart.abort"})
RESPONSE_CALLS = frozenset({"quart.jsonify", "quart.make_response", "quart.Response", "quart.wrappers.Response"})
IDENTITY_OBJECTS = frozenset({"quart_auth.current_user"})
