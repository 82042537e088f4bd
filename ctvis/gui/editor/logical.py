"""Logical operators: the active segment becomes a copy of, or is added to, subtracted by,
intersected with another segment (of any map), or is cleared."""
from __future__ import annotations

from PyQt5.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QWidget

from ctvis.core.editing.logical import OPERATIONS, logical
from ctvis.gui.docks.common import blocked
from ctvis.gui.editor.base import Tool
from ctvis.gui.subscriptions import subscriptions


class LogicalTool(Tool):
    name, title, key = "logical", "Logical operators", "O"
    tip = "Copy, add, subtract, intersect with another segment, or clear the segment"

    def __init__(self, editor, parent=None):
        super().__init__(editor, parent)
        self.operation = "add"
        self.modifier: tuple[str, int] | None = None      # (overlay name, value)
        self._keys: list = []                             # the modifier list's rows

    def apply(self) -> None:
        target = self.target()
        if target is None:
            return
        labelmap, value = target
        modifier = None
        if self.operation != "clear":
            overlay = self.editor.state.overlays.get((self.modifier or ("", 0))[0])
            if overlay is None or overlay.labelmap is None \
                    or overlay.labelmap.segment(self.modifier[1]) is None:
                self.message.emit("Logical operators: choose the other segment first.")
                return
            modifier = overlay.labelmap.array == self.modifier[1]
        patch = logical(self.operation, labelmap.array == value, modifier)
        self.editor.replace(patch, self.operation, target)

    def make_options(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(QLabel(self.tip, wordWrap=True))
        self.operation_box = QComboBox()
        self.operation_box.addItems(OPERATIONS)
        self.operation_box.setCurrentText(self.operation)
        self.operation_box.currentTextChanged.connect(lambda t: setattr(self, "operation", t))
        self.modifier_box = QComboBox()
        self.modifier_box.currentIndexChanged.connect(self._modifier_chosen)
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(lambda: self.apply())
        form.addRow("Operation", self.operation_box)
        form.addRow("With", self.modifier_box)
        form.addRow(self.apply_button)
        state = self.editor.state
        self._subs = subscriptions(box)
        self._subs.connect_events(state.events, {"overlays": lambda _o: self._list(),
                                                 "active_segment": lambda _k: self._list()})
        self._list()
        return box

    def disconnect_state(self) -> None:
        if self._options is not None:
            self._subs.disconnect_all()

    def _list(self) -> None:
        """Every segment but the active one, as "name (map)"."""
        state = self.editor.state
        keys = [(name, s.value) for name, o in state.overlays.items() for s in o.segments
                if (name, s.value) != state.active_segment]
        self._keys = keys
        with blocked(self.modifier_box):
            self.modifier_box.clear()
            for name, value in keys:
                row = state.overlays[name].labelmap.segment(value)
                self.modifier_box.addItem(f"{row.name} ({name})")
            index = keys.index(self.modifier) if self.modifier in keys else 0
            self.modifier_box.setCurrentIndex(index if keys else -1)
        self.modifier = keys[index] if keys else None

    def _modifier_chosen(self, index: int) -> None:
        self.modifier = self._keys[index] if 0 <= index < len(self._keys) else None
