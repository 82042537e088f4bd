"""The README's entry point, ./dev, on a machine with no screen."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_dev_view_without_a_display_says_what_works_and_exits_1():
    """`./dev view` on a machine with no screen once ran a window nobody saw, forever."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run([str(ROOT / "dev"), "view"], capture_output=True, text=True,
                            env=env, timeout=600)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("[dev] no display") and "./dev view --screenshot" in last
