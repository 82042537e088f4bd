"""The main window: four views on one ViewerState, dock panels, menus, opening files.

Everything shown is read from ``self.state``; menus, docks and views change the state and the
others follow its events.  Opening runs on a worker thread; the shown volume stays until the
new one has loaded, and a failure becomes a dialog with the core's message.
"""
from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QSettings, Qt, pyqtSignal
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (QAction, QActionGroup, QApplication, QDockWidget, QFrame,
                             QLabel, QMainWindow, QMessageBox, QProgressDialog, QScrollArea)

from ctvis.app import pipeline
from ctvis.app.notes import loading_notes
from ctvis.model.editor import Editor
from ctvis.model.state import LUNGS, Source, ViewerState
from ctvis.core.image.slicing import VIEWS
from ctvis.core.io.archive import SUFFIXES as ARCHIVE_SUFFIXES
from ctvis.core.io.archive import is_archive, unpacked
from ctvis.core.io.dispatch import MASK_FORMATS
from ctvis.core import heap
from ctvis.core.presets import SERIES_PRESET, window_presets
from ctvis.gui import (export_segments_dialog, file_dialogs, open_segments_dialog,
                       report_dialog, screenshot_dialog, series_chooser, session_dialogs,
                       unsaved_prompt)
from ctvis.gui import memory, movie_dialog
from ctvis.gui.cine import Cine
from ctvis.gui.docks.bone import BonePanel
from ctvis.gui.docks.dicom_info import DicomInfoPanel
from ctvis.gui.docks.histogram import HistogramPanel
from ctvis.gui.docks.lungs import LungsPanel
from ctvis.gui.docks.segments import SegmentsPanel
from ctvis.gui.docks.window_level import WindowLevelPanel
from ctvis.gui.editor.controller import EditorTools
from ctvis.gui.editor.tools import shortcut_rows
from ctvis.gui.markup_tools import MarkupTools
from ctvis.gui.loading_notes import LoadingNotesButton
from ctvis.gui.screenshot import window_image
from ctvis.gui.slice_annotations import series_name as describe
from ctvis.gui.slice_view import SliceView
from ctvis.gui.subscriptions import subscriptions
from ctvis.gui.view_display import ViewDisplayControls
from ctvis.gui.view_layout import ViewLayout
from ctvis.gui.worker import Task, task_pool

RECENT_KEY, RECENT_MAX = "recent_files", 8
# A load that ends within this shows no progress dialog.  Shown, the modal QProgressDialog
# (painted, and processing events at every step) made a 640-slice load 0.3-0.4 s slower
# (docs/performance.md#thin-slice-chests).
OPEN_DIALOG_MS = 1500
_OPEN_FORMATS = [(f.name, f.suffixes) for f in MASK_FORMATS] + [
    ("DICOM file", (".dcm", ".ima", "")), ("Archive of a study", ARCHIVE_SUFFIXES)]
OPEN_FILTERS = file_dialogs.name_filters(
    [("CT images", tuple(s for _, suffixes in _OPEN_FORMATS for s in suffixes))] + _OPEN_FORMATS)
LAYOUT_ACTIONS = (("four-up", "&Four-up", "Ctrl+1"), ("one-by-three", "&One row of three + 3D",
                  "Ctrl+2"), ("axial", "&Axial only", "Ctrl+3"),
                  ("sagittal", "&Sagittal only", "Ctrl+4"), ("coronal", "&Coronal only",
                                                             "Ctrl+5"),
                  ("3d", "3&D only", "Ctrl+6"))
