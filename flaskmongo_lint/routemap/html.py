"""The route map as one self-contained HTML page: no network asset of any kind (the styles and the
script are inline, and a Content-Security-Policy forbids loading anything else).

The page has a table with one row per operation of each endpoint (an endpoint with none has one
row), sortable by any column and filterable by a search text, a collection, a verdict and the
authentication; the verdict cell is coloured. Below it, per collection, the endpoints that read or
write it and how. The filters can be given in the URL fragment or query
(``routes.html#collection=orders&verdict=unscoped``), and the page keeps the fragment up to date,
so a filtered view can be linked to (and a headless browser can be pointed at one).
"""
from __future__ import annotations

from html import escape
from typing import List, Optional

from flaskmongo_lint.analysis.scope import SCOPE_ORDER, Scope
from flaskmongo_lint.routemap.model import NONE, Endpoint, MappedOperation, RouteMap

# The colours of the verdicts: greens for scoped, blue for a capability, grey for public, red and
# orange for what a reviewer must look at.
VERDICT_COLOURS = {
    Scope.OWNER_SCOPED: ("#d7f5dd", "#14532d"),
    Scope.PARENT_SCOPED: ("#dcf3ea", "#134e4a"),
    Scope.GUARDED: ("#e3f0d0", "#365314"),
    Scope.CAPABILITY: ("#dbeafe", "#1e3a8a"),
    Scope.PUBLIC: ("#eceff3", "#374151"),
    Scope.UNSCOPED: ("#fde0e0", "#7f1d1d"),
    Scope.CLIENT_CHOSEN_OWNER: ("#ffe6cc", "#7c2d12"),
}
COLUMNS = ("Method", "Rule", "Handler", "Authentication", "Privilege", "Operation", "Collection", "Scope", "Query",
           "Codes")


def verdict_class(verdict: Scope) -> str:
    """The CSS class of a verdict: ``v-client-chosen-owner`` ..."""
    return "v-" + verdict.value.replace(" ", "-")


def render_html(route_map: RouteMap) -> str:
    """The whole page."""
    collections = sorted({o.collection for e in route_map.endpoints for o in e.operations})
    body = [
        "<h1>Route map</h1>",
        f'<p id="summary">{escape(route_map.summary.line)}</p>',
        _filters(collections),
        '<p id="shown" aria-live="polite"></p>',
        _table(route_map),
        "<h2>Collections</h2>",
        _collections(route_map),
    ]
    if route_map.problems:
        body.append("<h2>Not mapped</h2><ul id=\"problems\">" + "".join(
            f"<li><code>{escape(p)}</code>: {escape(m)}</li>" for p, m in route_map.problems) + "</ul>")
    return _PAGE.format(style=_style(), body="\n".join(body), script=_SCRIPT)


def _filters(collections: List[str]) -> str:
    options = "".join(f'<option value="{escape(c)}">{escape(c)}</option>' for c in collections)
    verdicts = "".join(f'<option value="{escape(v.value)}">{escape(v.value)}</option>' for v in SCOPE_ORDER)
    return (
        '<form id="filters" onsubmit="return false">'
        '<label>Search <input id="f-q" name="q" type="search" placeholder="rule, handler, code ..."></label> '
        f'<label>Collection <select id="f-collection" name="collection"><option value="">all</option>{options}'
        "</select></label> "
        f'<label>Scope <select id="f-verdict" name="verdict"><option value="">all</option>{verdicts}</select></label> '
        '<label>Authentication <select id="f-auth" name="auth"><option value="">all</option>'
        f'<option value="{NONE}">none</option><option value="authenticated">authenticated</option></select></label>'
        "</form>"
    )


def _table(route_map: RouteMap) -> str:
    head = "".join(f'<th scope="col"><button type="button" data-column="{i}">{escape(c)}</button></th>'
                   for i, c in enumerate(COLUMNS))
    rows: List[str] = []
    for e in route_map.endpoints:
        ops: List[Optional[MappedOperation]] = list(e.operations) or [None]  # no operation: one row all the same
        rows.extend(_row(e, o) for o in ops)
    table = f'<table id="routes"><thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def _row(e: Endpoint, o: Optional[MappedOperation]) -> str:
    attrs = {
        "data-endpoint": e.endpoint,
        "data-handler": e.handler,
        "data-collection": o.collection if o is not None else "",
        "data-verdict": o.verdict.value if o is not None else "",
        "data-auth": e.authentication or NONE,
        "data-codes": " ".join(e.codes),
    }
    cells = [
        _td(",".join(e.methods)), _td(e.rule, code=True), _td(e.where, code=True),
        _td(e.auth_text, cls="auth-none" if not e.authentication else ""), _td(e.privilege_text),
        _td(o.method if o is not None else "", code=True), _td(o.collection if o is not None else "", code=True),
        _verdict_cell(o), _td(f"{o.path}:{o.line}" if o is not None else "", code=True), _td(" ".join(e.codes)),
    ]
    cls = f' class="{verdict_class(o.verdict)}"' if o is not None else ""
    return f"<tr{cls} " + " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items()) + ">" + "".join(cells) + "</tr>"


def _td(text: str, code: bool = False, cls: str = "") -> str:
    inner = f"<code>{escape(text)}</code>" if code and text else escape(text)
    return f'<td class="{cls}">{inner}</td>' if cls else f"<td>{inner}</td>"


def _verdict_cell(o: Optional[MappedOperation]) -> str:
    if o is None:
        return "<td></td>"
    title = f' title="{escape(o.detail)}"' if o.detail else ""
    return f'<td class="verdict {verdict_class(o.verdict)}"{title}>{escape(o.verdict.value)}</td>'


