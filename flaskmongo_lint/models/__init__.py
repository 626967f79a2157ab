"""All framework knowledge, as tables plus small transfer functions, one module per framework.

``flask``, ``quart``, ``socketio``, ``restful`` (flask-restful/restx/smorest), ``auth`` (flask-login,
JWT, httpauth), ``pymongo`` (+ Motor) and ``operations`` (its transfer functions), ``bson``,
``operators`` (MongoDB's), ``python`` (builtins, json, re). :class:`semantics.Semantics` is the one
door the interpreter knocks on; the interpreter itself knows Python and nothing of Flask or MongoDB.
"""
