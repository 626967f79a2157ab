"""What README.md says about the command line is true: every command it shows parses, the options
table is the CLI's, and the integrations it documents (CI jobs, the baseline workflow, standard
input, flake8, noqa placement) do what the text says when run as written."""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import click
import pytest
import yaml

from cli_support import OBJECTID, SEARCH, invoke, lines, write
from flaskmongo_lint.cli import PROG, ROUTES, cli
from flaskmongo_lint.routemap.cli import routes
from flaskmongo_lint.report import FORMATS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> List[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def section(title: str) -> str:
    return README.split(f"\n{title}\n", 1)[1].split("\n## ", 1)[0]


_COMMAND = re.compile(r"^(?:- )?(?:run: )?(?:[\w./]*/)?(flaskmongo-lint(?:\s.*)?)$")


def commands() -> Iterator[Tuple[str, List[str]]]:
    """Every flaskmongo-lint command line the README shows: in code blocks (each command of a
    ``&&`` chain) and in inline code that starts with an option or a path."""
    found: List[str] = []
    for block in blocks("sh") + blocks("yaml"):
        for line in block.splitlines():
            for part in re.split(r"&&|\|\||;", line):
                match = _COMMAND.match(part.strip())
                if match:
                    found.append(match.group(1).strip())
    found += re.findall(r"`(flaskmongo-lint (?:-|\.|\w+/)[^`]*)`", README)
    for text in dict.fromkeys(found):
        yield text, shlex.split(text)[1:]


def test_the_readme_shows_commands() -> None:
    assert len(list(commands())) >= 12


@pytest.mark.parametrize("text, args", list(commands()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_in_the_readme_parses(text: str, args: List[str]) -> None:
    # ``flaskmongo-lint routes ...`` is the route map's command (main() dispatches on the word).
    command, rest = (routes, args[1:]) if args[:1] == [ROUTES] else (cli, args)
    try:
        with command.make_context(PROG, list(rest)):
            pass
    except click.exceptions.Exit as exc:  # --version, --help: fine; a usage error is status 2
        assert exc.exit_code == 0, text


def test_the_options_table_is_the_clis() -> None:
    table = section("## Usage").split("| option | meaning |", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", " ".join(row.split("|")[1] for row in table.splitlines()[2:])))
    actual = {opt for param in cli.params if isinstance(param, click.Option) for opt in param.opts}
    actual |= {"--help", "-h"}
    assert documented == actual - {"--help", "-h"}


def test_the_formats_are_the_clis() -> None:
    row = next(line for line in README.splitlines() if line.startswith("| `--format FORMAT`"))
    assert re.findall(r"`(\w+)`", row.split("|")[2]) == list(FORMATS)
    bullets = re.findall(r"^- `(\w+)`:", section("### Output formats"), re.M)
    assert bullets == list(FORMATS)


def test_yaml_examples_are_valid() -> None:
    documents = [yaml.safe_load(block) for block in blocks("yaml")]
    assert len(documents) == 3
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert documents[0]["repos"][0]["hooks"][0]["id"] == hooks[0]["id"]
    steps = documents[1]["jobs"]["flaskmongo-lint"]["steps"]
    assert steps[-1]["with"]["sarif_file"] in steps[-2]["run"]
    job = documents[2]["flaskmongo-lint"]
    assert job["artifacts"]["reports"]["codequality"] in job["script"][-1]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "app/routes.py", OBJECTID)
    return tmp_path


def _run_readme_command(line: str) -> "click.testing.Result":
    words = shlex.split(line.strip().lstrip("- ").replace("run: ", "", 1))
    assert words[0] == PROG
    return invoke(*words[1:])


def test_github_actions_job_writes_sarif_and_fails(project: Path) -> None:
    step = yaml.safe_load(blocks("yaml")[1])["jobs"]["flaskmongo-lint"]["steps"][3]["run"]
    result = _run_readme_command(step)
    assert result.exit_code == 1
    document = json.loads((project / "results.sarif").read_text(encoding="utf-8"))
    assert document["runs"][0]["results"][0]["partialFingerprints"]
    github = re.search(r"`(flaskmongo-lint --format github \.)`", README)
    assert github is not None
    assert _run_readme_command(github.group(1)).stdout.startswith("::warning file=app/routes.py,")


def test_gitlab_job_writes_the_code_quality_report_and_fails(project: Path) -> None:
    script = yaml.safe_load(blocks("yaml")[2])["flaskmongo-lint"]["script"]
    result = _run_readme_command(script[1])
    assert result.exit_code == 1
    issues = json.loads((project / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    assert [i["location"]["path"] for i in issues] == ["app/routes.py"]


def test_any_ci_step_prints_grouped_findings_with_counts_and_fails(project: Path) -> None:
    step = [b for b in blocks("sh") if "--format grouped --statistics" in b][0].splitlines()[-1]
    result = _run_readme_command(step)
    assert result.exit_code == 1
    assert lines(result)[0] == "app/routes.py:"
    assert lines(result)[-1].split() == ["1", "FM301", "unguarded-objectid"]
    assert (project / "app/routes.py").exists()
    junit = re.search(r"`(flaskmongo-lint --format junit --output-file flaskmongo-lint.xml \.)`", README)
    assert junit is not None
    assert _run_readme_command(junit.group(1)).exit_code == 1
    assert "<failure" in (project / "flaskmongo-lint.xml").read_text(encoding="utf-8")


def test_the_baseline_workflow_as_written(project: Path) -> None:
    text = section("## Adopting it on an existing codebase (baselines)")
    record = next(b for b in blocks("sh") if "--write-baseline" in b).splitlines()[0]
    assert _run_readme_command(record).exit_code == 0
    config_step = re.search(r"```toml\n(.*?)```", text, re.S)
    assert config_step is not None
    write(project, "pyproject.toml", config_step.group(1))
    # Step 3: only new findings fail, and stderr says how many were hidden, in the words shown.
    example = re.search(r"\(`(flaskmongo-lint: \d+ finding\(s\) hidden by the baseline \S+)`\)", text)
    assert example is not None
    clean = invoke(".")
    assert clean.exit_code == 0 and clean.stdout == ""
    assert re.fullmatch(re.sub(r"\d+", r"\\d+", re.escape(example.group(1))) + "\n", clean.stderr)
    write(project, "app/search.py", SEARCH)
    new = invoke(".")
    assert new.exit_code == 1
    assert [line.split(":")[0] for line in lines(new)] == ["app/search.py"]


def test_standard_input_as_written(project: Path) -> None:
    line = [b for b in blocks("sh") if "--stdin-filename" in b][0].strip()
    words = shlex.split(line)
    result = invoke(*words[1:], input=OBJECTID)
    assert result.exit_code == 1
    assert lines(result)[0].startswith("app/routes.py:")


def test_flake8_as_written(project: Path) -> None:
    line = [b for b in blocks("sh") if "flake8 --select FM" in b][0].splitlines()[-1]
    done = subprocess.run([sys.executable, "-m", *shlex.split(line)], cwd=project, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    assert [row.split()[1] for row in done.stdout.splitlines()] == ["FM301"]


def test_noqa_examples_as_written(project: Path) -> None:
    python = blocks("python")
    multiline = next(b for b in python if b.startswith("doc = db.notes.find_one(\n"))
    handler = OBJECTID.replace("item_id", "note_id").replace(
        '    return str(db.items.find_one({"_id": ObjectId(note_id)}))\n',
        textwrap_indent(multiline) + "    return str(doc)\n",
    )
    handler = handler.replace("db = MongoClient().shop", "db = MongoClient().shop\nnotes = db.notes")
    write(project, "app/routes.py", handler)
    assert invoke(".").stdout == ""
    write(project, "app/routes.py", handler.replace("  # noqa: FM301", ""))
    assert "FM301" in invoke(".").stdout
    skip = next(b for b in python if "skip-file" in b)
    write(project, "app/routes.py", skip + OBJECTID)
    assert invoke(".").stdout == ""


def textwrap_indent(code: str) -> str:
    return "".join("    " + line if line.strip() else line for line in code.splitlines(True))
