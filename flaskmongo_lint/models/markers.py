"""What a file's bytes must contain for it to hold client data or a request handler: the exact
pre-filter.

Every finding needs a value the client controls, and those come from two places only: an object
of a web framework imported by name (``flask.request``, ``quart.session``, a flask-restx ``Api``'s
``payload``, a Flask-SocketIO server), whose import names the framework's package, and the
parameters of a handler, which the project index finds by the shapes listed here (a route
decorator with a URL, ``add_url_rule``/``add_resource``/``on_event``, a view, resource or
namespace class, a Socket.IO event decorator). A group of files that import each other none of
which contains any of these can give no finding, so it is not parsed. The markers are derived
from the same model tables the analysis reads, so a framework added there is kept here too.
Over-matching only costs time (a file that mentions ``route`` in a comment is parsed); a test
runs every fixture with and without the filter and compares.
"""
from __future__ import annotations

import re
from typing import FrozenSet, Pattern, Tuple

from flaskmongo_lint.models import auth, flask, quart, restful, socketio


def _packages(*tables: FrozenSet[str]) -> Tuple[bytes, ...]:
    return tuple(sorted({name.split(".")[0].encode() for table in tables for name in table}))


# Packages whose imported objects hold (or hand out) client data, or define handlers.
SOURCE_PACKAGES: Tuple[bytes, ...] = _packages(
    flask.REQUEST, flask.G, flask.SESSION, flask.APP_CLASSES, flask.BLUEPRINT_CLASSES, flask.VIEW_BASES,
    quart.REQUEST, quart.G, quart.SESSION, quart.APP_CLASSES, quart.BLUEPRINT_CLASSES,
    restful.RESOURCE_BASES, restful.API_CLASSES, restful.BLUEPRINT_CLASSES,
    socketio.SOCKETIO_CLASSES, socketio.NAMESPACE_BASES, auth.HTTPAUTH_CLASSES,
)
# Calls that register a handler: ``app.add_url_rule(...)``, ``api.add_resource(...)``, ``on_event``.
REGISTRATIONS: Tuple[bytes, ...] = (
    flask.ADD_URL_RULE.encode(), restful.ADD_RESOURCE.encode(), socketio.ON_EVENT.encode(),
)


def _words(names: FrozenSet[str]) -> bytes:
    return b"|".join(re.escape(n).encode() for n in sorted(names))


_GAP = rb"(?:\s|\\|#[^\r\n]*)*"  # what may stand between tokens: whitespace, continuations, comments
# ``.route`` in any form (``@bp.route("")``, ``bp.route(rule)(view)``), a verb decorator whose first
# argument is a URL literal (``@bp.get("/x")``, ``@bp.post(r"/y")``, a string starting with an
# escape or an empty piece of an implicit concatenation), a ``rule=`` keyword, a Socket.IO event
# decorator on a receiver named like a server, and the base names of view classes.
SHAPES: Pattern[bytes] = re.compile(
    rb"\.[ \t]*route\b"
    rb"|\.[ \t]*(?:" + _words(flask.ROUTE_METHODS) + rb")[ \t]*\(" + _GAP +
    rb"[rRuU]?(?:['\"]" + _GAP + rb")+(?:/|\\)"
    rb"|\brule[ \t]*="
    rb"|\b(?:" + socketio.RECEIVER_NAME.pattern.strip("^$").encode() + rb")[ \t]*\.[ \t]*(?:"
    + _words(socketio.EVENT_DECORATORS) + rb")\b"
    rb"|\b(?:" + _words(flask.VIEW_BASE_NAMES | restful.RESOURCE_BASE_NAMES | socketio.NAMESPACE_BASE_NAMES) + rb")\b"
)


def may_serve_requests(source: bytes) -> bool:
    """Whether ``source`` may hold client data or define a handler (see the module docstring)."""
    return any(p in source for p in SOURCE_PACKAGES) or any(r in source for r in REGISTRATIONS) or \
        SHAPES.search(source) is not None


__all__ = ["REGISTRATIONS", "SHAPES", "SOURCE_PACKAGES", "may_serve_requests"]
