"""Each test of the imports keeps its uploads and progress files in a directory of its own:
the progress file is named by the import's id, which tests running in parallel (each with its
own database) share."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_files(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
