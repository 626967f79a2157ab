"""Results never depend on the order of files, of functions in a file, of the walk, or on --jobs."""
from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import List

import libcst as cst
import pytest

from flaskmongo_lint import checker
from flaskmongo_lint.config import Config
from flaskmongo_lint.modules import name_files
from flaskmongo_lint.runner import run
from lintkit import render

FIXTURES = Path(__file__).parent / "fixtures"
PACKAGE = FIXTURES / "v2" / "allotments"


def _check_dir(root: Path, order=None) -> str:  # type: ignore[no-untyped-def]
    paths = sorted(str(p) for p in root.rglob("*.py"))
    files = name_files(paths, [Path(p).read_bytes() for p in paths])
    kwargs = {"order": order} if order is not None else {}
    found = checker.check_files(files, Config().analysis, **kwargs)
    assert not found.errors
    return "".join(f.render() + "\n" for path in sorted(found.findings) for f in found.findings[path])


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_walk_order_does_not_matter(seed: int) -> None:
    rng = random.Random(seed)

    def shuffled(items: List) -> List:  # type: ignore[type-arg]
        items = list(items)
        rng.shuffle(items)
        return items

    for root in (PACKAGE, FIXTURES / "guildhall", FIXTURES / "v2" / "recipe_interactions.py", FIXTURES / "guards.py",
                 FIXTURES / "exposure.py"):
        if root.is_file():
            files = name_files([str(root)], [root.read_bytes()])
            plain = [f.render() for f in checker.check_files(files, Config().analysis).findings[str(root)]]
            mixed = [f.render() for f in checker.check_files(files, Config().analysis, order=shuffled).findings[str(root)]]
            assert plain and mixed == plain
        else:
            baseline = _check_dir(root)
            assert baseline
            assert _check_dir(root, shuffled) == baseline


def test_file_order_and_jobs_do_not_matter(tmp_path: Path) -> None:
    config = Config(root=str(FIXTURES))
    baseline = render(run([str(FIXTURES)], config, jobs=1).findings)
    files = sorted(str(p) for p in FIXTURES.rglob("*.py"))
    random.Random(7).shuffle(files)
    assert render(run(files, config, jobs=1).findings) == baseline
    assert render(run(list(reversed(files)), config, jobs=2).findings) == baseline


def _shuffle_functions(source: str, rng: random.Random) -> str:
    """The module with its top-level function and class definitions in another order."""
    module = cst.parse_module(source)
    body = list(module.body)
    spots = [i for i, s in enumerate(body) if isinstance(s, (cst.FunctionDef, cst.ClassDef))]
    moved = [body[i] for i in spots]
    rng.shuffle(moved)
    for i, stmt in zip(spots, moved):
        body[i] = stmt
    return module.with_changes(body=body).code


def _normalised(root: Path) -> List[str]:
    """Findings as (file, code, message, function, line within the function): stable under moves."""
    out = []
    for f in run([str(root)], Config(root=str(root)), jobs=1).findings:
        lines = Path(f.path).read_text(encoding="utf-8").splitlines()
        start = next(i for i in range(f.line - 1, -1, -1)
                     if lines[i].startswith(("def ", "class ", "async def ", "@")) or i == 0)
        while start > 0 and lines[start - 1].startswith("@"):
            start -= 1
        header = next(line for line in lines[start:] if line.startswith(("def ", "class ", "async def ")))
        out.append(f"{Path(f.path).name} {f.code} {f.message} | {header} +{f.line - 1 - start}")
    return sorted(out)


@pytest.mark.parametrize("seed", [11, 12])
def test_the_order_of_functions_in_the_source_does_not_matter(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    original = tmp_path / "original" / "allotments"
    moved = tmp_path / "moved" / "allotments"
    shutil.copytree(PACKAGE, original)
    shutil.copytree(PACKAGE, moved)
    for path in moved.rglob("*.py"):
        path.write_text(_shuffle_functions(path.read_text(encoding="utf-8"), rng), encoding="utf-8")
    assert _normalised(original.parent) and _normalised(moved.parent) == _normalised(original.parent)
