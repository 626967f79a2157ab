"""Every test gets a result cache of its own, in its temporary folder: runs of the command line
never read what another test stored, and nothing is written into the repository's fixtures."""
from __future__ import annotations

from pathlib import Path

import pytest

from flaskmongo_lint.cache import ENVIRONMENT_VARIABLE


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(folder))
    return folder
