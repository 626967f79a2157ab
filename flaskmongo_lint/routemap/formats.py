"""The route map as text (an aligned table for a terminal), Markdown (a pull-request comment or a
review document) and JSON (the schema README.md documents). The HTML page is :mod:`.html`."""
from __future__ import annotations

import enum
import json
import textwrap
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

from flaskmongo_lint.routemap.model import Endpoint, MappedOperation, RouteMap, to_json

NO_OPERATION = "-"
NO_CODES = "-"
ELLIPSIS = "…"
GAP = "  "


class MapFormat(str, enum.Enum):
    """The formats of ``flaskmongo-lint routes --format``."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    HTML = "html"


def operation_name(o: MappedOperation) -> str:
    """``notes.find_one``: the collection, then the method, as the code reads."""
    return f"{o.collection}.{o.method}"


# ---------------------------------------------------------------------- text
class Keep(enum.Enum):
    """Which end of a cell survives when its column must shrink to fit the terminal."""

    START = "start"
    END = "end"


@dataclass
class Column:
    title: str
    soft: int  # shrunk to this first, in ``order`` (0: never shrinks)
    order: int = 0  # which column gives up width first
    keep: Keep = Keep.START

    @property
    def shrinks(self) -> bool:
        return self.soft > 0

    @property
    def hard(self) -> int:
        """The narrowest it ever gets, when every column is at its soft minimum and still too wide."""
        return min(self.soft, max(6, len(self.title)))


COLUMNS = (
    Column("ENDPOINT", 24, order=3),
    Column("AUTH", 12, order=1),
    Column("PRIVILEGE", 9, order=2),
    Column("CODES", 0),
    Column("HANDLER", 18, order=0, keep=Keep.END),  # the file name and line are its useful end
)
INDENT = "  "  # an operation line, under its endpoint


def endpoint_cells(e: Endpoint) -> List[str]:
    return [e.endpoint, e.auth_text, e.privilege_text, ",".join(e.codes) or NO_CODES, e.where]


def render_text(route_map: RouteMap, width: Optional[int] = None) -> str:
    """An aligned table of the endpoints, sorted by rule then method, each followed by the
    MongoDB operations it reaches (``collection.method``, the scope verdict, where the query is
    written), then the summary line. ``width`` (a terminal's columns) shrinks the widest columns
    to fit, cutting their cells with an ellipsis; None keeps every cell whole."""
    rows = [endpoint_cells(e) for e in route_map.endpoints]
    widths = [max([len(c.title)] + [len(r[i]) for r in rows]) for i, c in enumerate(COLUMNS)]
    if width is not None:
        _fit(widths, width)
    ops = [o for e in route_map.endpoints for o in e.operations]
    op_width = max((len(operation_name(o)) for o in ops), default=0)
    verdict_width = max((len(o.verdict.value) for o in ops), default=0)
    lines = [_line([c.title for c in COLUMNS], widths)]
    for e, cells in zip(route_map.endpoints, rows):
        lines.append(_line(cells, widths))
        for o in e.operations:
            text = f"{INDENT}{operation_name(o).ljust(op_width)}{GAP}{o.verdict.value.ljust(verdict_width)}{GAP}" \
                   f"{o.path}:{o.line}"
            lines.append(_cut(text, width, Keep.START) if width is not None else text)
    lines.append("")
    summary = route_map.summary.line
    # The summary is never cut: in a narrow terminal it wraps at a word.
    lines += textwrap.wrap(summary, width, break_on_hyphens=False) if width is not None else [summary]
    lines += _problems(route_map)
    return "\n".join(lines) + "\n"


def _fit(widths: List[int], width: int) -> None:
    """Shrink the columns until the table fits: each in turn down to its soft minimum (the
    handler's path first, the endpoint last), then the widest down to its hard minimum."""
    def excess() -> int:
        return sum(widths) + len(GAP) * (len(widths) - 1) - width

    for i in sorted((i for i, c in enumerate(COLUMNS) if c.shrinks), key=lambda i: COLUMNS[i].order):
        if excess() > 0 and widths[i] > COLUMNS[i].soft:
            widths[i] = max(COLUMNS[i].soft, widths[i] - excess())
    while excess() > 0:
        candidates = [i for i, c in enumerate(COLUMNS) if c.shrinks and widths[i] > c.hard]
        if not candidates:
            return
        widths[max(candidates, key=lambda i: (widths[i], -i))] -= 1


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    parts = [_cut(cell, w, c.keep).ljust(w) for cell, w, c in zip(cells, widths, COLUMNS)]
    return GAP.join(parts).rstrip()


def _cut(cell: str, width: int, keep: Keep) -> str:
    if len(cell) <= width:
        return cell
    if keep is Keep.END:
        return ELLIPSIS + cell[len(cell) - width + 1:]
    return cell[: width - 1] + ELLIPSIS


def _problems(route_map: RouteMap) -> List[str]:
    return [f"not mapped: {path}: {message}" for path, message in route_map.problems]


# ---------------------------------------------------------------------- markdown
def render_markdown(route_map: RouteMap) -> str:
    """A Markdown document: the summary, the endpoint table, then per collection who touches it."""
    lines = ["## Route map", "", route_map.summary.line, "",
             "| Endpoint | Authentication | Privilege | MongoDB operations | Codes | Handler |",
             "| --- | --- | --- | --- | --- | --- |"]
    for e in route_map.endpoints:
        ops = "<br>".join(f"{_code(operation_name(o))} {_verdict(o)}" for o in e.operations) or NO_OPERATION
        lines.append("| " + " | ".join([
            _code(e.endpoint), _code(e.authentication) if e.authentication else e.auth_text,
            _code(e.privilege) if e.privilege else e.privilege_text, ops,
            " ".join(e.codes) or NO_CODES, _code(e.where),
        ]) + " |")
    collections = route_map.collections()
    if collections:
        lines += ["", "### Collections", "", "| Collection | Endpoint | Operation | Scope |",
                  "| --- | --- | --- | --- |"]
        for name, uses in collections:
            for e, o in uses:
                lines.append(f"| {_code(name)} | {_code(e.endpoint)} | {_code(o.method)} | {_verdict(o)} |")
    if route_map.problems:
        lines += ["", "### Not mapped", ""]
        lines += [f"- {_code(path)}: {_escape(message)}" for path, message in route_map.problems]
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    """Inline code in a table cell: ``<id>`` stays text, a pipe does not end the cell."""
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _verdict(o: MappedOperation) -> str:
    text = o.verdict.value
    return f"**{text}**" if o.verdict.risky else text


# ---------------------------------------------------------------------- json
def render_json(route_map: RouteMap) -> str:
    return json.dumps(to_json(route_map), indent=2, ensure_ascii=False) + "\n"


def renderers() -> Dict[MapFormat, Callable[[RouteMap], str]]:
    from flaskmongo_lint.routemap.html import render_html

    return {MapFormat.TEXT: render_text, MapFormat.MARKDOWN: render_markdown, MapFormat.JSON: render_json,
            MapFormat.HTML: render_html}


def render(fmt: MapFormat, route_map: RouteMap, width: Optional[int] = None) -> str:
    """The map in ``fmt``; ``width`` only matters to text."""
    if fmt is MapFormat.TEXT:
        return render_text(route_map, width)
    return renderers()[fmt](route_map)


__all__ = ["MapFormat", "endpoint_cells", "operation_name", "render", "render_json", "render_markdown", "render_text"]
