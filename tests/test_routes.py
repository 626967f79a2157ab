"""The route map (``flaskmongo-lint routes``): its rows and verdicts on a package fixture match a
hand-written expectation both ways, it agrees with the rules on every fixture, and each format
(text, markdown, json, html in a real headless Chromium) shows it."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import click
import jsonschema
import pytest
from click.testing import CliRunner

from cli_support import write
from flaskmongo_lint.analysis.scope import Scope
from flaskmongo_lint.config import Config
from flaskmongo_lint.routemap.build import build, join_rule
from flaskmongo_lint.routemap.cli import routes
from flaskmongo_lint.routemap.formats import render_markdown, render_text
from flaskmongo_lint.routemap.html import render_html
from flaskmongo_lint.routemap.model import RouteMap, from_json, to_json
from flaskmongo_lint.runner import run
from test_fixtures import unit_config, units

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
MAKERSPACE = FIXTURES / "makerspace"
EXAMPLES = ROOT / "examples"
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "routes.schema.json").read_text(encoding="utf-8"))


def makerspace_map() -> RouteMap:
    return build([str(MAKERSPACE)], Config(root=str(FIXTURES)), jobs=1).route_map


# ---------------------------------------------------------------------- the hand-written expectation
Row = Tuple[str, str, str, str, Tuple[str, ...], Tuple[Tuple[str, str, str], ...]]  # auth, privilege ...


def expected_rows(text: str) -> Tuple[Dict[Tuple[str, str, str], Row], Optional[str]]:
    """ROUTES.txt: endpoint lines (``METHODS RULE  handler  auth  privilege  codes``) each followed
    by indented operation lines (``collection.method  verdict  path:line``)."""
    rows: Dict[Tuple[str, str, str], Row] = {}
    ops: Dict[Tuple[str, str, str], List[Tuple[str, str, str]]] = {}
    summary = None
    current: Optional[Tuple[str, str, str]] = None
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# summary:"):
            summary = line.split(":", 1)[1].strip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = re.split(r"\s{2,}", line.strip())
        if line[0].isspace():
            assert current is not None and len(fields) == 3, f"ROUTES.txt:{number}: an operation line needs 3 fields"
            ops[current].append((fields[0], fields[1], fields[2]))
            continue
        assert len(fields) == 5, f"ROUTES.txt:{number}: an endpoint line needs 5 fields, got {fields}"
        methods, rule = fields[0].split(" ", 1)
        current = (methods, rule, fields[1])
        assert current not in rows, f"ROUTES.txt:{number}: {current} twice"
        codes = () if fields[4] == "-" else tuple(fields[4].split(","))
        rows[current] = (fields[2], fields[3], "", "", codes, ())
        ops[current] = []
    return {k: (v[0], v[1], "", "", v[4], tuple(sorted(ops[k]))) for k, v in rows.items()}, summary


def mapped_rows(route_map: RouteMap, base: Path) -> Dict[Tuple[str, str, str], Row]:
    out: Dict[Tuple[str, str, str], Row] = {}
    for e in route_map.endpoints:
        where = f"{Path(os.path.relpath(e.path, base)).as_posix()}:{e.line}"
        key = (",".join(e.methods), e.rule, where)
        assert key not in out, key
        ops = tuple(sorted((f"{o.collection}.{o.method}", o.verdict.value,
                            f"{Path(os.path.relpath(o.path, base)).as_posix()}:{o.line}") for o in e.operations))
        out[key] = (e.auth_text, e.privilege_text, "", "", e.codes, ops)
    return out


def test_the_package_fixture_maps_exactly_to_its_hand_written_expectation() -> None:
    want, summary = expected_rows((MAKERSPACE / "ROUTES.txt").read_text(encoding="utf-8"))
    route_map = makerspace_map()
    have = mapped_rows(route_map, MAKERSPACE)
    missing = sorted(set(want) - set(have))
    extra = sorted(set(have) - set(want))
    differ = {k: {"expected": want[k], "mapped": have[k]} for k in sorted(set(want) & set(have)) if want[k] != have[k]}
    assert not (missing or extra or differ), json.dumps(
        {"missing (expected, not mapped)": missing, "extra (mapped, not expected)": extra, "different": {
            " ".join(k): v for k, v in differ.items()}}, indent=2, default=list)
    assert route_map.summary.line == summary
    # The map lists the endpoints in its own order: by rule, then by method; the file follows it.
    order = [(",".join(e.methods), e.rule) for e in route_map.endpoints]
    assert order == sorted(order, key=lambda m: (m[1], m[0]))
    assert [k[:2] for k in want] == order


def test_the_package_fixture_shows_every_verdict() -> None:
    verdicts = {o.verdict for e in makerspace_map().endpoints for o in e.operations}
    assert verdicts == set(Scope)


def test_the_map_agrees_with_the_rules_on_every_fixture() -> None:
    """The rules and the map share one scope decision: wherever FM101/FM102/FM104 is raised for an
    endpoint, one of its operations is unscoped; FM103, one is client-chosen owner. And the codes
    are the lint's: each code the map shows for an operation is a finding of the lint there."""
    for unit in units() + [EXAMPLES / "app.py"]:
        config = unit_config(unit) if unit.parent != EXAMPLES else Config(root=str(ROOT))
        route_map = build([str(unit)], config, jobs=1).route_map
        lint = {(Path(f.path).resolve(), f.code) for f in run([str(unit)], config, jobs=1).findings}
        for e in route_map.endpoints:
            verdicts = {(o.is_read, o.verdict) for o in e.operations}
            if "FM101" in e.codes:
                assert (True, Scope.UNSCOPED) in verdicts, (unit, e)
            if "FM102" in e.codes or "FM104" in e.codes:
                assert (False, Scope.UNSCOPED) in verdicts, (unit, e)
            if "FM103" in e.codes:
                assert any(v is Scope.CLIENT_CHOSEN_OWNER for _, v in verdicts), (unit, e)
            assert set(e.codes) <= {code for _, code in lint}, (unit, e)