SHORTCUTS_HELP = """<table>
<tr><td><b>Wheel, ↑/↓, PageUp/PageDown</b></td><td>next / previous slice</td></tr>
<tr><td><b>Home / End</b></td><td>first / last slice</td></tr>
<tr><td><b>Left click</b></td><td>move the crosshair (all views follow)</td></tr>
<tr><td><b>Left drag</b></td><td>window (→ wider) and level (↓ higher)</td></tr>
<tr><td><b>Right drag, Ctrl+wheel</b></td><td>zoom</td></tr>
<tr><td><b>Middle drag</b></td><td>pan</td></tr>
<tr><td><b>Double click</b></td><td>maximise the view / back</td></tr>
<tr><td><b>R</b>, <b>Ctrl+R</b></td><td>reset the view under the pointer / all views</td></tr>
<tr><td><b>1 … 6</b></td><td>window presets (Lung, Mediastinum, …, 6 = the series' own)</td></tr>
<tr><td><b>Ctrl+1 … Ctrl+6</b></td><td>layouts</td></tr>
<tr><td><b>Ctrl+L</b></td><td>segment the lungs; <b>L</b> shows/hides their overlay</td></tr>
<tr><td><b>B</b></td><td>show/hide the bone overlay</td></tr>
<tr><td><b>Ctrl+O / Ctrl+Shift+O</b></td><td>open a DICOM folder / a file</td></tr>
<tr><td><b>Ctrl+S</b></td><td>save a screenshot (a view or the layout, 1–4×)</td></tr>
<tr><td><b>Ctrl+Shift+S / Ctrl+Shift+L</b></td><td>save / open a session</td></tr>
<tr><td><b>Ctrl+P</b></td><td>export the lung report (HTML + PDF)</td></tr>
""" + ViewDisplayControls.shortcut_rows() + """
<tr><td><b>K</b></td><td>cine: play / pause the slices of the view under the pointer</td></tr>
<tr><td><b>Ctrl+Shift+M</b></td><td>save a movie (slice sweep or 3D turn, MP4 or GIF)</td></tr>
""" + shortcut_rows() + MarkupTools.shortcut_rows() + "</table>"


def open_or_list(path, series_uid=None, progress=None, cancel=None):
    """The volume at ``path``, or the list of its series when a folder (or an archive)
    holds several."""
    if path is not None and series_uid is None and (Path(path).is_dir() or is_archive(path)):
        from ctvis.core.io.dicom_scan import scan

        folder = unpacked(path) if is_archive(path) else Path(path)
        found = scan(folder, cancel=cancel).series
        if len(found) > 1:
            for series in found:       # what tells them apart, thumbnails read here, not
                series.summary = series_chooser.summarise(series)    # on the GUI thread
            return found
    return pipeline.open_volume(path, series_uid=series_uid, progress=progress, cancel=cancel)


