"""Memory that comes back (issue 25, item 2): opening another volume in the window frees the
last one with everything made from it (its lungs, the report's states, the workers' tasks)."""
from __future__ import annotations

import gc
import weakref

import numpy as np
from PyQt5.QtCore import Qt

from ctvis.core.io.nifti_nrrd import write_nifti
from ctvis.gui import report_dialog
from ctvis.gui.worker import Task
from ctvis.model import state as state_module
from ctvis.model.labelmap import LabelMap, Segment
from ctvis.model.state import LUNGS
from tests.gui.conftest import wait_task


def test_a_finished_task_is_freed_with_what_it_was_given(qtbot):
    data = np.zeros(1000)
    seen = weakref.ref(data)
    task = Task(lambda array, progress=None, cancel=None: float(array.sum()), data)
    got = []
    task.signals.finished.connect(got.append)       # a slot holding nothing of the task
    task.signals.finished.connect(lambda result, t=task: got.append(t.fn))   # holding it
    ref = weakref.ref(task)
    with qtbot.waitSignal(task.signals.finished, timeout=10000):
        task.start()
    del task, data
    qtbot.waitUntil(lambda: (gc.collect(), ref() is None)[1], timeout=5000)
    assert seen() is None
    assert len(got) == 2


def _open(window, qtbot, path):
    with qtbot.waitSignal(window.volume_opened, timeout=60000) as opened:
        window.open_path(str(path))
    return opened.args[0]


def test_opening_another_volume_frees_the_last_one(phantom_window, phantom, qtbot, tmp_path,
                                                   monkeypatch):
    window = phantom_window
    path = write_nifti(phantom.volume, tmp_path / "ct.nii.gz")
    first = _open(window, qtbot, path)
    refs = {"volume": weakref.ref(first), "array": weakref.ref(first.array)}
    del first
    # A label map of the user's besides the lungs (the report draws and lists it too).
    tumour = np.zeros(phantom.volume.shape, np.uint8)
    tumour[18:22, 40:46, 30:36] = 1
    window.state.set_overlay("tumour", labels=LabelMap(tumour, (Segment("nodule", 1,
                                                                        (255, 0, 0)),), "tumour"))
    refs["tumour"] = weakref.ref(window.state.overlays["tumour"].labelmap)
    del tumour
    qtbot.keyClick(window, Qt.Key_L, Qt.ControlModifier)           # Tools ▸ Segment lungs
    qtbot.waitUntil(lambda: LUNGS in window.state.overlays
                    and window.panels["lungs"].task is None, timeout=60000)
    refs["lungs"] = weakref.ref(window.state.overlays[LUNGS].labelmap)
    refs["lung labels"] = weakref.ref(window.state.overlays[LUNGS].labels)
    made = []
    init = state_module.ViewerState.__init__

    def tracked(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(weakref.ref(self))
    monkeypatch.setattr(state_module.ViewerState, "__init__", tracked)
    task = report_dialog.export_report_dialog(window, tmp_path / "r.html", with_pdf=False)
    refs["report task"] = weakref.ref(task)
    wait_task(qtbot, task, timeout=120000)
    del task
    assert (tmp_path / "r.html").stat().st_size > 10000
    # The report's states went when it was written, though the window still shows the label
    # maps they showed.
    qtbot.wait(100)
    gc.collect()
    assert len(made) >= 3 and [ref() for ref in made] == [None] * len(made)
    window.saved_mark = type(window.saved_mark)(window.state)     # nothing to ask about
    second = _open(window, qtbot, path)
    assert second is window.state.volume
    del second

    def freed():
        gc.collect()
        return all(ref() is None for ref in refs.values())
    qtbot.wait(100)
    if not freed():
        qtbot.waitUntil(freed, timeout=5000)


def test_the_window_gives_memory_back_after_a_task_and_a_new_volume(phantom_window, qtbot,
                                                                    monkeypatch):
    from types import SimpleNamespace

    from ctvis.core.phantom import make_phantom
    from ctvis.gui import memory

    done = []
    monkeypatch.setattr(memory.heap, "trim", lambda: done.append("trim") or True)
    monkeypatch.setattr(memory, "gc", SimpleNamespace(collect=lambda: done.append("collect")))
    qtbot.wait(2 * memory.DELAY_MS)              # what the window's start asked for
    done.clear()
    task = Task(lambda progress=None, cancel=None: 1)
    with qtbot.waitSignal(task.signals.finished, timeout=10000):
        task.start()
    qtbot.waitUntil(lambda: done == ["trim"], timeout=5000)
    phantom_window.set_volume(make_phantom(shape=(20, 48, 48)).volume)
    qtbot.waitUntil(lambda: done == ["trim", "collect", "trim"], timeout=5000)


def test_a_closed_dialog_leaves_nothing_behind(phantom_window, phantom, qtbot):
    """The screenshot, movie, export-segments and series dialogs are children of the window:
    each closed one stayed (with what it showed) until the window went."""
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QApplication, QDialog

    from ctvis.gui import (export_segments_dialog, movie_dialog, screenshot_dialog,
                           series_chooser)

    window = phantom_window
    window.state.set_overlay(LUNGS, labels=phantom.lungs.astype(np.uint8))
    openers = {
        "screenshot": lambda: screenshot_dialog.screenshot_dialog(window),
        "movie": lambda: movie_dialog.save_movie_dialog(window),
        "export segments": lambda: export_segments_dialog.export_segments_dialog(window),
        "series": lambda: series_chooser.choose_series(
            window, "/data/two", [{"uid": "1.2.3", "description": "one"},
                                  {"uid": "1.2.4", "description": "two"}]),
    }
    for name, opener in openers.items():
        shown = []

        def escape():                            # the user closes the dialog
            dialog = QApplication.activeModalWidget()
            shown.append(type(dialog).__name__)
            dialog.reject()
        QTimer.singleShot(300, escape)
        assert opener() is None, name
        assert shown and shown[0] != "NoneType", name
        qtbot.wait(20)
        left = [type(d).__name__ for d in window.findChildren(QDialog)]
        assert left == [], (name, left)