def test_a_privileged_unscoped_read_is_not_counted() -> None:
    route_map = makerspace_map()
    admin = [e for e in route_map.endpoints if e.rule == "/admin/members"]
    assert admin and admin[0].operations[0].verdict is Scope.UNSCOPED and admin[0].privilege
    assert route_map.summary.unscoped_reads == 2


def test_url_prefixes_join_like_flask() -> None:
    assert join_rule("", "/x") == "/x"
    assert join_rule("/api/", "/x") == "/api/x"
    assert join_rule("/api", "x") == "/api/x"
    assert join_rule("/api", "") == "/api"


def test_prefixes_of_restx_namespaces_and_restful_apis(tmp_path: Path) -> None:
    write(tmp_path, "svc/__init__.py", "")
    write(tmp_path, "svc/api.py", (
        "from flask import Blueprint, Flask\n"
        "from flask_restful import Api, Resource\n"
        "from flask_restx import Api as XApi, Namespace, Resource as XResource\n"
        "from flask_login import login_required\n"
        "from .db import db\n"
        "app = Flask(__name__)\n"
        "bp = Blueprint('v1', __name__, url_prefix='/v1')\n"
        "api = Api(bp, prefix='/rest')\n"
        "class Thing(Resource):\n"
        "    method_decorators = [login_required]\n"
        "    def get(self, thing_id):\n"
        "        return db.things.find_one({'_id': thing_id})\n"
        "    def delete(self, thing_id):\n"
        "        db.things.delete_one({'_id': thing_id})\n"
        "api.add_resource(Thing, '/things/<thing_id>')\n"
        "app.register_blueprint(bp)\n"
        "xapi = XApi(app)\n"
        "ns = Namespace('pets')\n"
        "@ns.route('/<pet_id>')\n"
        "class Pet(XResource):\n"
        "    def get(self, pet_id):\n"
        "        return db.pets.find_one({'_id': pet_id})\n"
        "xapi.add_namespace(ns, path='/animals')\n"
    ))
    write(tmp_path, "svc/db.py", "from pymongo import MongoClient\ndb = MongoClient().svc\n")
    route_map = build([str(tmp_path / "svc")], Config(root=str(tmp_path)), jobs=1).route_map
    rows = {(e.endpoint, e.auth_text) for e in route_map.endpoints}
    assert rows == {("GET /v1/rest/things/<thing_id>", "@login_required"),
                    ("DELETE /v1/rest/things/<thing_id>", "@login_required"),
                    ("GET /animals/<pet_id>", "none")}
    deleting = next(e for e in route_map.endpoints if e.methods == ("DELETE",))
    assert deleting.codes == ("FM102",) and deleting.kind == "view"


def test_socket_events_are_endpoints_too(tmp_path: Path) -> None:
    write(tmp_path, "chat.py", (
        "from flask import Flask\n"
        "from flask_socketio import SocketIO\n"
        "from pymongo import MongoClient\n"
        "app = Flask(__name__)\n"
        "socketio = SocketIO(app)\n"
        "db = MongoClient().chat\n"
        "@socketio.on('delete message')\n"
        "def delete_message(data):\n"
        "    db.messages.delete_one({'_id': data['id']})\n"
    ))
    route_map = build([str(tmp_path / "chat.py")], Config(root=str(tmp_path)), jobs=1).route_map
    [e] = route_map.endpoints
    assert (e.endpoint, e.kind, e.auth_text) == ("EVENT delete message", "socket", "none")
    assert e.operations[0].verdict is Scope.UNSCOPED and "FM104" in e.codes


