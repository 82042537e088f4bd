"""Window defects found by a newcomer (issue 18, item 7), each driven like a user (menus, keys,
wheel, mouse) and checked on what is drawn: widget geometry, grabbed pixels, label text."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, Qt
from PyQt5.QtWidgets import QFileDialog, QTabBar

from tests.gui.shots import drag, save, to_rgb, wheel

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]

LIDC_SLAB = ("lidc-slabs", "LIDC-IDRI-0003")


@pytest.fixture
def window(phantom_window):
    return phantom_window


def click_tab(window, qtbot, title: str) -> None:
    """Click the tab of a tabified dock, as a user brings it to the front."""
    for bar in window.findChildren(QTabBar):
        for i in range(bar.count()):
            if bar.tabText(i) == title:
                qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
                return
    raise AssertionError(f"no tab {title!r}")


def open_folder_from_menu(window, qtbot, monkeypatch, folder) -> None:
    """File ▸ Open DICOM folder… (Ctrl+O) answering the folder dialog with ``folder``."""
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    with qtbot.waitSignal(window.volume_opened, timeout=30000):
        qtbot.keyClick(window.views["axial"], Qt.Key_O, Qt.ControlModifier)


# ------------------------------------------------------------------ long paths in the docks
def test_a_long_tcia_path_never_widens_the_dicom_dock(window, qtbot, monkeypatch, data_dir,
                                                      tmp_path):
    """LIDC folders are two 64-character UIDs deep: the dock's "Slice N: <path>" line is
    elided (the whole path in its tooltip), so the four views keep their share of the
    window instead of shrinking to 120-px columns."""
    folder = data_dir.joinpath(*LIDC_SLAB)
    width_before = window.width()
    views_before = {n: v.width() for n, v in window.views.items()}
    open_folder_from_menu(window, qtbot, monkeypatch, folder)
    click_tab(window, qtbot, "DICOM information")
    label = window.panels["dicom"].source
    qtbot.waitUntil(lambda: label.text().startswith("Slice "), timeout=10000)
    qtbot.wait(50)                                   # let the layouts settle
    shot = to_rgb(window)
    save(shot, tmp_path / "long_paths.png")
    assert window.width() == width_before
    for name, view in window.views.items():
        assert view.width() >= 0.9 * views_before[name], (name, view.width())
    dock = window.docks["dicom"]
    assert dock.width() < window.width() / 3
    path = label.toolTip()
    assert path == label.text() and str(folder) in path and len(path) > 150
    drawn = label.elided_text()
    assert "…" in drawn and drawn.endswith(".dcm")   # the file name stays readable
    assert label.fontMetrics().horizontalAdvance(drawn) <= label.contentsRect().width()
    assert label.geometry().right() <= dock.widget().width()
