"""Where the real CT series of ../shared/data are: ``CTVIS_DATA`` if set, else the folder
beside the project.  The tests' ``data_dir`` fixture and the benchmarks read it here."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def data_path() -> Path:
    env = os.environ.get("CTVIS_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"
