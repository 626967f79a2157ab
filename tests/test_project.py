"""The project as the unit of analysis (SPEC section 0): module names, imports, helpers and facts
of other modules, applications kept apart."""
from __future__ import annotations

from pathlib import Path

from lintkit import expected, found, lint, write_tree

from flaskmongo_lint.modules import Namer, name_files


def test_module_names_from_paths(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "src/shop/__init__.py": "",
        "src/shop/views/__init__.py": "",
        "src/shop/views/items.py": "",
        "scripts/seed.py": "",
    })
    namer = Namer()
    assert namer.name(str(tmp_path / "src/shop/views/items.py")) == ("shop.views.items", False)
    assert namer.name(str(tmp_path / "src/shop/views/__init__.py")) == ("shop.views", True)
    assert namer.name(str(tmp_path / "scripts/seed.py")) == ("seed", False)


def test_two_roots_with_the_same_top_level_name_stay_apart(tmp_path: Path) -> None:
    paths = [str(tmp_path / "b/app.py"), str(tmp_path / "a/app.py")]
    named = name_files(paths, [b"", b""])
    assert {f.name for f in named} == {"app", "2~app"}
    assert {f.imported_as for f in named} == {"app"}
    assert next(f for f in named if f.path.endswith("a/app.py")).name == "app"  # path order, not input order


VIEWS = '''\
    from bson import ObjectId
    from flask import Blueprint, request
    {imports}

    bp = Blueprint("notes", __name__)


    @bp.post("/notes/<note_id>")
    def update(note_id):
        {call}
        return "", 204
'''

SERVICE = '''\
    from bson import ObjectId
    from {extensions} import mongo


    def save(note_id, changes):
        mongo.db.notes.update_one({"_id": ObjectId(note_id)}, {"$set": changes})  # expect: FM104,FM201,FM301
'''


def _package(imports: str, call: str, extensions: str = ".extensions") -> dict:
    return {
        "shop/__init__.py": "from .services import save\n",
        "shop/extensions.py": "from flask_pymongo import PyMongo\nmongo = PyMongo()\n",
        "shop/services.py": SERVICE.replace("{extensions}", extensions),
        "shop/views.py": VIEWS.replace("{imports}", imports).replace("{call}", call),
    }


def test_flows_follow_every_kind_of_import(tmp_path: Path) -> None:
    variants = {
        "relative_module": ("from . import services", "services.save(note_id, request.get_json())"),
        "relative_name": ("from .services import save", "save(note_id, request.get_json())"),
        "absolute_name": ("from shop.services import save", "save(note_id, request.get_json())"),
        "absolute_alias": ("import shop.services as svc", "svc.save(note_id, request.get_json())"),
        "re_export": ("from shop import save", "save(note_id, request.get_json())"),
        "dotted": ("import shop.services", "shop.services.save(note_id, request.get_json())"),
    }
    for name, (imports, call) in variants.items():
        root = tmp_path / name
        write_tree(root, _package(imports, call, "shop.extensions" if name.startswith("absolute") else ".extensions"))
        result = lint(root)
        assert found(result, root) == expected(root), name


def test_src_layout_and_a_collection_bound_to_a_project_function(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "src/notes/__init__.py": "",
        "src/notes/db.py": '''\
            from pymongo import MongoClient

            client = MongoClient()


            def collection(name):
                return client.notes_db[name]


            notes = collection("notes")
        ''',
        "src/notes/api.py": '''\
            from bson import ObjectId
            from flask import Flask

            from notes.db import notes

            app = Flask(__name__)


            @app.delete("/notes/<note_id>")
            def drop(note_id):
                notes.delete_one({"_id": ObjectId(note_id)})  # expect: FM104,FM301
                return "", 204
        ''',
    })
    assert found(lint(tmp_path), tmp_path) == expected(tmp_path)


def test_sibling_modules_without_init(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "site/models.py": '''\
            from bson import ObjectId
            from pymongo import MongoClient

            db = MongoClient().site


            def remove_page(page_id):
                db.pages.delete_one({"_id": ObjectId(page_id)})  # expect: FM104,FM301
        ''',
        "site/app.py": '''\
            from flask import Flask

            from models import remove_page

            app = Flask(__name__)


            @app.post("/pages/<page_id>/remove")
            def remove(page_id):
                remove_page(page_id)
                return ""
        ''',
    })
    assert found(lint(tmp_path), tmp_path) == expected(tmp_path)


