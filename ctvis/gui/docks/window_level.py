"""Window/level: preset buttons (resources/ and the series' own) and centre/width controls."""
from __future__ import annotations

from PyQt5.QtWidgets import QGridLayout, QPushButton, QVBoxLayout, QWidget

from ctvis.model.state import Window
from ctvis.core.presets import window_presets
from ctvis.gui.docks.common import SliderSpin
from ctvis.gui.subscriptions import subscriptions

CENTER_RANGE = (-1500, 3000)
WIDTH_RANGE = (1, 5000)
COLUMNS = 3


class WindowLevelPanel(QWidget):
    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.buttons: dict[str, QPushButton] = {}
        self._grid = QGridLayout()
        self.center = SliderSpin("Level", *CENTER_RANGE, " HU")
        self.width = SliderSpin("Width", *WIDTH_RANGE, " HU")
        lay = QVBoxLayout(self)
        lay.addLayout(self._grid)
        lay.addWidget(self.center)
        lay.addWidget(self.width)
        lay.addStretch(1)
        self.center.changed.connect(self._edited)
        self.width.changed.connect(self._edited)
        self._subs = subscriptions(self)
        self._subs.connect_events(state.events, {"volume": self._build_buttons,
                                                 "window": self._show})
        self._build_buttons(state.volume)
        self._show(state.window)

    def disconnect_state(self) -> None:
        self._subs.disconnect_all()

    def _build_buttons(self, volume) -> None:
        """One button per preset; the series' own appears when the volume carries one."""
        for button in self.buttons.values():
            self._grid.removeWidget(button)
            button.hide()            # now: deletion waits for the event loop, and until then
            button.deleteLater()     # the old buttons were drawn over the new ones
        self.buttons = {}
        for n, preset in enumerate(window_presets(volume)):
            button = QPushButton(preset.name)
            button.setCheckable(True)
            button.setToolTip(f"level {preset.center:g} HU, width {preset.width:g} HU")
            button.clicked.connect(lambda _=False, name=preset.name: self.state.apply_preset(name))
            self._grid.addWidget(button, n // COLUMNS, n % COLUMNS)
            if self.isVisible():       # now: Qt shows a widget added to a shown layout by a
                button.show()          # queued call, and the first paint after opening (a
                                       # --screenshot, a grab) had no buttons at all
            self.buttons[preset.name] = button
        if self.isVisible():
            self.layout().activate()       # in their grid cells now, not at (0, 0)
        self._show(self.state.window)

    def _show(self, window) -> None:
        self.center.set_value(window.center)
        self.width.set_value(window.width)
        for name, button in self.buttons.items():
            button.setChecked(name == window.preset)

    def _edited(self, _value) -> None:
        self.state.window = Window(self.center.value(), max(1, self.width.value()))
