"""Keep and share, in the window: File ▸ Export segments driven like a user, and the question
before closing or opening another volume with unsaved label map edits."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PyQt5.QtWidgets import QDialog, QFileDialog, QMessageBox

from ctvis.core.io import read_mask
from ctvis.gui import export_segments_dialog
from ctvis.gui.main_window import MainWindow
from ctvis.mesh.mesh_io import read_mesh
from ctvis.model.labelmap import LabelMap, Segment, lung_segments
from tests.gui.conftest import wait_task

LESION = (slice(18, 22), slice(40, 46), slice(30, 36))


@pytest.fixture
def window(qtbot, phantom):
    """The window (no 3D pane: faster) with the phantom's lungs and a lesion map."""
    win = MainWindow(defer_3d=True)
    win.quiet_errors = True
    qtbot.addWidget(win)
    win.set_volume(phantom.volume)
    lungs = LabelMap(phantom.lungs.astype(np.uint8), lung_segments("watershed"), "lungs")
    win.state.set_overlay("lungs", labels=lungs, origin="watershed")
    lesions = LabelMap(np.zeros(phantom.volume.shape, np.uint8),
                       (Segment("lesion", 1, (255, 0, 0), origin="paint"),), "lesions")
    lesions.array[LESION] = 1
    win.state.set_overlay("lesions", labels=lesions, origin="paint")
    win.show()
    qtbot.waitExposed(win)
    return win


def answer(monkeypatch, reply):
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or reply)
    return asked


def file_action(win, text):
    menu = win.menuBar().actions()[0].menu()
    return next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))


# ---------------------------------------------------------------------------------- export
def test_export_segments_from_the_file_menu(window, qtbot, tmp_path, monkeypatch):
    chosen = {}

    def exec_(dialog):                       # the user picks the lesion map, .seg.nrrd, OBJ, RAS
        dialog.labelmap.setCurrentIndex(dialog.labelmap.findData("lesions"))
        dialog.mask_format.setCurrentIndex(dialog.mask_format.findData("seg.nrrd"))
        dialog.mesh_format.setCurrentIndex(dialog.mesh_format.findData(".obj"))
        dialog.space.setCurrentIndex(1)
        chosen["choices"] = dialog.mask_format.count(), dialog.mesh_format.count()
        return QDialog.Accepted

    monkeypatch.setattr(export_segments_dialog.ExportSegmentsDialog, "exec_", exec_)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    file_action(window, "Export segments").trigger()
    qtbot.waitUntil(lambda: (tmp_path / "lesions_lesion.obj").is_file(), timeout=30000)
    # The choices are the one lists' rows (and "none").
    from ctvis.core.io import MASK_FORMATS
    from ctvis.core.io.dispatch import DICOM_MASK_FORMATS
    from ctvis.mesh.mesh_io import FORMATS

    assert chosen["choices"] == (len(MASK_FORMATS) + len(DICOM_MASK_FORMATS) + 1,
                                 len(FORMATS) + 1)
    back = read_mask(tmp_path / "lesions.seg.nrrd", like=window.state.volume)
    assert np.array_equal(back.array, window.state.overlays["lesions"].labels)
    assert back.meta["segments"] == [{"name": "lesion", "value": 1, "color": [255, 0, 0]}]
    table = (tmp_path / "lesions_volumes.csv").read_text().splitlines()
    assert table[0] == "name,value,volume_ml,voxels" and table[1].endswith(",144")
    mesh = read_mesh(tmp_path / "lesions_lesion.obj")
    assert str(mesh.field_data["SPACE"][0]) == "RAS"
    centre = window.state.volume.index_to_patient(
        np.argwhere(back.array == 1).mean(axis=0)) * [-1, -1, 1]
    np.testing.assert_allclose(np.asarray(mesh.center), centre, atol=5.0)


def test_export_segments_without_a_label_map_says_so(qtbot, phantom):
    win = MainWindow(phantom.volume, defer_3d=True)
    win.quiet_errors = True
    qtbot.addWidget(win)
    assert export_segments_dialog.export_segments_dialog(win) is None


# --------------------------------------------------------------------------- unsaved edits
def test_no_question_without_edits(window, monkeypatch):
    asked = answer(monkeypatch, QMessageBox.Cancel)
    window.close()
    assert asked == [] and not window.isVisible()


def test_cancel_keeps_the_window_open(window, monkeypatch):
    window.state.overlays["lesions"].labelmap.write(LESION, 0)      # an edit
    asked = answer(monkeypatch, QMessageBox.Cancel)
    window.close()
    assert len(asked) == 1 and "lesions" in asked[0] and "closing" in asked[0]
    assert window.isVisible()
    window.state.overlays["lungs"].labelmap.write((slice(0, 1),) * 3, 1)
    window.close()
    assert "lungs, lesions" in asked[1] and window.isVisible()
    answer(monkeypatch, QMessageBox.Discard)
    window.close()
    assert not window.isVisible()


def test_save_writes_the_session_then_closes(window, qtbot, tmp_path, monkeypatch):
    lesions = window.state.overlays["lesions"].labelmap
    lesions.write((slice(5, 7), slice(5, 9), slice(5, 9)), 1)
    asked = answer(monkeypatch, QMessageBox.Save)
    target = tmp_path / "s.ctvis.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.close()
    assert len(asked) == 1
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30000)
    saved = json.loads(target.read_text())
    assert saved["overlays"]["lesions"]["labels"] == "s.ctvis.lesions.nii.gz"
    back = read_mask(tmp_path / "s.ctvis.lesions.nii.gz")
    assert back.array.tobytes() == lesions.array.tobytes()
    assert len(asked) == 1                                  # saved: not asked again


def test_a_saved_session_is_saved_again_to_its_file_without_asking(window, qtbot, tmp_path,
                                                                   monkeypatch):
    from ctvis.gui import session_dialogs

    target = tmp_path / "s.ctvis.json"
    task = session_dialogs.save_session_dialog(window, target)
    wait_task(qtbot, task, timeout=30000)
    assert window.session_path == target
    window.state.overlays["lungs"].labelmap.set_segment(1, name="right (checked)")
    answer(monkeypatch, QMessageBox.Save)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: pytest.fail("the session has a file already"))
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30000)
    rows = json.loads(target.read_text())["overlays"]["lungs"]["segments"]
    assert rows[0]["name"] == "right (checked)"


def test_opening_another_volume_asks_first(window, qtbot, phantom, monkeypatch):
    window.state.overlays["lungs"].labelmap.write((slice(0, 1),) * 3, 2)
    asked = answer(monkeypatch, QMessageBox.Cancel)
    assert window.open_path(None) is None
    assert "opening another volume" in asked[0]
    assert window.state.volume is phantom.volume and "lungs" in window.state.overlays
    answer(monkeypatch, QMessageBox.Discard)
    task = window.open_path(None)
    wait_task(qtbot, task, timeout=60000)
    qtbot.waitUntil(lambda: window.state.volume is not phantom.volume, timeout=10000)
    assert window.state.overlays == {}
    asked = answer(monkeypatch, QMessageBox.Cancel)
    window.close()                                          # the new volume has no edits
    assert asked == [] and not window.isVisible()