AUTH = '''\
    from functools import wraps

    from flask import abort, request

    from .extensions import mongo


    def requires_key(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            account = mongo.db.keys.find_one({"api_key": request.headers.get("X-Key", "")})
            if account is None:
                abort(401)
            return view(*args, **kwargs)

        return wrapper


    def open_auth(view):
        # named like auth, checks nothing: judged by its body, no authentication
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        return wrapper
'''


def test_decorators_of_another_module_are_judged_by_their_bodies(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "hub/__init__.py": "",
        "hub/extensions.py": "from flask_pymongo import PyMongo\nmongo = PyMongo()\n",
        "hub/auth.py": AUTH,
        "hub/views.py": '''\
            from flask import Blueprint

            from .auth import open_auth, requires_key
            from .extensions import mongo

            bp = Blueprint("hub", __name__)


            @bp.post("/a/<item_id>")
            @requires_key
            def guarded(item_id):
                mongo.db.items.update_one({"_id": item_id}, {"$set": {"done": True}})  # expect: FM102
                return ""


            @bp.post("/b/<item_id>")
            @open_auth
            def unguarded(item_id):
                mongo.db.items.update_one({"_id": item_id}, {"$set": {"done": True}})  # expect: FM104
                return ""
        ''',
    })
    assert found(lint(tmp_path), tmp_path) == expected(tmp_path)


def test_app_facts_stay_in_their_application(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        # a package whose factory registers an InvalidId handler through errors.init_app(app)
        "inventory/__init__.py": '''\
            from flask import Flask

            from . import errors
            from .views import bp


            def create_app():
                app = Flask(__name__)
                errors.init_app(app)
                app.register_blueprint(bp)
                return app
        ''',
        "inventory/errors.py": '''\
            from bson.errors import InvalidId


            def init_app(app):
                app.register_error_handler(InvalidId, lambda e: ("bad id", 400))
        ''',
        "inventory/views.py": '''\
            from bson import ObjectId
            from flask import Blueprint, jsonify

            bp = Blueprint("inventory", __name__)


            @bp.get("/items/<item_id>")
            def item(item_id):
                return jsonify(id=str(ObjectId(item_id)))
        ''',
        # an unrelated single-module app in the same folder: no handler of its own
        "kiosk.py": '''\
            from bson import ObjectId
            from flask import Flask, jsonify

            app = Flask(__name__)


            @app.get("/tickets/<ticket_id>")
            def ticket(ticket_id):
                return jsonify(id=str(ObjectId(ticket_id)))  # expect: FM301
        ''',
    })
    assert found(lint(tmp_path), tmp_path) == expected(tmp_path)


def test_hooks_and_g_of_another_module(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "desk/__init__.py": "",
        "desk/blueprints.py": 'from flask import Blueprint\n\nstaff = Blueprint("staff", __name__)\nkiosk = Blueprint("kiosk", __name__)\n',
        "desk/hooks.py": '''\
            from flask import abort, g, request
            from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request

            from .blueprints import kiosk, staff


            @staff.before_request
            def signed_in():
                verify_jwt_in_request()
                g.user_id = get_jwt_identity()


            @kiosk.before_request
            def remember():
                g.terminal = request.headers.get("X-Terminal", "")
        ''',
        "desk/views.py": '''\
            from flask import g

            from .blueprints import kiosk, staff
            from pymongo import MongoClient

            db = MongoClient().desk


            @staff.post("/tickets/<ticket_id>/close")
            def close(ticket_id):
                db.tickets.update_one({"_id": ticket_id}, {"$set": {"closed_by": g.user_id}})  # expect: FM102
                return ""


            @staff.post("/tickets/<ticket_id>/claim")
            def claim(ticket_id):
                db.tickets.update_one({"_id": ticket_id, "owner_id": g.user_id}, {"$set": {"claimed": True}})
                return ""


            @kiosk.post("/tickets/<ticket_id>/ring")
            def ring(ticket_id):
                db.tickets.update_one({"_id": ticket_id}, {"$set": {"rang_at": g.terminal}})  # expect: FM104
                return ""
        ''',
    })
    assert found(lint(tmp_path), tmp_path) == expected(tmp_path)
