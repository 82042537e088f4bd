"""Where each pane sits in a layout: (row, column[, row span, column span]) in a grid.

Qt-free, so the window and the headless screenshot arrange the panes the same way.
four-up is 3D Slicer's Four-Up: axial | 3D over sagittal | coronal; one-by-three puts the 3D
view above a row of axial, sagittal, coronal; a single view's name shows that view alone.
"""
from __future__ import annotations

PANES = ("axial", "sagittal", "coronal", "3d")
GRIDS = {
    "four-up": {"axial": (0, 0), "3d": (0, 1), "sagittal": (1, 0), "coronal": (1, 1)},
    "one-by-three": {"3d": (0, 0, 1, 3), "axial": (1, 0), "sagittal": (1, 1),
                     "coronal": (1, 2)},
}


def grid(layout: str) -> dict:
    """{pane: (row, column, row span, column span)} for ``layout``."""
    cells = GRIDS.get(layout, {layout: (0, 0)})
    return {name: (*cell, 1, 1) if len(cell) == 2 else tuple(cell)
            for name, cell in cells.items()}
