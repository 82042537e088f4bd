"""File ▸ Save screenshot: the window, the layout or one view, 1–4×, annotations on or off.

Pictures of one view or of the layout come from :mod:`ctvis.render.pictures`, the code the
headless ``ctvis screenshot`` uses, rendered at the asked size (never upscaled); only "the
window as it is" is a grab of the screen (:mod:`ctvis.gui.screenshot`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QSpinBox

from ctvis.core.atomic import atomic_path
from ctvis.core.errors import CtvisError
from ctvis.gui import file_dialogs

TARGETS = (("window", "The window as it is"), ("layout", "The layout (all views)"),
           ("axial", "Axial view"), ("coronal", "Coronal view"),
           ("sagittal", "Sagittal view"), ("3d", "3D view"))
@dataclass(frozen=True)
class ScreenshotOptions:
    target: str = "layout"
    scale: int = 1
    annotations: bool = True
    transparent: bool = False          # 3D only


class ScreenshotDialog(QDialog):
    """What to save: the window, the layout or one view; scale 1–4×; annotations;
    transparent 3D background.  Pictures never carry patient identifiers."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Save screenshot")
        form = QFormLayout(self)
        self.target = QComboBox()
        for key, text in TARGETS:
            self.target.addItem(text, key)
        self.target.setCurrentIndex(1)
        self.scale = QSpinBox()
        self.scale.setRange(1, 4)
        self.scale.setSuffix(" ×")
        self.annotations = QCheckBox("letters, names and readouts")
        self.annotations.setChecked(True)
        self.transparent = QCheckBox("transparent background (3D)")
        form.addRow("Picture of", self.target)
        form.addRow("Scale (for print)", self.scale)
        form.addRow("Annotations", self.annotations)
        form.addRow("", self.transparent)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.target.currentIndexChanged.connect(self._enable)
        self._enable()

    def _enable(self) -> None:
        target = self.target.currentData()
        self.scale.setEnabled(target != "window")        # a grab is what the screen shows
        self.annotations.setEnabled(target != "window")
        self.transparent.setEnabled(target == "3d")

    def options(self) -> ScreenshotOptions:
        return ScreenshotOptions(self.target.currentData(), self.scale.value(),
                                 self.annotations.isChecked(),
                                 self.transparent.isChecked() and self.transparent.isEnabled())


def save_picture(window, options: ScreenshotOptions, path) -> Path:
    """Write the picture ``options`` ask for to ``path`` (PNG, through a temporary name)."""
    from ctvis.render.pictures import png_bytes, state_picture

    path = Path(path)
    if options.target == "window":
        from ctvis.gui.screenshot import window_image

        with atomic_path(path) as tmp:
            if not window_image(window).save(str(tmp), "PNG"):
                raise CtvisError(f"{path}: could not write the image")
        return path
    if window.state.volume is None:
        raise CtvisError("nothing to save: no volume is open")
    size = (800, 800)
    if options.target == "3d":
        size = (max(window.view3d.width(), 200), max(window.view3d.height(), 200))
    rgb = state_picture(window.state, options.target, scale=options.scale,
                        annotations=options.annotations, transparent=options.transparent,
                        size=size)
    with atomic_path(path) as tmp:
        tmp.write_bytes(png_bytes(rgb))
    return path


def screenshot_dialog(window) -> Path | None:
    dialog = ScreenshotDialog(window)
    try:
        if dialog.exec_() != QDialog.Accepted:
            return None
        options = dialog.options()
    finally:
        dialog.deleteLater()        # a child of the window: it would stay until the window goes
    path, _ = file_dialogs.save_file_name(window, "Save screenshot", "ctvis.png",
                                          "PNG image (*.png)")
    if not path:
        return None
    try:
        return save_picture(window, options, path)
    except (CtvisError, OSError) as exc:
        window.show_error("Screenshot", str(exc))
        return None
