"""Where tests save the pictures a developer looks at (not what they assert on)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def picture_path(name: str) -> str:
    """``name`` in ``$CTVIS_PICTURES`` or else ``<temp dir>/ctvis-pictures`` (made when
    missing, so that a fresh machine saves them too)."""
    folder = Path(os.environ.get("CTVIS_PICTURES") or
                  Path(tempfile.gettempdir()) / "ctvis-pictures")
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / name)
