"""A picture of the whole window as the user sees it, 3D pane included.

The 3D pane is drawn by OpenGL into its own native window, which ``QWidget.grab`` cannot see,
so the screen's pixels are read back when the window lies fully on the screen; otherwise the
widgets are rendered (the 3D pane then comes out as the last frame VTK left, often black).
"""
from __future__ import annotations

from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QApplication


def window_image(window) -> QImage:
    QApplication.processEvents()
    view3d = getattr(window, "view3d", None)
    plotter = getattr(view3d, "plotter", None)
    if hasattr(view3d, "draw_now"):
        view3d.draw_now()                         # the 3D pane up to date, on screen
    elif plotter is not None and view3d.isVisible():
        plotter.render()                          # the 3D pane's latest frame on screen
    screen = window.screen() or QApplication.primaryScreen()
    frame = window.frameGeometry()
    if screen is not None and screen.geometry().contains(frame):
        shot = screen.grabWindow(window.winId())
        if not shot.isNull():
            return shot.toImage().convertToFormat(QImage.Format_RGB888)
    return window.grab().toImage().convertToFormat(QImage.Format_RGB888)
