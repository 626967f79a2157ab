"""flask-restful, flask-restx and flask-smorest: resources, APIs, namespaces, payloads and
schema-injected arguments."""
from __future__ import annotations

import re

RESOURCE_BASES = frozenset({"flask_restful.Resource", "flask_restx.Resource", "flask_restplus.Resource"})
RESOURCE_BASE_NAMES = frozenset({"Resource"})
API_CLASSES = frozenset({
    "flask_restful.Api", "flask_restx.Api", "flask_restx.Namespace", "flask_restplus.Api",
    "flask_restplus.Namespace", "flask_smorest.Api",
})
API_FACTORY_METHODS = frozenset({"namespace"})  # api.namespace("x") is a Namespace
BLUEPRINT_CLASSES = frozenset({"flask_smorest.Blueprint"})
ADD_RESOURCE = "add_resource"
ADD_NAMESPACE = "add_namespace"
# The route map: ``Api(app, prefix="/api")``, ``Namespace("todos", path="/todos")`` (default: the
# name under "/"), ``api.add_namespace(ns, path="/x")``.
API_PREFIX = "prefix"
NAMESPACE_PATH = "path"
NAMESPACE_CLASS_NAMES = frozenset({"Namespace"})
LEAVING_CALLS = frozenset({"flask_restful.abort", "flask_restx.abort", "flask_smorest.abort", "flask_restplus.abort"})
# ``api.payload`` / ``ns.payload``: the request's JSON.
PAYLOAD = "payload"
API_NAME = re.compile(r"^(?:api|ns|.*_ns|.*_api|namespace)$")
# ``@blp.arguments(Schema)`` injects the loaded (clean, typed) arguments into the view.
ARGUMENTS_DECORATOR = "arguments"
# View decorators that serialise what the view returns through a model or schema that names its
# fields (flask-restful/restx ``marshal_with``, flask-smorest ``@blp.response(200, Schema)``,
# APIFlask ``@app.output(Schema)``): a whole document returned there is not sent whole.
SERIALIZING_DECORATORS = frozenset({"marshal_with", "marshal_list_with", "marshal_with_field", "response", "output"})
