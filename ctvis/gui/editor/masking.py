"""Masking settings, shared by every tool (as in Slicer): the editable area (everywhere,
inside one segment of the edited map, outside all segments), the editable HU range, and
whether painting may overwrite other segments."""
from __future__ import annotations

from PyQt5.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QSpinBox

from ctvis.core.editing.masking import EVERYWHERE, INSIDE, OUTSIDE, MaskingSettings
from ctvis.gui.docks.common import blocked
from ctvis.gui.subscriptions import subscriptions


class MaskingBox(QGroupBox):
    """Widgets of ``editor.masking``: user edits write a new MaskingSettings."""

    def __init__(self, editor, parent=None):
        super().__init__("Masking", parent)
        self.editor = editor
        self.area = QComboBox()
        self.area.setToolTip("Where tools may write")
        self.hu_check = QCheckBox("HU range")
        self.lo, self.hi = QSpinBox(), QSpinBox()
        for spin, value in ((self.lo, -1000), (self.hi, 0)):
            spin.setRange(-3024, 3071)
            spin.setSuffix(" HU")
            spin.setValue(value)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda _v: self._write())
        self.overwrite = QCheckBox("Overwrite other segments")
        self.overwrite.setToolTip("Off: paint only over background (segments may not be "
                                  "painted over)")
        form = QFormLayout(self)
        form.addRow("Editable area", self.area)
        row = QHBoxLayout()
        for w in (self.hu_check, self.lo, self.hi):
            row.addWidget(w)
        form.addRow(row)
        form.addRow(self.overwrite)
        self.area.currentIndexChanged.connect(lambda _i: self._write())
        self.hu_check.toggled.connect(lambda _on: self._write())
        self.overwrite.toggled.connect(lambda _on: self._write())
        self._subs = subscriptions(self)
        self._subs.connect_events(editor.state.events, {
            "overlays": lambda _o: self._list_areas(),
            "active_segment": lambda _k: self._list_areas()})
        self._subs.connect(editor.events.masking, self._show)
        self._list_areas()
        self._show(editor.masking)

    def disconnect_state(self) -> None:
        self._subs.disconnect_all()

    def _list_areas(self) -> None:
        """Everywhere, outside all segments, inside each segment of the edited map."""
        state = self.editor.state
        row = state.active_row()
        with blocked(self.area):
            current = self.area.currentData()
            self.area.clear()
            self.area.addItem("Everywhere", EVERYWHERE)
            self.area.addItem("Outside all segments", OUTSIDE)
            for s in ([] if row is None else row[0].segments):
                self.area.addItem(f"Inside {s.name}", f"{INSIDE}:{s.value}")
            index = self.area.findData(current)
            self.area.setCurrentIndex(max(index, 0))
        if index < 0 and current is not None:
            self._write()                      # the area's segment went: everywhere

    def _show(self, m: MaskingSettings) -> None:
        with blocked(self.area, self.hu_check, self.lo, self.hi, self.overwrite):
            index = self.area.findData(m.area if m.area != INSIDE else f"{INSIDE}:{m.inside}")
            self.area.setCurrentIndex(max(index, 0))
            self.hu_check.setChecked(m.hu_range is not None)
            if m.hu_range is not None:
                self.lo.setValue(int(m.hu_range[0]))
                self.hi.setValue(int(m.hu_range[1]))
            self.overwrite.setChecked(m.overwrite)
        for spin in (self.lo, self.hi):
            spin.setEnabled(m.hu_range is not None)

    def _write(self) -> None:
        area, _, inside = (self.area.currentData() or EVERYWHERE).partition(":")
        inside = int(inside) if inside else None
        lo, hi = sorted((self.lo.value(), self.hi.value()))
        self.editor.masking = MaskingSettings(
            area, inside, (lo, hi) if self.hu_check.isChecked() else None,
            self.overwrite.isChecked())
        for spin in (self.lo, self.hi):
            spin.setEnabled(self.hu_check.isChecked())
