from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data directory of the test's own, so that feed files of one test never meet another's."""
    folder = tmp_path / "data"
    folder.mkdir()
    with override_settings(DATA_DIR=folder, MEDIA_ROOT=folder / "files"):
        yield folder
