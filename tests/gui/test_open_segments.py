"""File ▸ Open segments: the series' own SEG offered first and read into a new overlay with
its table; an RTSTRUCT chosen as a file the same way."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtWidgets import QFileDialog, QInputDialog

from ctvis.core.io import load, write_mask
from ctvis.gui.main_window import MainWindow
from tests.helpers.dicom_factory import random_volume, write

TABLE = [{"name": "nodule", "value": 1, "color": [255, 0, 0]}]


@pytest.fixture
def case(tmp_path):
    folder = tmp_path / "ct"
    write(random_volume(shape=(6, 20, 20)), folder)
    ct = load(folder)
    labels = np.zeros(ct.shape, np.uint8)
    labels[2:4, 5:10, 6:12] = 1
    write_mask(ct, labels, folder / "zz_seg.dcm", segments=TABLE)
    rs = write_mask(ct, labels, tmp_path / "gtv.rtstruct.dcm", segments=TABLE)
    return load(folder), labels, rs


def test_open_segments_reads_the_series_seg_and_an_rtstruct(qtbot, case, monkeypatch):
    ct, labels, rs = case
    win = MainWindow(defer_3d=True)
    win.quiet_errors = True
    qtbot.addWidget(win)
    win.set_volume(ct)
    offered = []
    monkeypatch.setattr(QInputDialog, "getItem",
                        lambda *a, **k: offered.append(a[3]) or (a[3][0], True))
    menu = win.menuBar().actions()[0].menu()
    action = next(a for a in menu.actions()
                  if a.text().replace("&", "").startswith("Open segments"))
    action.trigger()
    qtbot.waitUntil(lambda: "zz_seg" in win.state.overlays, timeout=20000)
    assert offered[0][0].startswith("seg: ") and offered[0][-1] == "Another file…"
    overlay = win.state.overlays["zz_seg"]
    assert np.array_equal(overlay.labels, labels)
    assert [(s.name, s.value) for s in overlay.segments] == [("nodule", 1)]
    # Another file: the RTSTRUCT, through the file dialog.
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (a[3][-1], True))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(rs), ""))
    action.trigger()
    qtbot.waitUntil(lambda: "gtv" in win.state.overlays, timeout=20000)
    assert np.array_equal(win.state.overlays["gtv"].labels, labels)