def _scrolling(panel) -> QScrollArea:
    """A dock's panel in a frameless scroll area: on a small or high-dpi screen
    (QT_SCALE_FACTOR=2) the docks' heights no longer add up to a window taller than the
    screen, whose bottom docks and status bar were cut off; a panel that does not fit
    scrolls, its text is never clipped."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
    return area


class MainWindow(QMainWindow):
    volume_opened = pyqtSignal(object)     # after a volume from open_path is shown
    open_failed = pyqtSignal(str)          # the message (already shown unless quiet)

    def __init__(self, volume=None, state: ViewerState | None = None, defer_3d: bool = False,
                 parent=None):
        """``defer_3d``: start with a placeholder in the 3D pane and build the 3D view with
        :meth:`ensure_3d` (importing VTK takes about half the start-up time)."""
        super().__init__(parent)
        heap.map_large_blocks()             # freed slices and masks go back to the system
        self.state = state or ViewerState()
        self.quiet_errors = False           # True: errors go to stderr (scripts), no dialog
        self.choose_series = series_chooser.choose_series
        self._task: Task | None = None      # the load in progress, if any
        self.views = {name: SliceView(self.state, name) for name in VIEWS}
        self.view3d = None
        placeholder = QLabel("3D view loading…", alignment=Qt.AlignCenter)
        placeholder.setStyleSheet("background: black; color: grey;")
        self.layout_widget = ViewLayout(self.state, {**self.views, "3d": placeholder})
        self.setCentralWidget(self.layout_widget)
        self._hover = QLabel()
        self._info = QLabel()
        self.loading_notes = LoadingNotesButton()
        self.statusBar().addWidget(self._hover, 1)
        self.statusBar().addPermanentWidget(self.loading_notes)
        self.statusBar().addPermanentWidget(self._info)
        for view in self.views.values():
            view.hovered.connect(self._hover.setText)
        self.editor = Editor(self.state)    # the segment editor and its one undo history
        self._build_docks()
        self.editor_tools = EditorTools(self, self.editor)
        self.markup_tools = MarkupTools(self)   # Tools ▸ Markups, the Markups dock
        self._build_menus()
        self.setAcceptDrops(True)
        self.setWindowTitle("ctvis")
        self._subs = subscriptions(self)
        self._subs.connect_events(self.state.events, {"volume": self._on_volume,
                                                      "layout": self._on_layout})
        self._on_layout(self.state.layout)
        unsaved_prompt.track(self)          # label map edits since the last session save
        if not defer_3d:
            self.ensure_3d()
        if volume is not None:
            self.set_volume(volume)

    # ------------------------------------------------------------------ build
    def ensure_3d(self) -> None:
        """Build the 3D pane if it is not there yet."""
        if self.view3d is not None or getattr(self, "_closed", False):
            return
        from ctvis.gui.view3d import View3DWidget

        self.view3d = View3DWidget(self.state)
        self.layout_widget.set_pane("3d", self.view3d)

    def _build_docks(self) -> None:
        self.panels = {"window": WindowLevelPanel(self.state), "bone": BonePanel(self.state),
                       "lungs": LungsPanel(self.state),
                       "segments": SegmentsPanel(self.state, self.editor.history),
                       "histogram": HistogramPanel(self.state),
                       "dicom": DicomInfoPanel(self.state)}
        titles = {"window": "Window/Level", "bone": "Bone threshold", "lungs": "Lungs",
                  "segments": "Segments", "histogram": "Histogram",
                  "dicom": "DICOM information"}
        self.docks = {}
        for key, panel in self.panels.items():
            dock = QDockWidget(titles[key], self)
            dock.setObjectName(f"dock-{key}")
            dock.setWidget(_scrolling(panel))
            self.addDockWidget(Qt.RightDockWidgetArea, dock)
            self.docks[key] = dock
        self.tabifyDockWidget(self.docks["lungs"], self.docks["bone"])
        self.tabifyDockWidget(self.docks["lungs"], self.docks["segments"])
        self.tabifyDockWidget(self.docks["histogram"], self.docks["dicom"])
        self.docks["lungs"].raise_()
        self.docks["histogram"].raise_()
        for key in ("lungs", "segments"):
            self.panels[key].message.connect(
                lambda text: self.statusBar().showMessage(text, 8000))

    def _action(self, menu, text, slot, shortcut=None, checkable=False) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self.open_action = self._action(file, "&Open DICOM folder…", self.open_dialog,
                                        QKeySequence.Open)
        self._action(file, "Open &file (NIfTI, NRRD, MetaImage, DICOM)…", self.open_file_dialog,
                     "Ctrl+Shift+O")
        self._action(file, "Open &demo phantom", lambda: self.open_path(None), "Ctrl+D")
        self._action(file, "Open segmen&ts (NIfTI, NRRD, MetaImage, DICOM SEG, RTSTRUCT)…",
                     lambda: open_segments_dialog.open_segments_dialog(self))
        self.recent_menu = file.addMenu("&Recent files")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file.addSeparator()
        self._action(file, "Open &session…", lambda: session_dialogs.open_session_dialog(self),
                     "Ctrl+Shift+L")
        self._action(file, "Sa&ve session…", lambda: session_dialogs.save_session_dialog(self),
                     "Ctrl+Shift+S")
        file.addSeparator()
        self._action(file, "&Save screenshot…", lambda: screenshot_dialog.screenshot_dialog(self),
                     "Ctrl+S")
        self._action(file, "Save &window as shown…", lambda: self.save_screenshot(),
                     "Ctrl+Alt+S")
        self._action(file, "Save mo&vie (MP4, GIF)…",
                     lambda: movie_dialog.save_movie_dialog(self), "Ctrl+Shift+M")
        lungs = self.panels["lungs"]
        self._action(file, "Export lung &mask…", lungs.export_mask, "Ctrl+E")
        self._action(file, "Export lung m&esh…", lungs.export_mesh, "Ctrl+Shift+E")
        self._action(file, "Export se&gments (label map, meshes, volumes)…",
                     lambda: export_segments_dialog.export_segments_dialog(self))
        markups = self.panels["markups"]
        self._action(file, "Open mar&kups (3D Slicer .mrk.json)…", lambda: markups.open_markups())
        self._action(file, "Save markups (.mrk.json)…", lambda: markups.save_markups())
        self._action(file, "Export &report (HTML + PDF)…",
                     lambda: report_dialog.export_report_dialog(self), "Ctrl+P")
        file.addSeparator()
        self.quit_action = self._action(file, "&Quit", self.close, QKeySequence.Quit)

        self.editor_tools.fill_edit_menu(bar.addMenu("&Edit"))
        view = bar.addMenu("&View")
        group = QActionGroup(self)
        self.layout_actions = {}
        for name, text, key in LAYOUT_ACTIONS:
            action = self._action(view, text, lambda _=False, n=name: setattr(
                self.state, "layout", n), key, checkable=True)
            group.addAction(action)
            self.layout_actions[name] = action
        view.addSeparator()
        self._action(view, "&Reset views", self.reset_views, "Ctrl+R")
        self._action(view, "Reset the view under the &pointer", self.reset_view_under_pointer,
                     "R")
        self.series_text_action = self._action(view, "Show series &text", self._series_text,
                                               "Ctrl+T", checkable=True)
        self.patient_action = self._action(view, "Show &patient identifiers",
                                           self._series_text, checkable=True)
        self.cine = Cine(self)              # View ▸ Cine, K; a play button in the status bar
        self.cine.fill_menu(view.addMenu("&Cine"))
        self.statusBar().addPermanentWidget(self.cine.play_button())
        presets = view.addMenu("Window &presets")
        # The standard presets, then the series' own window ("Series": key 6 after the five
        # of resources/), there for every volume and enabled when the volume carries one.
        names = [p.name for p in window_presets()] + [SERIES_PRESET]
        self.preset_actions = {}
        for n, name in enumerate(names):
            self.preset_actions[name] = self._action(
                presets, name, lambda _=False, p=name: self._apply_preset(p),
                str(n + 1) if n < 9 else None)
        self.preset_actions[SERIES_PRESET].setEnabled(False)
        # Thick slabs and colour maps: each slice view's corner control; Y, [, ], C.
        self.view_display = ViewDisplayControls(self)
        self.view_display.fill_menu(view.addMenu("Slab and co&lour map"))
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())

        tools = bar.addMenu("&Tools")
        self._action(tools, "&Segment lungs", lambda: lungs.run(), "Ctrl+L")
        self._action(tools, "Show/hide &lung overlay", self.toggle_lungs, "L")
        self._action(tools, "Show/hide &bone overlay", self.toggle_bone, "B")
        tools.addAction(self.editor_tools.actions["lesion"])       # Lesion at click (N)
        self.markup_tools.fill_menu(tools.addMenu("&Markups"))

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard and mouse", self.show_shortcuts,
                     QKeySequence.HelpContents)
        self._action(help_menu, "&About ctvis", self.show_about)

    # ------------------------------------------------------------------ state
    def set_volume(self, volume, source: Source | None = None) -> None:
        self.state.source = source or Source()
        self.state.volume = volume

    @property
    def volume(self):
        return self.state.volume

    def _on_volume(self, volume) -> None:
        memory.give_back_soon(collect=True)     # what the last volume held goes back
        if volume is None:
            self.setWindowTitle("ctvis")
            self._info.setText("")
            self.loading_notes.set_notes([])
            return
        notes = loading_notes(volume)
        self.loading_notes.set_notes(notes, self.state.source.path or describe(volume))
        if notes:
            self.statusBar().showMessage(
                f"Opened with {len(notes)} loading warning{'' if len(notes) == 1 else 's'}: "
                f"{notes[0]}", 10000)
        self.setWindowTitle(f"ctvis — {describe(volume, self.state.source.path)}")
        own = any(p.name == SERIES_PRESET for p in window_presets(volume))
        self.preset_actions[SERIES_PRESET].setEnabled(own)
        nz, ny, nx = volume.shape
        dz, dy, dx = volume.spacing
        self._info.setText(f"{nx} × {ny} × {nz} voxels (x × y × z)   "
                           f"spacing {dx:.3g} × {dy:.3g} × {dz:.3g} mm")

    def _on_layout(self, layout: str) -> None:
        self.layout_actions[layout].setChecked(True)

    def _apply_preset(self, name: str) -> None:
        try:
            self.state.apply_preset(name)
        except KeyError:
            self.statusBar().showMessage(f"This volume has no {name} window preset", 5000)

    def view_under_pointer(self) -> SliceView | None:
        """The slice view the mouse is over, else the one with keyboard focus."""
        shown = [v for v in self.views.values() if v.isVisible()]
        under = [v for v in shown if v.pointer is not None]
        if under:
            return max(under, key=lambda v: v.pointer_order)
        focus = QApplication.focusWidget()
        return focus if focus in shown else None

    def reset_view_under_pointer(self) -> None:
        view = self.view_under_pointer()
        if view is not None:
            view.reset_view()

    def reset_views(self) -> None:
        for view in self.views.values():
            view.reset_view()
        self.state.camera = None

    def toggle_lungs(self) -> None:
        overlay = self.state.overlays.get(LUNGS)
        if overlay is not None:
            self.state.set_overlay(LUNGS, visible=not overlay.visible)

    def toggle_bone(self) -> None:
        from dataclasses import replace

        self.state.bone = replace(self.state.bone, visible=not self.state.bone.visible)

    def _series_text(self) -> None:
        for view in self.views.values():
            view.show_series_text = self.series_text_action.isChecked()
            view.show_patient = self.patient_action.isChecked()
            view.update()

    # ---------------------------------------------------------------- opening
    def open_dialog(self) -> None:
        path = file_dialogs.existing_directory(self, "Open DICOM folder")
        if path:
            self.open_path(path)

    def open_file_dialog(self) -> None:
        path, _ = file_dialogs.open_file_name(self, "Open a CT file", OPEN_FILTERS)
        if path:
            self.open_path(path)

    def open_path(self, path, series_uid=None, asked: bool = False) -> Task | None:
        """Open ``path`` (None: the demo phantom) on a worker thread, with a progress dialog.

        A folder with several series asks which one first (``self.choose_series``).  Unsaved
        label map edits are saved or discarded first if the user says so (``asked``: that
        question was answered already); None when the user cancels.
        """
        if not asked and not unsaved_prompt.settle(
                self, "opening another volume", lambda: self.open_path(path, series_uid),
                session_dialogs.save_session_dialog):
            return None
        if self._task is not None:
            self._task.cancel()
        what = "the demo phantom" if path is None else str(path)
        dialog = QProgressDialog(f"Opening {what}", "Cancel", 0, 1000, self)
        dialog.setWindowTitle("ctvis")
        dialog.setWindowModality(Qt.WindowModal)
        dialog.setMinimumDuration(OPEN_DIALOG_MS)  # quick loads never flash a dialog
        dialog.setAutoReset(False)
        dialog.setValue(0)
        task = Task(open_or_list, path, series_uid=series_uid)
        self._task = task

        def done() -> bool:
            dialog.reset()
            dialog.deleteLater()
            current = self._task is task
            if current:
                self._task = None
            return current

        def finished(result) -> None:
            if not done():
                return
            if isinstance(result, list):           # several series: ask, then open one
                uid = self.choose_series(self, path, result)
                if uid:
                    self.open_path(path, uid, asked=True)
                return
            uid = result.meta.get("series_uid") or series_uid
            self.set_volume(result, Source(None if path is None else str(path), uid))
            if path is not None:
                self.add_recent(str(path))
                file_dialogs.remember(path)         # the next dialog starts there
            self.volume_opened.emit(result)

        def failed(message: str) -> None:
            if done():
                self.show_error("Could not open", message)
                self.open_failed.emit(message)

        task.signals.progress.connect(
            lambda f, msg: (dialog.setValue(int(1000 * f)), dialog.setLabelText(msg)))
        task.signals.finished.connect(finished)
        task.signals.failed.connect(failed)
        task.signals.cancelled.connect(lambda: done() and self.statusBar().showMessage(
            f"Opening {what} cancelled", 5000))
        dialog.canceled.connect(task.cancel)
        return task.start()

    def show_error(self, title: str, message: str) -> None:
        if self.quiet_errors:
            import sys

            print(f"ctvis: error: {message}", file=sys.stderr)
        else:
            QMessageBox.critical(self, title, message)

    # ------------------------------------------------------------ recent files
    def _settings(self) -> QSettings:
        return QSettings("ctvis", "ctvis")

    def recent_files(self) -> list[str]:
        value = self._settings().value(RECENT_KEY, [])
        return [value] if isinstance(value, str) else list(value or [])

    def add_recent(self, path: str) -> None:
        files = [path] + [p for p in self.recent_files() if p != path]
        self._settings().setValue(RECENT_KEY, files[:RECENT_MAX])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for path in files:
            self.recent_menu.addAction(path, lambda p=path: self.open_path(p))
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)

    # ----------------------------------------------------------- drag and drop
    def dragEnterEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_path(paths[0])

    # ------------------------------------------------------------- screenshot
    def save_screenshot(self, path=None) -> str | None:
        if path is None:
            path, _ = file_dialogs.save_file_name(self, "Save screenshot", "ctvis.png",
                                                  "PNG image (*.png);;JPEG image (*.jpg)")
            if not path:
                return None
        if not window_image(self).save(str(path)):
            self.show_error("Screenshot", f"{path}: could not write the image")
            return None
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return str(path)

    # ------------------------------------------------------------------- help
    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard and mouse", SHORTCUTS_HELP)

    def show_about(self) -> None:
        import ctvis

        QMessageBox.about(self, "About ctvis",
                          f"ctvis {getattr(ctvis, '__version__', '')}<br>Explore chest CT: "
                          "slices, 3D, lungs and bone.")

    # ------------------------------------------------------------------ close
    def fit_to_screen(self) -> None:
        """A size that fits the screen (at most 1600 × 1000), centred on it."""
        screen = (self.screen() or QApplication.primaryScreen()).availableGeometry()
        w = min(1600, int(screen.width() * 0.92))
        h = min(1000, int(screen.height() * 0.92))
        self.resize(w, h)
        self.move(screen.left() + (screen.width() - w) // 2,
                  screen.top() + (screen.height() - h) // 2)

    def closeEvent(self, event) -> None:
        if getattr(self, "_closed", False):
            return super().closeEvent(event)
        if not unsaved_prompt.settle(self, "closing", self.close,
                                     session_dialogs.save_session_dialog):
            event.ignore()                      # Cancel, or Save: closes once saved
            return
        self._closed = True
        if self._task is not None:
            self._task.cancel()
        self.panels["lungs"].cancel()
        self.cine.close()
        # Workers still running would signal into closed widgets.
        task_pool().waitForDone(5000)
        for view in self.views.values():
            view.disconnect_state()
        for panel in self.panels.values():
            panel.disconnect_state()
        self.layout_widget.disconnect_state()
        self.view_display.close()
        self._subs.disconnect_all()
        self.editor_tools.close()
        self.markup_tools.close()
        self.editor.close()
        if self.view3d is not None:
            self.view3d.close()
        super().closeEvent(event)
