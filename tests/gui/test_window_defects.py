"""Window defects found by a newcomer (issue 18, item 7), each driven like a user (menus, keys,
wheel, mouse) and checked on what is drawn: widget geometry, grabbed pixels, label text."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, Qt
from PyQt5.QtWidgets import QFileDialog, QTabBar

from tests.gui.shots import drag, save, to_rgb

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


# ------------------------------------------------------------------------------ status bar
def move_mouse(widget, pos: QPoint) -> None:
    """A mouse move with no button, sent to the widget (no X cursor warp)."""
    from PyQt5.QtCore import QEvent, QPointF
    from PyQt5.QtGui import QMouseEvent
    from PyQt5.QtWidgets import QApplication

    QApplication.sendEvent(widget, QMouseEvent(
        QEvent.MouseMove, QPointF(pos), QPointF(widget.mapToGlobal(pos)), Qt.NoButton,
        Qt.NoButton, Qt.NoModifier))


def wheel_at(widget, pos: QPoint, notches: int) -> None:
    from PyQt5.QtCore import QPointF
    from PyQt5.QtGui import QWheelEvent
    from PyQt5.QtWidgets import QApplication

    QApplication.sendEvent(widget, QWheelEvent(
        QPointF(pos), QPointF(widget.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 120 * notches),
        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False))


def test_status_bar_follows_the_wheel_and_keys_under_a_still_mouse(window, qtbot, phantom):
    """Scrolling changes what lies under the cursor: the status bar's HU, position and voxel
    follow each wheel notch and key press without the mouse moving."""
    from tests.gui.shots import pixel_centre

    view, status = window.views["axial"], window._hover
    array = phantom.volume.array

    def expected() -> tuple[str, str]:
        k, (j, i) = view.index, (30, 40)
        x, y, z = phantom.volume.index_to_patient((k, j, i))
        return (f"{int(array[k, j, i])} HU   LPS ({x:.1f}, {y:.1f}, {z:.1f}) mm",
                f"voxel i,j,k = 40, 30, {k}")

    # Slices where voxel (j, i) = (30, 40) differs from one slice to the next.
    view.set_index(5)
    pos = pixel_centre(view, 30, 40)
    # The X cursor too, so that no real hover event (the pointer left over another view by
    # an earlier test) reports a different place while the keys are pressed.
    from PyQt5.QtGui import QCursor

    QCursor.setPos(view.mapToGlobal(pos))
    qtbot.wait(50)
    move_mouse(view, pos)
    assert all(part in status.text() for part in expected())
    for act in (lambda: wheel_at(view, pos, 3), lambda: qtbot.keyClick(view, Qt.Key_Up),
                lambda: qtbot.keyClick(view, Qt.Key_PageDown),
                lambda: qtbot.keyClick(view, Qt.Key_End)):
        before = status.text()
        act()
        qtbot.wait(10)
        assert status.text() != before
        assert all(part in status.text() for part in expected()), (status.text(), expected())


# ------------------------------------------------------------------- presets, title, keys
def test_key_6_applies_the_series_window_and_the_title_names_the_series(
        window, qtbot, monkeypatch, data_dir):
    """Help says 1…6: 6 is the series' own window (LIDC: L −600, W 1600); an LIDC series has
    no SeriesDescription, and its title names its modality and number, not "untitled"."""
    open_folder_from_menu(window, qtbot, monkeypatch, data_dir.joinpath(*LIDC_SLAB))
    assert window.windowTitle() == "ctvis — CT series 3000611"
    view = window.views["axial"]
    buttons = window.panels["window"].buttons
    for key, name in zip((Qt.Key_2, Qt.Key_6, Qt.Key_4, Qt.Key_1, Qt.Key_6),
                         ("Mediastinum", "Series", "Bone", "Lung", "Series")):
        qtbot.keyClick(view, key)
        assert window.state.window.preset == name
        assert buttons[name].isChecked()
    assert (window.state.window.center, window.state.window.width) == (-600, 1600)
    assert view.annotation_lines()["top_left"] == ["W 1600  L -600  (Series)"]
    # A volume without a window of its own: 6 is greyed in the menu and changes nothing.
    from ctvis.core.volume import Volume

    window.set_volume(Volume(np.zeros((4, 8, 8), np.int16), meta={"modality": "CT"}))
    assert window.windowTitle() == "ctvis — CT volume 8 × 8 × 4"
    assert not window.preset_actions["Series"].isEnabled()
    before = window.state.window
    qtbot.keyClick(view, Qt.Key_6)
    assert window.state.window == before


def leave(widget) -> None:
    from PyQt5.QtCore import QEvent
    from PyQt5.QtWidgets import QApplication

    QApplication.sendEvent(widget, QEvent(QEvent.Leave))


def test_r_resets_the_view_under_the_pointer_not_the_focused_one(window, qtbot):
    axial, coronal = window.views["axial"], window.views["coronal"]
    home = {v.view: v.image_rect() for v in (axial, coronal)}
    for view in (coronal, axial):                 # right drag up: zoom in; axial last
        centre = QPoint(view.width() // 2, view.height() // 2)
        drag(view, Qt.RightButton, centre, centre - QPoint(0, 80))
        assert view.image_rect().width() > 1.5 * home[view.view].width()
    assert QApplication_focus() is axial           # the press gave it the keyboard focus
    leave(axial)                                   # the pointer moves over the coronal view
    move_mouse(coronal, QPoint(40, 40))
    zoomed_axial = to_rgb(axial)
    qtbot.keyClick(axial, Qt.Key_R)
    assert coronal.image_rect() == home["coronal"]
    assert axial.image_rect().width() > 1.5 * home["axial"].width()
    assert np.array_equal(to_rgb(axial), zoomed_axial)
    leave(coronal)                                 # the pointer off every view: the focused
    qtbot.keyClick(axial, Qt.Key_R)                # view is reset
    assert axial.image_rect() == home["axial"]


def QApplication_focus():
    from PyQt5.QtWidgets import QApplication

    return QApplication.focusWidget()


# ------------------------------------------------------------------------------ histogram
def ink_runs(columns: np.ndarray, gap: int = 6) -> list[tuple[int, int]]:
    """(first, last) column of each run of inked columns, runs closer than ``gap`` joined."""
    xs = np.nonzero(columns)[0]
    runs = []
    for x in xs:
        if runs and x - runs[-1][1] < gap:
            runs[-1][1] = x
        else:
            runs.append([x, x])
    return [tuple(r) for r in runs]


def test_histogram_axis_labels_are_drawn_whole(window, qtbot, tmp_path):
    """Six labels under the plot, each drawn as wide as its text: "−1000" with its minus
    sign at the left edge, "1500" with its last zero at the right edge."""
    click_tab(window, qtbot, "Histogram")
    plot = window.panels["histogram"].plot
    qtbot.waitUntil(lambda: plot.counts is not None, timeout=5000)
    rgb = to_rgb(plot)
    save(rgb, tmp_path / "histogram.png")
    fm = plot.fontMetrics()
    strip = rgb[plot.height() - fm.height() - 1:, :, :].astype(int)   # the label line
    text_ink = (strip.min(axis=2) > 120).any(axis=0)
    runs = ink_runs(text_ink)
    texts = ["-1000", "-500", "0", "500", "1000", "1500"]
    assert len(runs) == len(texts), runs
    for (a, b), text in zip(runs, texts):
        want = min(fm.tightBoundingRect(t).width()
                   for t in (text, text.replace("-", "\u2212")))
        assert b - a + 1 >= want - 2, (text, a, b, want)
    assert runs[0][0] >= 0 and runs[-1][1] <= plot.width() - 1


# ------------------------------------------------------------------------ loading warnings
def test_one_skipped_file_is_one_loading_warning(window, qtbot, monkeypatch, tmp_path):
    """A clean series and one stray text file: the status bar says "1 loading warning" and
    its list names the file once."""
    from tests.helpers.dicom_factory import random_volume, write

    folder = tmp_path / "series"
    write(random_volume(shape=(8, 20, 24)), folder)
    (folder / "export-log.txt").write_text("exported by the scanner\n")
    open_folder_from_menu(window, qtbot, monkeypatch, folder)
    button = window.loading_notes
    assert button.isVisible() and button.text() == "1 loading warning"
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: button.box is not None and button.box.isVisible(), timeout=3000)
    listed = button.box.informativeText()
    assert listed.count("<li>") == 1 and listed.count("export-log.txt") == 1
    button.box.accept()


# --------------------------------------------------------------------- preset buttons
def test_preset_buttons_are_drawn_in_the_first_paint_after_opening(window, qtbot, monkeypatch,
                                                                     data_dir):
    """The window/level dock rebuilds its buttons for each volume (the series' own window
    adds one): all are there, in place, in the first picture taken when the volume opens."""
    panel = window.panels["window"]
    first = {}

    def grab(_volume):                 # what the first paint after opening shows
        first["visible"] = {n: b.isVisible() for n, b in panel.buttons.items()}
        first["boxes"] = {n: b.geometry() for n, b in panel.buttons.items()}
        first["rgb"] = to_rgb(panel)

    window.volume_opened.connect(grab)
    open_folder_from_menu(window, qtbot, monkeypatch, data_dir.joinpath(*LIDC_SLAB))
    assert list(first["visible"]) == ["Lung", "Mediastinum", "Soft tissue", "Bone", "Brain",
                                      "Series"]
    assert all(first["visible"].values()), first["visible"]
    rgb = first["rgb"]
    background = rgb[-2, -2]
    boxes = list(first["boxes"].values())
    for a in boxes:                    # laid out in a grid: none on top of another
        assert a.width() > 20 and not any(a.intersects(b) for b in boxes if b is not a)
    for name, box in first["boxes"].items():
        inside = rgb[box.top() + 2:box.bottom() - 1, box.left() + 2:box.right() - 1]
        assert (np.abs(inside.astype(int) - background).sum(axis=2) > 30).any(), name


# ------------------------------------------------------------------------ bone threshold
def slider_handle(slider) -> QPoint:
    from PyQt5.QtWidgets import QStyle, QStyleOptionSlider

    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    return slider.style().subControlRect(QStyle.CC_Slider, opt, QStyle.SC_SliderHandle,
                                         slider).center()


def send_mouse(widget, kind, pos: QPoint, buttons) -> None:
    from PyQt5.QtCore import QPointF
    from PyQt5.QtGui import QMouseEvent
    from PyQt5.QtWidgets import QApplication

    which = Qt.NoButton if kind == QMouseEvent.MouseMove else Qt.LeftButton
    QApplication.sendEvent(widget, QMouseEvent(kind, QPointF(pos), QPointF(
        widget.mapToGlobal(pos)), which, buttons, Qt.NoModifier))


def test_bone_threshold_slider_moves_at_most_5_hu_per_pixel_from_100_to_700(window, qtbot):
    """Dragging the handle pixel by pixel: the spin box (what the user reads) moves by at
    most 5 HU per pixel between 100 and 700 HU; the slider still reaches −500 and 2000, and
    the state follows the last value."""
    from PyQt5.QtCore import QEvent

    click_tab(window, qtbot, "Bone threshold")
    control = window.panels["bone"].threshold
    slider, spin = control.slider, control.spin
    qtbot.waitUntil(slider.isVisible, timeout=2000)
    spin.setValue(60)
    start = slider_handle(slider)
    send_mouse(slider, QEvent.MouseButtonPress, start, Qt.LeftButton)
    seen, x = [spin.value()], start.x()
    while spin.value() < 760 and x < slider.width():
        x += 1
        send_mouse(slider, QEvent.MouseMove, QPoint(x, start.y()), Qt.LeftButton)
        seen.append(spin.value())
    send_mouse(slider, QEvent.MouseButtonRelease, QPoint(x, start.y()), Qt.NoButton)
    steps = np.diff(seen)
    fine = [(a, b) for a, b in zip(seen, seen[1:]) if 100 <= a and b <= 700]
    assert seen[-1] >= 700 and len(fine) > 100
    assert (steps >= 0).all()
    assert max(b - a for a, b in fine) <= 5, fine
    qtbot.waitUntil(lambda: window.state.bone.hu == seen[-1], timeout=3000)
    for key, hu in ((Qt.Key_End, 2000), (Qt.Key_Home, -500)):
        qtbot.keyClick(slider, key)
        assert spin.value() == hu
    spin.setValue(437)                        # the spin box for an exact value
    assert slider.value() == 437
    qtbot.waitUntil(lambda: window.state.bone.hu == 437, timeout=3000)


# -------------------------------------------------------------------------- file dialogs
def test_file_dialogs_start_in_the_last_folder_used(window, qtbot, monkeypatch, tmp_path):
    """Each dialog starts where the user last went (File ▸ Open folder, a saved screenshot),
    and a new window (the next start of ctvis) starts there too, not in the launch folder."""
    from PyQt5.QtWidgets import QApplication, QDialog

    from ctvis.gui import screenshot_dialog
    from ctvis.gui.main_window import MainWindow
    from tests.helpers.dicom_factory import random_volume, write

    series, shots = tmp_path / "data" / "series", tmp_path / "shots"
    write(random_volume(shape=(4, 20, 24)), series)
    shots.mkdir()
    starts = []

    def ask(answer):
        def dialog(parent, title, start="", *rest, **kw):
            starts.append(str(start))
            return answer if isinstance(answer, str) else (str(answer[0]), answer[1])
        return dialog

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", ask(str(series)))
    with qtbot.waitSignal(window.volume_opened, timeout=30000):
        qtbot.keyClick(window.views["axial"], Qt.Key_O, Qt.ControlModifier)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", ask(("", "")))     # cancelled
    qtbot.keyClick(window.views["axial"], Qt.Key_O, Qt.ControlModifier | Qt.ShiftModifier)
    assert starts[-1] == str(series.resolve())
    # Ctrl+S: the screenshot options (accepted), then the file dialog.
    monkeypatch.setattr(screenshot_dialog.ScreenshotDialog, "exec_", lambda self: QDialog.Accepted)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask((shots / "a.png", "PNG")))
    qtbot.keyClick(window.views["axial"], Qt.Key_S, Qt.ControlModifier)
    assert starts[-1] == str(series.resolve() / "ctvis.png")
    qtbot.waitUntil(lambda: (shots / "a.png").exists(), timeout=10000)
    second = MainWindow(defer_3d=True)                       # the next start of ctvis
    qtbot.addWidget(second)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", ask(""))
    second.open_dialog()
    assert starts[-1] == str(shots.resolve())
    assert str(tmp_path) not in os.getcwd()
    QApplication.processEvents()


# ------------------------------------------------------------------------ series chooser
def test_series_chooser_tells_two_series_of_one_folder_apart(window, qtbot, monkeypatch,
                                                             tmp_path):
    """Two series with the same description, modality, size and image count (a PET-CT's
    two CT series): each row shows its series number, image type, slice spacing, z range
    and a thumbnail of its middle slice, so the rows differ; the one clicked opens."""
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QApplication

    from ctvis.core.phantom import make_phantom
    from ctvis.core.volume import Volume
    from tests.helpers.dicom_factory import edit, write

    chest = make_phantom(shape=(40, 96, 96)).volume
    folder = tmp_path / "PET-CT"
    thin = Volume(chest.array[10:30], (2.0, *chest.spacing[1:]), (0.0, 0.0, -20.0))
    thick = Volume(chest.array[::2][:20], (5.0, *chest.spacing[1:]), (0.0, 0.0, -150.0))
    write(thin, folder / "a", description="PET-CT SERIES")
    for n, path in enumerate(write(thick, folder / "b", description="PET-CT SERIES")):
        edit(path, SeriesNumber=3, ImageType=["DERIVED", "SECONDARY", "AXIAL"])
    seen = {}

    def look_and_choose():
        dialog = QApplication.activeModalWidget()
        if dialog is None or not hasattr(dialog, "table"):
            QTimer.singleShot(50, look_and_choose)
            return
        try:
            look(dialog)
        finally:
            if dialog.isVisible():            # whatever went wrong, never hang on exec_()
                dialog.reject()

    def look(dialog):
        table = dialog.table
        seen["rows"] = [[table.item(r, c).text() for c in range(1, table.columnCount() - 1)]
                        for r in range(table.rowCount())]
        seen["icons"] = [not table.item(r, 0).icon().isNull() for r in range(table.rowCount())]
        seen["shot"] = to_rgb(dialog)
        table.clearSelection()                 # thumbnails as drawn in an unselected row
        plain = to_rgb(dialog)
        seen["thumbs"] = []
        for r in range(table.rowCount()):
            cell = table.visualRect(table.model().index(r, 0))
            corner = table.viewport().mapTo(dialog, cell.topLeft())
            seen["thumbs"].append(plain[corner.y():corner.y() + cell.height(),
                                               corner.x():corner.x() + cell.width()])
        thick_row = next(r for r, row in enumerate(seen["rows"]) if row[0] == "3")
        index = table.model().index(thick_row, 2)
        table.scrollTo(index)
        rect = table.visualRect(index)
        qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=rect.center())
        from PyQt5.QtWidgets import QDialogButtonBox

        box = dialog.findChild(QDialogButtonBox)
        qtbot.mouseClick(box.button(QDialogButtonBox.Open), Qt.LeftButton)

    QTimer.singleShot(0, look_and_choose)
    open_folder_from_menu(window, qtbot, monkeypatch, folder)
    save(seen["shot"], tmp_path / "series_chooser.png")
    rows = sorted(seen["rows"])
    assert rows[0] != rows[1]
    number, description, image_type, kind, images, size, spacing, z_range = zip(*rows)
    assert number == ("1", "3") and description == ("PET-CT SERIES", "PET-CT SERIES")
    assert image_type == ("ORIGINAL\\PRIMARY\\AXIAL", "DERIVED\\SECONDARY\\AXIAL")
    assert kind == ("original axial", "derived axial")
    assert images == ("20", "20") and size == ("96×96", "96×96")
    assert spacing == ("2 mm", "5 mm")
    assert z_range == ("-20.0 … 18.0 mm", "-150.0 … -55.0 mm")
    assert all(seen["icons"])
    for thumb in seen["thumbs"]:            # drawn, full size: a chest, dark lungs and air
        assert thumb.shape[1] >= 64         # in a white cell
        grey = thumb.astype(int).mean(axis=2)
        assert (grey < 100).sum() > 1000 and ((grey > 200) & (grey < 250)).sum() > 20
    assert window.volume.spacing[0] == pytest.approx(5.0)       # the one clicked


def test_series_chooser_selects_the_original_axial_not_a_reformat_with_more_images(
        window, qtbot, monkeypatch, tmp_path):
    """Issue 20, item 5: a PET-CT folder's axial CT (20 images), a coronal reformat (40,
    DERIVED\\SECONDARY\\REFORMATTED) and a one-image localizer: the chooser lists all
    three with what each is, the axial CT first and selected, and Open loads it."""
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QApplication, QDialogButtonBox

    from ctvis.core.io.dicom_scan import scan
    from ctvis.core.phantom import make_phantom
    from ctvis.core.volume import Volume
    from ctvis.gui.series_chooser import KIND, first_series
    from tests.helpers.dicom_factory import edit, write

    chest = make_phantom(shape=(40, 96, 96)).volume
    folder = tmp_path / "PET-CT"
    axial = Volume(chest.array[10:30], (2.0, *chest.spacing[1:]), (0.0, 0.0, -20.0))
    coronal_dir = np.column_stack([[1, 0, 0], [0, 0, -1], [0, 1, 0]]).astype(float)
    planes = np.ascontiguousarray(axial.array[::-1, ::2].transpose(1, 0, 2)[:40])
    coronal = Volume(planes, (2 * chest.spacing[1], 2.0, chest.spacing[2]),
                     (0.0, 0.0, 18.0), coronal_dir)
    write(axial, folder / "ct", series_uid="1.2.826.0.1.20.5.1")
    for path in write(coronal, folder / "cor", series_uid="1.2.826.0.1.20.5.2"):
        edit(path, SeriesNumber=601, SeriesDescription="",
             ImageType=["DERIVED", "SECONDARY", "REFORMATTED"])
    for path in write(Volume(planes[:1], coronal.spacing, coronal.origin, coronal_dir),
                      folder / "scout", series_uid="1.2.826.0.1.20.5.3"):
        edit(path, SeriesNumber=2, ImageType=["ORIGINAL", "PRIMARY", "LOCALIZER"])
    assert first_series(None, folder, scan(folder).series) == "1.2.826.0.1.20.5.1"
    seen = {}

    def look_and_open():
        dialog = QApplication.activeModalWidget()
        if dialog is None or not hasattr(dialog, "table"):
            QTimer.singleShot(50, look_and_open)
            return
        try:
            table = dialog.table
            seen["kinds"] = [table.item(r, KIND).text() for r in range(table.rowCount())]
            seen["uids"] = [table.item(r, table.columnCount() - 1).text()
                            for r in range(table.rowCount())]
            seen["selected"] = [i.row() for i in table.selectionModel().selectedRows()]
            seen["title"] = dialog.title.text()
            seen["shot"] = to_rgb(dialog)
            box = dialog.findChild(QDialogButtonBox)
            qtbot.mouseClick(box.button(QDialogButtonBox.Open), Qt.LeftButton)
        finally:
            if dialog.isVisible():            # whatever went wrong, never hang on exec_()
                dialog.reject()

    QTimer.singleShot(0, look_and_open)
    open_folder_from_menu(window, qtbot, monkeypatch, folder)
    save(seen["shot"], tmp_path / "series_chooser_default.png")
    assert seen["uids"] == ["1.2.826.0.1.20.5.1", "1.2.826.0.1.20.5.2", "1.2.826.0.1.20.5.3"]
    assert seen["kinds"] == ["original axial", "derived coronal reformat", "localizer"]
    assert seen["selected"] == [0]
    assert "the first is the default" in seen["title"]
    assert window.volume.shape == (20, 96, 96)                  # the default, as selected
    np.testing.assert_allclose(window.volume.direction, np.eye(3), atol=1e-6)


# ------------------------------------------------------------------------------- 192 dpi
SCALED_SCRIPT = r"""
import json, sys
from PyQt5.QtCore import QEventLoop, QTimer
from PyQt5.QtWidgets import QAbstractButton, QApplication, QLabel
app = QApplication(sys.argv[:1])
from ctvis.core.phantom import make_phantom
from ctvis.gui.main_window import MainWindow
from ctvis.gui.widgets import ElidedLabel
win = MainWindow(make_phantom(shape=(40, 96, 96)).volume, defer_3d=True)
win.fit_to_screen()
win.show()
loop = QEventLoop(); QTimer.singleShot(500, loop.quit); loop.exec_()
screen = win.screen().availableGeometry()
frame = win.frameGeometry()
clipped = []
for key, dock in win.docks.items():
    panel = dock.widget()
    for w in panel.findChildren(QLabel) + panel.findChildren(QAbstractButton):
        if not w.isVisible() or isinstance(w, ElidedLabel) or not w.text():
            continue
        hint = w.minimumSizeHint() if isinstance(w, QLabel) and w.wordWrap() else w.sizeHint()
        if w.width() < hint.width() or w.height() < hint.height():
            clipped.append(f"{key}: {type(w).__name__} {w.text()!r} {w.width()}x{w.height()}"
                           f" < {hint.width()}x{hint.height()}")
win.grab().save(sys.argv[1])
print(json.dumps({"ratio": win.devicePixelRatioF(), "clipped": clipped,
                  "screen": [screen.width(), screen.height()],
                  "window": [frame.width(), frame.height()],
                  "bottom": win.mapToGlobal(win.statusBar().geometry().bottomRight()).y()}))
win.close()
"""


def test_at_192_dpi_the_window_fits_the_screen_and_no_dock_text_is_clipped(tmp_path):
    """QT_SCALE_FACTOR=2 on a 2560×1440 screen (1280×720 logical): the window fits, its
    status bar is on the screen, and every dock label and button gets its whole text (a
    dock too short for its panel scrolls instead of pushing the window off the screen)."""
    import json
    import subprocess
    import sys

    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run not installed")
    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="xcb")
    shot = tmp_path / "scaled.png"
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 2560x1440x24", sys.executable, "-c",
         SCALED_SCRIPT, str(shot)], env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["ratio"] == 2 and found["screen"] == [1280, 720]
    assert found["window"][0] <= 1280 and found["window"][1] <= 720, found
    assert found["bottom"] < 720
    assert found["clipped"] == []
