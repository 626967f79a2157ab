"""Rule documentation: the docstrings of the rules (and of FM000-FM002) as Markdown for
docs/rules.md and SARIF, and as plain text for ``--explain``.

A docstring is written in a small reStructuredText subset::

    One-line title.

    **What it does.** Paragraphs, with ``code`` in double backquotes.

    **Why is this bad?** ...

    **Example**::

        indented code

    **Use instead**::

        indented code

    More paragraphs.

Regenerate docs/rules.md with ``python -m flaskmongo_lint.docs`` (``--check`` only compares).
"""
from __future__ import annotations

import argparse
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # pragma: no cover - typing only; report/ imports this module
    from flaskmongo_lint.report.meta import CodeInfo

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
SECTIONS: Tuple[str, ...] = ("What it does", "Why is this bad?", "Example", "Use instead")
TERMINAL_WIDTH = 88

_HEADING = re.compile(r"^\*\*(?P<title>[^*]+?)\*\*:*\s*(?P<rest>.*)$", re.S)
_LITERAL = re.compile(r"``(.+?)``", re.S)
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


@dataclass
class Block:
    kind: str  # "text" or "code"
    text: str


@dataclass
class Section:
    title: str
    blocks: List[Block] = field(default_factory=list)


@dataclass
class RuleDoc:
    """A docstring split into its title and its sections."""

    title: str
    sections: List[Section]

    def section(self, title: str) -> Optional[Section]:
        return next((s for s in self.sections if s.title == title), None)


def _blocks(text: str) -> List[Block]:
    """Paragraphs and literal blocks: a paragraph ending in ``::`` is followed by an indented
    block of code (blank lines inside it included)."""
    lines = text.splitlines()
    blocks: List[Block] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        if blocks and blocks[-1].kind == "text" and blocks[-1].text.endswith("::") and lines[i].startswith(" "):
            code: List[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                code.append(lines[i])
                i += 1
            blocks.append(Block("code", textwrap.dedent("\n".join(code)).strip("\n")))
            continue
        paragraph: List[str] = []
        while i < len(lines) and lines[i].strip():
            paragraph.append(lines[i].strip())
            i += 1
        blocks.append(Block("text", " ".join(paragraph)))
    return blocks


def parse(explanation: str) -> RuleDoc:
    """Split a docstring (already dedented) into title and sections."""
    blocks = _blocks(explanation)
    title = ""
    if blocks and blocks[0].kind == "text" and not _HEADING.match(blocks[0].text):
        title = blocks.pop(0).text
    sections: List[Section] = []
    for block in blocks:
        heading = _HEADING.match(block.text) if block.kind == "text" else None
        if heading is not None:
            name = heading.group("title").strip().rstrip(".:")
            section = Section(name)
            sections.append(section)
            rest = heading.group("rest").strip().lstrip(":").strip()
            # "**Example**::" only announces the code block that _blocks() already split off.
            if rest:
                section.blocks.append(_strip_marker(Block("text", rest)))
            continue
        if not sections:
            sections.append(Section(""))
        sections[-1].blocks.append(_strip_marker(block))
    return RuleDoc(title, sections)


def _strip_marker(block: Block) -> Block:
    """reST's "text::" is "text:" followed by code; "text ::" is "text" followed by code."""
    if block.kind == "text" and block.text.endswith("::"):
        text = block.text[:-2]
        return Block("text", text.rstrip() if text.endswith(" ") else text + ":")
    return block


def _cwe_link(cwe: int) -> str:
    return f"[CWE-{cwe}](https://cwe.mitre.org/data/definitions/{cwe}.html)"


def _markdown_text(text: str) -> str:
    return _LITERAL.sub(lambda m: f"`{m.group(1)}`", text)


def _plain_text(text: str) -> str:
    return _BOLD.sub(lambda m: m.group(1), _LITERAL.sub(lambda m: m.group(1), text))


def markdown(info: CodeInfo) -> str:
    """One code's section of docs/rules.md (also SARIF's ``help.markdown``)."""
    doc = parse(info.explanation)
    out = [f"## {info.code} {info.name}", ""]
    if doc.title:
        out += [_markdown_text(doc.title), ""]
    cwe = _cwe_link(info.cwe) if info.cwe is not None else "none"
    out += [f"Severity: **{info.severity}**. CWE: {cwe}.", ""]
    for section in doc.sections:
        if section.title:
            out += [f"### {section.title}", ""]
        for block in section.blocks:
            if block.kind == "code":
                out += ["```python", block.text, "```", ""]
            else:
                out += [_markdown_text(block.text), ""]
    return "\n".join(out)


def terminal(info: CodeInfo) -> str:
    """One code's documentation as plain text, for ``--explain``: no ``**``, no backquotes, no
    ``::``; paragraphs wrapped, code indented by four spaces."""
    doc = parse(info.explanation)
    cwe = f", CWE-{info.cwe}" if info.cwe is not None else ""
    out = [f"{info.code} {info.name} ({info.severity}{cwe})", ""]
    if doc.title:
        out += [textwrap.fill(_plain_text(doc.title), TERMINAL_WIDTH), ""]
    for section in doc.sections:
        if section.title:
            out.append(section.title)
        for block in section.blocks:
            if block.kind == "code":
                out += [textwrap.indent(block.text, "    "), ""]
            else:
                out += [textwrap.fill(_plain_text(block.text), TERMINAL_WIDTH), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def rules_markdown(infos: Optional[Sequence[CodeInfo]] = None) -> str:
    """The whole of docs/rules.md."""
    from flaskmongo_lint.report.meta import all_codes

    infos = list(infos if infos is not None else all_codes())
    out = [
        "# Rules",
        "",
        "<!-- Generated from the rule docstrings by `python -m flaskmongo_lint.docs`: do not edit. -->",
        "",
        "Every code flaskmongo-lint reports, with what it looks for, why it matters, an example and",
        "the fix. `flaskmongo-lint --explain CODE` (or `--explain NAME`) prints the same in a terminal.",
        "",
        "| code | name | severity | CWE | summary |",
        "| --- | --- | --- | --- | --- |",
    ]
    for info in infos:
        cwe = f"CWE-{info.cwe}" if info.cwe is not None else "-"
        out.append(f"| [{info.code}](#{info.anchor}) | {info.name} | {info.severity} | {cwe} | {info.summary} |")
    out.append("")
    for info in infos:
        out.append(markdown(info))
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m flaskmongo_lint.docs [--check] [FILE]``: write (or compare) docs/rules.md."""
    parser = argparse.ArgumentParser(prog="python -m flaskmongo_lint.docs", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date, write nothing")
    parser.add_argument("file", nargs="?", default=str(DOC_PATH), help="default: docs/rules.md of this checkout")
    args = parser.parse_args(argv)
    path = Path(args.file)
    wanted = rules_markdown()
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if args.check:
        if current != wanted:
            print(f"{path} is out of date: run python -m flaskmongo_lint.docs", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
