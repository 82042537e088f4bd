"""Shared fixtures: where ../shared/data is, and the rule for tests that need it.

Tests that need the real CT series use the ``data_dir`` fixture: it skips when the folder is
absent, except with CTVIS_REQUIRE_DATA=1 (CI), where the absence is a failure.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.shared_data import data_path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = data_path()
    if not path.is_dir():
        if os.environ.get("CTVIS_REQUIRE_DATA") == "1":
            pytest.fail(f"CTVIS_REQUIRE_DATA=1 but the shared data folder is missing: {path}")
        pytest.skip(f"shared data folder not found: {path}")
    return path
