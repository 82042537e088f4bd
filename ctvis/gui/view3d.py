"""The 3D pane: a pyvistaqt QtInteractor that draws what the ViewerState says (first version:
the volume's outline; volume rendering, isosurfaces and slice planes come next)."""
from __future__ import annotations

from PyQt5.QtWidgets import QVBoxLayout, QWidget
from pyvistaqt import QtInteractor

from ctvis.app.state import ViewerState
from ctvis.render.image_data import image_data


class View3DWidget(QWidget):
    def __init__(self, state: ViewerState, parent=None):
        super().__init__(parent)
        self.state = state
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plotter = QtInteractor(self)
        self.plotter.set_background("black")
        layout.addWidget(self.plotter.interactor)
        state.events.volume.connect(self._on_volume)
        if state.volume is not None:
            self._on_volume(state.volume)

    def _on_volume(self, volume) -> None:
        self.plotter.clear()
        if volume is not None:
            self.plotter.add_mesh(image_data(volume).outline(), color="white")
            self.plotter.reset_camera()

    def close(self) -> bool:
        self.state.events.volume.disconnect(self._on_volume)
        self.plotter.close()
        return super().close()
