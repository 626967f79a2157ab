"""The symbolic objects the framework models know, as the tags of ``Obj(ObjKind.MODEL, tag)``."""
from __future__ import annotations

import enum


class Tag(str, enum.Enum):
    REQUEST = "request"  # flask.request / quart.request
    G = "g"  # flask.g
    SESSION = "session"  # flask.session
    APP = "app"  # Flask(__name__)
    BLUEPRINT = "blueprint"
    API = "api"  # flask-restful / flask-restx Api, Namespace
    SOCKETIO = "socketio"  # flask_socketio.SocketIO
    HTTPAUTH = "httpauth"  # flask_httpauth.HTTPBasicAuth() and friends
    WRAPPER = "wrapper"  # flask_pymongo.PyMongo: ``mongo.db``
    CLIENT = "client"  # MongoClient / AsyncIOMotorClient
    DATABASE = "database"
    COLLECTION = "collection"
    CURSOR = "cursor"
    BULK_REQUEST = "bulk_request"  # UpdateOne(...), InsertOne(...) ...