# ---------------------------------------------------------------------- codes as the lint filters them
def test_codes_follow_noqa_and_select(tmp_path: Path) -> None:
    write(tmp_path, "app.py", (
        "from bson import ObjectId\n"
        "from flask import Flask\n"
        "from flask_login import login_required\n"
        "from pymongo import MongoClient\n"
        "app = Flask(__name__)\n"
        "db = MongoClient().shop\n"
        "@app.delete('/items/<item_id>')\n"
        "@login_required\n"
        "def drop(item_id):\n"
        "    db.items.delete_one({'_id': ObjectId(item_id)})  # noqa: FM301\n"
    ))
    route_map = build([str(tmp_path / "app.py")], Config(root=str(tmp_path)), jobs=1).route_map
    assert route_map.endpoints[0].codes == ("FM102",)
    narrowed = Config(root=str(tmp_path)).with_overrides(select=("FM3",))
    assert build([str(tmp_path / "app.py")], narrowed, jobs=1).route_map.endpoints[0].codes == ()


# ---------------------------------------------------------------------- formats
def test_text_is_an_aligned_table_with_the_summary_line() -> None:
    text = render_text(makerspace_map())
    lines = text.splitlines()
    header = lines[0]
    columns = [header.index(title) for title in ("ENDPOINT", "AUTH", "PRIVILEGE", "CODES", "HANDLER")]
    endpoint_lines = [line for line in lines[1:] if line and not line.startswith(" ") and " endpoints, " not in line]
    assert len(endpoint_lines) == 20
    for line in endpoint_lines:  # every cell starts under its title
        for start in columns[1:]:
            assert line[start - 2:start] == "  " and line[start] != " ", line
    assert lines[-1] == "20 endpoints, 2 unauthenticated writes, 2 unscoped reads of per-owner collections"
    assert re.search(r"^  bookings\.update_one +client-chosen owner +\S*/makerspace/services\.py:73$", text, re.M)


def test_text_fits_the_width_it_is_given() -> None:
    for width in (80, 100, 120):
        text = render_text(makerspace_map(), width)
        assert max(len(line) for line in text.splitlines()) <= width, width
        assert "…" in text  # cut, not wrapped
    whole = render_text(makerspace_map())
    assert "…" not in whole and "tests/fixtures/makerspace/views/members.py:43" in whole


def test_markdown_is_a_table_a_pull_request_renders() -> None:
    md = render_markdown(makerspace_map())
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    table = md.split("### Collections")[0]
    assert table.count("\n| `") == 20
    assert "| `POST,PATCH /me/bookings/<booking_id>/transfer` | `hook require_member` | - | " \
           "`bookings.update_one` **client-chosen owner** | FM103 |" in md
    assert all(row.count(" | ") == row.count("|") - 2 - row.count("\\|") for row in rows)
    assert "### Collections" in md
    assert "| `parts` | `POST /me/projects/<project_id>/parts` | `insert_one` | parent-scoped |" in md
    assert md.splitlines()[2] == "20 endpoints, 2 unauthenticated writes, 2 unscoped reads of per-owner collections"


def test_json_validates_against_its_schema_and_round_trips() -> None:
    route_map = makerspace_map()
    document = json.loads(json.dumps(to_json(route_map)))
    validator = jsonschema.Draft202012Validator(SCHEMA)
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert not [e.message for e in validator.iter_errors(document)]
    assert from_json(document) == route_map
    first = document["endpoints"][0]
    assert first["methods"] == ["DELETE"] and first["rule"] == "/admin/bookings/<booking_id>"
    assert first["privilege"] == "@staff_required"
    assert document["summary"] == {"endpoints": 20, "unauthenticated_writes": 2,
                                   "unscoped_reads_of_per_owner_collections": 2}


