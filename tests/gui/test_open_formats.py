"""File ▸ Open file on a MetaImage CT (LUNA16's format) stored with air at 0, as a user
opens one: the volume in HU in the views, and the shift said in the loading notes.  An
archive (.zip) of a study with two series: its series are listed to choose from."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtWidgets import QFileDialog

from ctvis.core.io import archive
from ctvis.core.io.dicom_write import write_dicom_series
from ctvis.core.io.metaimage import write_metaimage
from ctvis.core.phantom import make_phantom
from ctvis.gui.main_window import open_or_list
from tests.gui.conftest import menu_action, shown_window

pytestmark = pytest.mark.gui


def test_open_a_metaimage_stored_with_air_at_zero_from_the_file_menu(qtbot, tmp_path,
                                                                     monkeypatch):
    volume = make_phantom(shape=(30, 80, 80)).volume
    stored = volume.with_array((volume.array.astype(np.int32) + 1024).astype(np.uint16))
    path = write_metaimage(stored, tmp_path / "case.mhd")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window = shown_window(qtbot, (1000, 800))
    menu_action(window, "Open file").trigger()
    qtbot.waitUntil(lambda: window.volume is not None and window._task is None
                    and window.state.source.path == str(path), timeout=60000)
    np.testing.assert_array_equal(window.volume.array, volume.array)
    notes = window.loading_notes.notes
    assert any("HU + 1024" in n and str(path) in n for n in notes), notes
    assert window.loading_notes.isVisible()
    window.close()


def test_the_window_lists_an_archives_series_to_choose_from(tmp_path):
    import zipfile

    volume = make_phantom(shape=(20, 48, 48)).volume
    write_dicom_series(volume, tmp_path / "CT" / "a", series_uid="1.2.3.1")
    write_dicom_series(volume.with_array(volume.array[::2].copy()), tmp_path / "CT" / "b",
                       series_uid="1.2.3.2")
    path = tmp_path / "study.zip"
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted((tmp_path / "CT").rglob("*.dcm")):
            z.write(f, f.relative_to(tmp_path))
    try:
        found = open_or_list(str(path))
        assert sorted(s.uid for s in found) == ["1.2.3.1", "1.2.3.2"]
        assert open_or_list(str(path), series_uid="1.2.3.2").shape[0] == 10
    finally:
        archive.forget()
