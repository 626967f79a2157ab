"""Flask: the request, ``g``, the session, aborting, routes and their converters, hooks, error
handlers, blueprints and class-based views."""
from __future__ import annotations

from typing import Dict, FrozenSet

from flaskmongo_lint.analysis.kinds import Kind

REQUEST = frozenset({"flask.request", "flask.globals.request", "werkzeug.local.request"})
G = frozenset({"flask.g", "flask.globals.g"})
SESSION = frozenset({"flask.session", "flask.globals.session"})
APP_CLASSES = frozenset({"flask.Flask", "flask.app.Flask"})
BLUEPRINT_CLASSES = frozenset({"flask.Blueprint", "flask.blueprints.Blueprint"})
LEAVING_CALLS = frozenset({"flask.abort", "werkzeug.exceptions.abort", "werkzeug.abort"})
JSON_LOADS = frozenset({"flask.json.loads"})
JSON_DUMPS = frozenset({"flask.json.dumps"})
# Calls that build the response the client gets: what they are given is sent (FM401).
RESPONSE_CALLS = frozenset({
    "flask.jsonify", "flask.json.jsonify", "flask.make_response", "flask.helpers.make_response", "flask.Response",
    "flask.wrappers.Response", "werkzeug.Response", "werkzeug.wrappers.Response", "werkzeug.wrappers.response.Response",
})

# request.<attribute>
REQUEST_MAPPINGS = frozenset({"args", "form", "values", "headers", "cookies", "view_args", "environ"})
REQUEST_JSON = frozenset({"json"})
REQUEST_TEXT = frozenset({
    "path", "full_path", "url", "base_url", "url_root", "host_url", "host", "data", "query_string",
    "script_root", "referrer", "user_agent", "content_type", "mimetype", "stream", "remote_addr",
})
# request.<method>(...)
REQUEST_METHODS: Dict[str, FrozenSet[Kind]] = {
    "get_json": frozenset({Kind.JSON, Kind.MAPPING}),
    "get_data": frozenset({Kind.TEXT}),
}
# Mapping methods that read one value (``request.args.get("x")``) and their list twins.
ITEM_METHODS = frozenset({"get", "pop", "setdefault", "get_all"})
LIST_METHODS = frozenset({"getlist"})

# Routes: ``@app.route("/x")``, ``@bp.get("/x")`` ...
ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete", "head", "options"})
HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
VIEW_METHODS = HTTP_VERBS | {"dispatch_request"}
VIEW_BASES = frozenset({"flask.views.MethodView", "flask.views.View", "flask.MethodView"})
VIEW_BASE_NAMES = frozenset({"MethodView", "View"})
VIEW_FACTORIES = frozenset({"as_view"})
# The route map: the methods a rule serves when none are given (Flask adds HEAD and OPTIONS by
# itself; they read like GET and are left out), the decorator whose ``methods=`` lists them, and
# where a blueprint's URL prefix is written (``Blueprint(..., url_prefix=)``, ``register_blueprint``).
DEFAULT_METHODS = ("GET",)
GENERIC_ROUTE = "route"
ROUTE_METHODS_KEYWORD = "methods"
URL_PREFIX = "url_prefix"

# Route converters: what a ``<conv:name>`` parameter holds.
CONVERTERS: Dict[str, Kind] = {
    "int": Kind.NUMBER, "float": Kind.NUMBER, "string": Kind.TEXT, "path": Kind.TEXT, "any": Kind.TEXT,
    "default": Kind.TEXT,
}
# Converters that only let valid ObjectIds through (Flask-PyMongo's, and the common custom one).
OBJECTID_CONVERTERS = frozenset({"ObjectId", "objectid", "oid", "ObjectID"})

# Hooks and error handlers (decorator or call); "app" ones apply to the whole application even
# when registered on a blueprint.
HOOKS: Dict[str, str] = {"before_request": "own", "before_app_request": "app"}
ERROR_HANDLERS: Dict[str, str] = {"errorhandler": "own", "register_error_handler": "own", "app_errorhandler": "app"}
REGISTER_BLUEPRINT = "register_blueprint"
ADD_URL_RULE = "add_url_rule"