def test_the_cli_prints_the_map_of_the_examples_and_exits_0() -> None:
    result = CliRunner().invoke(routes, [str(EXAMPLES), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "GET /notes/<note_id>" in result.output and "FM101,FM301" in result.output
    result = CliRunner().invoke(routes, [str(EXAMPLES), "--format", "json"])
    assert json.loads(result.output)["summary"]["endpoints"] == 14


def test_the_cli_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(routes, [str(tmp_path / "nope")])
    assert result.exit_code == 2
    result = CliRunner().invoke(routes, ["--format", "sarif", str(EXAMPLES)])
    assert result.exit_code == 2 and "flaskmongo-lint: error:" in result.output
    out = tmp_path / "map.html"
    result = CliRunner().invoke(routes, [str(EXAMPLES), "--format", "html", "--output-file", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_flaskmongo_lint_routes_runs_the_map(tmp_path: Path) -> None:
    """The console script's first argument ``routes`` is the map; any other is the lint."""
    found = subprocess.run([sys.executable, "-m", "flaskmongo_lint", "routes", "examples/", "--width", "200"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("ENDPOINT ") and "14 endpoints, 2 unauthenticated writes" in found.stdout
    lint = subprocess.run([sys.executable, "-m", "flaskmongo_lint", "examples/"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert lint.returncode == 1 and "FM101" in lint.stdout


def test_the_readme_shows_the_real_text_output_of_the_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The route map\n", 1)[1].split("\n## ", 1)[0]
    shown = re.search(r"```console\n\$ flaskmongo-lint routes examples/\n(.*?)```", section, re.S)
    assert shown is not None
    monkeypatch.chdir(ROOT)
    assert shown.group(1) == render_text(build(["examples/"], Config(root=str(ROOT)), jobs=1).route_map)


# ---------------------------------------------------------------------- html
def test_html_is_self_contained() -> None:
    page = render_html(makerspace_map())
    assert "default-src 'none'" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert page.count('<tr class="v-') == sum(len(e.operations) for e in makerspace_map().endpoints)


@dataclass
class DomRow:
    attrs: Dict[str, Optional[str]]
    hidden: bool
    cells: List[str] = field(default_factory=list)


class _Rows(HTMLParser):
    """The rows of the routes table as the browser left them: attributes, cell texts, hidden or not;
    and the collection sections below it."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: List[DomRow] = []
        self.sections: List[Tuple[Optional[str], bool]] = []  # (collection, hidden)
        self._in_table = False
        self._row: Optional[DomRow] = None
        self._cell: Optional[List[str]] = None

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == "routes":
            self._in_table = True
        elif tag == "section" and "collection" in (a.get("class") or ""):
            self.sections.append((a.get("data-collection"), "hidden" in a))
        elif tag == "tr" and self._in_table and "data-endpoint" in a:
            self._row = DomRow(a, "hidden" in a)
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row.cells.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._in_table = False


def chromium() -> Optional[str]:
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def headless(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-extensions", f"--user-data-dir={profile}", "--virtual-time-budget=2000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_html_in_headless_chromium_filters_by_collection(tmp_path: Path) -> None:
    browser = chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run installs it): "
                    "the HTML route map was not tested in a browser")
    route_map = makerspace_map()
    page = tmp_path / "routes.html"
    page.write_text(render_html(route_map), encoding="utf-8")
    url = page.as_uri() + "#collection=bookings"
    dumped = headless(browser, tmp_path / "profile", "--dump-dom", url)
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    parser = _Rows()
    parser.feed(dumped.stdout)
    assert 'data-ready="true"' in dumped.stdout, "the page's script did not run"
    shown = [r for r in parser.rows if not r.hidden]
    expected = sorted((e.endpoint, o.method, o.verdict.value) for e in route_map.endpoints for o in e.operations
                      if o.collection == "bookings")
    got = sorted((r.attrs["data-endpoint"] or "", r.cells[5], r.cells[7]) for r in shown)
    assert got == expected and len(got) == 8
    assert all(r.cells[6] == "bookings" for r in shown)
    assert len(parser.rows) == sum(max(1, len(e.operations)) for e in route_map.endpoints)
    assert [name for name, hidden in parser.sections if not hidden] == ["bookings"]
    # Two filters and a sort from the query string: the unscoped bookings, sorted by rule descending.
    dumped = headless(browser, tmp_path / "profile", "--dump-dom",
                      page.as_uri() + "?collection=bookings&verdict=unscoped&sort=-1")
    parser = _Rows()
    parser.feed(dumped.stdout)
    rules = [r.cells[1] for r in parser.rows if not r.hidden]
    assert rules == ["/me/calendar", "/me/bookings/<booking_id>", "/admin/bookings/<booking_id>"]
    shot = tmp_path / "routes.png"
    taken = headless(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1000", url)
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_shown_codes_are_the_lints_codes_for_the_fixture() -> None:
    lint = Counter(f.code for f in run([str(MAKERSPACE)], Config(root=str(FIXTURES)), jobs=1).findings)
    mapped = Counter(code for e in makerspace_map().endpoints for code in e.codes)
    assert mapped == lint


def test_the_readme_options_table_of_the_map_is_the_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The route map\n", 1)[1].split("\n## ", 1)[0]
    table = section.split("| option | meaning |", 1)[1].split("\n\n", 1)[0]
    first_cells = " ".join(row.split("|")[1] for row in table.splitlines()[2:])
    documented = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", first_cells))
    actual = {opt for param in routes.params if isinstance(param, click.Option) for opt in param.opts}
    assert documented == actual - {"--help", "-h"}
    formats = re.findall(r"^- `(\w+)`", section.split("### Formats and options", 1)[1], re.M)
    choice = next(p for p in routes.params if p.name == "output_format").type
    assert formats == list(choice.choices)  # type: ignore[attr-defined]
