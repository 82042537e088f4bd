"""The 3D pane's render window in the Qt window: VTK's own ``QVTKRenderWindowInteractor``
(a native child window that VTK renders into and swaps itself) with one renderer, and what
:class:`ctvis.render.scene.Scene` and the pane use of a plotter (``renderer``, ``ren_win``,
``iren``, ``render``, ``set_background``, ``screenshot``, ``close``).

Why not pyvistaqt's ``QtInteractor``: importing it imports ``pyvista.plotting``, which
imports matplotlib.pyplot and PIL, and its ``QOpenGLWidget`` makes Qt compose the whole
window through OpenGL: the viewer's peak was 49-50 MiB higher with it (docs/performance.md,
"Viewer peak memory with the 3D pane").  It also rendered each frame twice (once for VTK,
once more in ``paintGL``).  Here:

* one render per frame: a camera drag renders in VTK's style straight into the native
  window, and nothing paints it again.  A paint of the widget (an expose: the pane shown
  again, a dialog moved away) puts VTK's last frame back on the window (``Frame``, a copy)
  unless the size changed or the pane asked for a new frame (``render_on_paint``): then it
  renders, once however many paints come together;
* the camera is VTK's trackball (left: rotate, middle or shift-left: pan, right or wheel:
  zoom); VTK's one-letter keys (w wireframe, 3 stereo, e/q exit, f fly ...) are off, the
  window's shortcuts are the window's;
* ``close`` releases the OpenGL context while the X window still exists and lets go of the
  render window, so that VTK closes its X connection then: a render window left for the
  interpreter's exit closes it after the X server may be gone (pytest-xvfb stops Xvfb
  before the exit), and Xlib ends the process with status 1.  After ``close`` the widget's
  events reach nothing.
"""
from __future__ import annotations

import numpy as np
from vtkmodules import vtkRenderingFreeType, vtkRenderingOpenGL2
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera
from vtkmodules.vtkRenderingCore import vtkRenderer

# The OpenGL implementations behind vtkRenderWindow, its mappers and its text: loading them
# registers them (pyvista.plotting used to load them for the window).
FACTORIES = (vtkRenderingOpenGL2, vtkRenderingFreeType)

class VtkPane:
    """A render window with one renderer in a Qt widget (``interactor``)."""

    def __init__(self, parent=None):
        self.interactor = _Widget(parent)
        self.ren_win = self.interactor.GetRenderWindow()
        self.ren_win.SetMultiSamples(0)      # MSAA: ~50 ms a frame on llvmpipe, nothing gained
        self.renderer = vtkRenderer()
        self.ren_win.AddRenderer(self.renderer)
        self.iren = self.ren_win.GetInteractor()         # vtkGenericRenderWindowInteractor
        style = vtkInteractorStyleTrackballCamera()
        style.AddObserver("CharEvent", lambda *_: None)  # replaces VTK's key bindings
        self.iren.SetInteractorStyle(style)
        self.iren.Enable()                   # (Initialize would render an empty frame now)
        self._closed = False

    def set_background(self, color) -> None:
        self.renderer.SetBackground(*map(float, color))

    def render(self) -> None:
        """Render now (the frame goes straight to the screen)."""
        if not self._closed:
            self.ren_win.Render()

    def render_on_paint(self) -> None:
        """The scene changed unseen (a hidden pane): the next paint renders it."""
        self.interactor.stale = True
        self.interactor.update()

    def screenshot(self, filename=None, return_img: bool = True):
        """The scene rendered now, H × W × 3 uint8 (top row first); written as a PNG to
        ``filename`` too when given."""
        from vtkmodules.util.numpy_support import vtk_to_numpy
        from vtkmodules.vtkCommonCore import vtkUnsignedCharArray

        self.render()
        width, height = self.ren_win.GetSize()
        data = vtkUnsignedCharArray()
        self.ren_win.GetPixelData(0, 0, width - 1, height - 1, 0, data, 0)
        rgb = np.ascontiguousarray(vtk_to_numpy(data).reshape(height, width, 3)[::-1])
        if filename is not None:
            from PyQt5.QtGui import QImage

            QImage(rgb.data, width, height, 3 * width, QImage.Format_RGB888).save(str(filename))
        return rgb if return_img else None

    def close(self) -> None:
        """Release the GL context and the render window (see the module's docstring); call
        it after whatever observes the interactor (the scene, widgets) has let go."""
        if self._closed:
            return
        self._closed = True
        self.iren.EnableRenderOff()          # a late paint or style event draws nothing
        self.iren.Disable()
        self.iren.SetInteractorStyle(None)
        self.ren_win.Finalize()              # the GL context goes while the window exists
        self.interactor.release()
        self.interactor.close()
        self.ren_win = self.iren = None      # the last references: the window is deleted


class _Widget(QVTKRenderWindowInteractor):
    """VTK's widget that can let go of its render window and interactor."""

    _released = False
    stale = True                             # the next paint renders (nothing drawn yet)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._drawn_size = None
        self._RenderWindow.AddObserver("EndEvent", self._on_frame)

    def _on_frame(self, *_args) -> None:
        self.stale = False
        self._drawn_size = tuple(self._RenderWindow.GetSize())

    def release(self) -> None:
        self._released = True
        self._RenderWindow = None
        self._Iren = _Inert()                # Qt's late events (leave, timer) go nowhere

    def _live(self) -> bool:
        # The garbage collector may clear a dead widget's attributes before Qt's last
        # event reaches it (a close while a later test runs): then the widget is gone too.
        return not self._released and "_RenderWindow" in vars(self)

    def __getattr__(self, attr):
        if attr in ("_Iren", "_RenderWindow"):   # cleared: VTK's lookup would recurse
            raise AttributeError(attr)
        return super().__getattr__(attr)

    def Finalize(self):
        if self._live():
            super().Finalize()

    def closeEvent(self, ev):
        if self._live():
            super().closeEvent(ev)

    def paintEvent(self, ev):
        if not self._live():
            return
        rw = self._RenderWindow
        if self.stale or self._drawn_size != tuple(rw.GetSize()) or rw.GetNeverRendered():
            self._Iren.Render()
        else:
            rw.Frame()                       # the last frame again, no render

    def resizeEvent(self, ev):
        if self._live():
            super().resizeEvent(ev)


class _Inert:
    """Stands for the interactor after ``release``: every call does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


__all__ = ["VtkPane"]
