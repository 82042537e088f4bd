"""Widgets subscribe to the state through one helper (issue 19, item 5): a view or dock
that is deleted, or the window closed, leaves no slot on the state's signals."""
from __future__ import annotations

from dataclasses import replace

import pytest
from PyQt5.QtCore import QEvent
from PyQt5.QtWidgets import QApplication, QLabel

from ctvis.gui.docks.bone import BonePanel
from ctvis.gui.docks.dicom_info import DicomInfoPanel
from ctvis.gui.docks.histogram import HistogramPanel
from ctvis.gui.docks.lungs import LungsPanel
from ctvis.gui.docks.window_level import WindowLevelPanel
from ctvis.gui.slice_view import SliceView
from ctvis.gui.view_layout import ViewLayout
from ctvis.model.state import ViewerState

pytestmark = [pytest.mark.gui]


def _counts(state) -> dict:
    return {signal.name: len(signal) for signal in state.events}


def _delete(widget) -> None:
    widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)


WIDGETS = {
    "axial view": lambda state: SliceView(state, "axial"),
    "layout and its views": lambda state: ViewLayout(state, {
        **{name: SliceView(state, name) for name in ("axial", "coronal", "sagittal")},
        "3d": QLabel("3D")}),
    "window dock": WindowLevelPanel,
    "bone dock": BonePanel,
    "lungs dock": LungsPanel,
    "histogram dock": HistogramPanel,
    "dicom dock": DicomInfoPanel,
}


@pytest.mark.parametrize("name", WIDGETS)
def test_a_deleted_widget_leaves_no_slot_on_the_state(name, qtbot, phantom):
    state = ViewerState()
    state.volume = phantom.volume
    before = _counts(state)
    widget = WIDGETS[name](state)
    assert _counts(state) != before                  # it listens to something
    _delete(widget)
    assert _counts(state) == before
    state.window = replace(state.window, center=-500.0, width=1200.0)   # no call into the dead
    state.crosshair = (1.0, 2.0, 3.0)


def test_a_closed_3d_view_and_window_leave_no_slot_on_the_state(qtbot, phantom):
    from ctvis.gui.main_window import MainWindow
    from ctvis.gui.view3d import View3DWidget

    state = ViewerState()
    before = _counts(state)
    pane = View3DWidget(state)
    assert _counts(state) != before
    pane.close()
    assert _counts(state) == before
    _delete(pane)
    win = MainWindow(phantom.volume, state=state)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.ensure_3d()
    assert _counts(state) != before
    win.close()
    assert _counts(state) == before