def _collections(route_map: RouteMap) -> str:
    out = ['<div id="collections">']
    for name, uses in route_map.collections():
        rows = "".join(
            f'<tr><td><code>{escape(e.endpoint)}</code></td><td>{"write" if o.is_write else "read"}</td>'
            f"<td><code>{escape(o.method)}</code></td>{_verdict_cell(o)}<td>{escape(e.auth_text)}</td></tr>"
            for e, o in uses)
        out.append(
            f'<section class="collection" data-collection="{escape(name)}"><h3><code>{escape(name)}</code></h3>'
            "<table><thead><tr><th>Endpoint</th><th>Access</th><th>Operation</th><th>Scope</th>"
            f"<th>Authentication</th></tr></thead><tbody>{rows}</tbody></table></section>")
    out.append("</div>")
    return "\n".join(out)


def _style() -> str:
    verdicts = "\n".join(f".{verdict_class(v)} td.verdict, td.{verdict_class(v)} {{ background: {bg}; color: {fg}; }}"
                         for v, (bg, fg) in VERDICT_COLOURS.items())
    return _STYLE + verdicts


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Route map - flaskmongo-lint</title>
<style>
{style}
</style>
</head>
<body>
{body}
<script>
{script}
</script>
</body>
</html>
"""

_STYLE = """body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #111827; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
#summary { font-weight: 600; }
#filters { display: flex; flex-wrap: wrap; gap: .8rem; margin: .8rem 0; }
#filters input, #filters select { font: inherit; padding: .15rem .3rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
td.auth-none { color: #b91c1c; font-weight: 600; }
td.verdict { font-weight: 600; white-space: nowrap; }
code { font-size: 13px; }
td code { overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
section.collection h3 { margin: 1rem 0 .3rem; font-size: 1.05rem; }
tr[hidden], section[hidden] { display: none; }
"""

_SCRIPT = r"""(function () {
  "use strict";
  var table = document.getElementById("routes");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var inputs = {
    q: document.getElementById("f-q"),
    collection: document.getElementById("f-collection"),
    verdict: document.getElementById("f-verdict"),
    auth: document.getElementById("f-auth")
  };
  var sort = { column: -1, descending: false };

  // The filters come from the URL: "#collection=orders&verdict=unscoped" (or "?collection=...").
  function readState() {
    var text = location.hash.length > 1 ? location.hash.slice(1) : location.search.slice(1);
    var params = new URLSearchParams(text);
    Object.keys(inputs).forEach(function (key) {
      var value = params.get(key) || "";
      var input = inputs[key];
      if (input.tagName === "SELECT" && value && !Array.prototype.some.call(input.options, function (o) {
        return o.value === value;
      })) {
        var option = document.createElement("option");  // a collection no row has: shows nothing
        option.value = option.textContent = value;
        input.appendChild(option);
      }
      input.value = value;
    });
    var s = params.get("sort");
    if (s) {
      sort.descending = s.charAt(0) === "-";
      sort.column = parseInt(sort.descending ? s.slice(1) : s, 10);
    }
  }

  function writeState() {
    var params = new URLSearchParams();
    Object.keys(inputs).forEach(function (key) {
      if (inputs[key].value) { params.set(key, inputs[key].value); }
    });
    if (sort.column >= 0) { params.set("sort", (sort.descending ? "-" : "") + sort.column); }
    var text = params.toString();
    history.replaceState(null, "", text ? "#" + text : location.pathname + location.search);
  }

  function matches(row) {
    var q = inputs.q.value.trim().toLowerCase();
    var collection = inputs.collection.value;
    var verdict = inputs.verdict.value;
    var auth = inputs.auth.value;
    if (collection && row.getAttribute("data-collection") !== collection) { return false; }
    if (verdict && row.getAttribute("data-verdict") !== verdict) { return false; }
    if (auth === "none" && row.getAttribute("data-auth") !== "none") { return false; }
    if (auth === "authenticated" && row.getAttribute("data-auth") === "none") { return false; }
    if (q && row.textContent.toLowerCase().indexOf(q) < 0) { return false; }
    return true;
  }

  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var collection = inputs.collection.value;
    Array.prototype.forEach.call(document.querySelectorAll("section.collection"), function (section) {
      section.hidden = Boolean(collection) && section.getAttribute("data-collection") !== collection;
    });
    document.getElementById("shown").textContent = shown + " of " + rows.length + " rows shown";
    document.body.setAttribute("data-shown", String(shown));
  }

  function order() {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, i) {
      if (i === sort.column) {
        th.setAttribute("aria-sort", sort.descending ? "descending" : "ascending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
    var sorted = rows.slice();
    if (sort.column >= 0) {
      sorted.sort(function (a, b) {
        var x = a.cells[sort.column].textContent, y = b.cells[sort.column].textContent;
        var c = x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
        return sort.descending ? -c : c;
      });  // stable: ties keep the map's order (rule, then method)
    }
    sorted.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.tHead.querySelectorAll("button"), function (button) {
    button.addEventListener("click", function () {
      var column = parseInt(button.getAttribute("data-column"), 10);
      sort.descending = sort.column === column ? !sort.descending : false;
      sort.column = column;
      order();
      writeState();
    });
  });
  Object.keys(inputs).forEach(function (key) {
    inputs[key].addEventListener("input", function () { apply(); writeState(); });
  });
  window.addEventListener("hashchange", function () { readState(); order(); apply(); });
  readState();
  order();
  apply();
  document.body.setAttribute("data-ready", "true");
}());
"""


__all__ = ["COLUMNS", "VERDICT_COLOURS", "render_html", "verdict_class"]
