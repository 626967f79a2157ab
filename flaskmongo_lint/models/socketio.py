"""Flask-SocketIO: event handlers, whose parameters are JSON values sent by the client."""
from __future__ import annotations

import re

SOCKETIO_CLASSES = frozenset({"flask_socketio.SocketIO"})
# ``@socketio.on("event")``, ``@socketio.event``, and ``socketio.on_event("event", handler)``.
EVENT_DECORATORS = frozenset({"on", "event"})
ON_EVENT = "on_event"
NAMESPACE_BASES = frozenset({"flask_socketio.Namespace"})
NAMESPACE_BASE_NAMES = frozenset({"Namespace"})
NAMESPACE_HANDLER_PREFIX = "on_"
# The route map lists an event handler under this "method", its event name as the rule.
EVENT_METHOD = "EVENT"
# A receiver that reads as a Socket.IO server when its binding cannot be resolved.
RECEIVER_NAME = re.compile(r"^(?:socketio|socket_io|sio|socket)$")
