"""A picture of the whole window as the user sees it, 3D pane included.

The 3D pane is drawn by OpenGL (VTK renders into its own native child window), so:

* when the window lies fully on the screen, the screen's pixels are read back (the X server
  has the composed window, 3D frame included);
* otherwise the picture is composed: the Qt widgets are rendered with the 3D pane's rectangle
  left out of the region, and the 3D pane's last frame is read from VTK's render window
  (``glReadPixels`` of its display framebuffer, no render) and drawn into that rectangle.

``QWidget.grab``/``render`` is never asked to paint the 3D widget: Qt cannot draw a native
OpenGL window into a pixmap (its paint event would only render VTK's window again, a volume
ray cast of up to seconds on llvmpipe, for a frame that is already there).  (With pyvistaqt's
``QOpenGLWidget`` that grab went through ``grabFramebuffer`` and ``paintGL``, the same
render.)

The freeze once seen here (issue 18, item 10) was not that render but the image conversion:
Qt 5.15 converts a large QImage in strips run on ``QThreadPool.globalInstance()`` and waits
for them with the GIL held, while ctvis's workers filled that pool waiting for the GIL.  The
workers now have their own pool (:func:`ctvis.gui.worker.task_pool`).
"""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QPoint, QRect
from PyQt5.QtGui import QImage, QPainter, QRegion
from PyQt5.QtWidgets import QApplication, QWidget


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
    return composed_image(window)


def gl_widget(window) -> QWidget | None:
    """The 3D pane's OpenGL widget when it is shown, else None."""
    plotter = getattr(getattr(window, "view3d", None), "plotter", None)
    widget = getattr(plotter, "interactor", None)
    if isinstance(widget, QWidget) and widget.isVisible() and widget.window() is window:
        return widget
    return None


def composed_image(window) -> QImage:
    """The window drawn by Qt without the OpenGL widget, and the 3D pane's last frame in its
    place (see the module's docstring)."""
    gl = gl_widget(window)
    dpr = window.devicePixelRatioF()
    image = QImage(window.size() * dpr, QImage.Format_RGB32)    # full colour, whatever the
    image.setDevicePixelRatio(dpr)                               # screen's depth
    image.fill(window.palette().window().color())
    region = QRegion(window.rect())
    place = None
    if gl is not None:
        place = QRect(gl.mapTo(window, QPoint(0, 0)), gl.size())
        region -= QRegion(place)
    window.render(image, QPoint(), region,
                  QWidget.DrawWindowBackground | QWidget.DrawChildren)
    if place is not None:
        frame = last_frame(window.view3d)
        if frame is not None:
            painter = QPainter(image)
            painter.drawImage(place, frame)
            painter.end()
    return image.convertToFormat(QImage.Format_RGB888)


def last_frame(view3d) -> QImage | None:
    """The frame VTK last rendered for the pane, read from its render window's display
    framebuffer (nothing is rendered); None before the first frame."""
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkCommonCore import vtkUnsignedCharArray

    rw = view3d.plotter.ren_win
    if rw is None or rw.GetNeverRendered():
        return None
    width, height = rw.GetSize()
    display = rw.GetDisplayFramebuffer()
    if display is not None:                       # the frame has the size of the last render
        last = [0, 0]
        display.GetLastSize(last)
        if min(last) > 0:
            width, height = min(width, last[0]), min(height, last[1])
    if width < 1 or height < 1:
        return None
    data = vtkUnsignedCharArray()
    if not rw.GetPixelData(0, 0, width - 1, height - 1, 1, data, 0):
        return None
    rgb = vtk_to_numpy(data).reshape(height, width, 3)[::-1]     # VTK's rows: bottom up
    rgb = np.ascontiguousarray(rgb)
    return QImage(rgb.data, width, height, 3 * width, QImage.Format_RGB888).copy()
