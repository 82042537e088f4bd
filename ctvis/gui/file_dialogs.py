"""File dialogs that start in the last folder the user chose (kept in QSettings, so the next
start of ctvis begins there too), not in the folder ctvis was launched from."""
from __future__ import annotations

import os
from pathlib import Path

from PyQt5.QtCore import QSettings
from PyQt5.QtWidgets import QFileDialog

LAST_FOLDER_KEY = "last_folder"


def _settings() -> QSettings:
    return QSettings("ctvis", "ctvis")


def last_folder() -> str:
    """The folder last used in a dialog or opened (an existing one), else ""."""
    folder = _settings().value(LAST_FOLDER_KEY, "") or ""
    return str(folder) if folder and Path(folder).is_dir() else ""


def remember(path) -> None:
    """Start the next dialog where ``path`` is: the folder itself, or a file's folder."""
    if not path:
        return
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if folder.is_dir():
        _settings().setValue(LAST_FOLDER_KEY, str(folder.resolve()))


def _start(name: str = "") -> str:
    folder = last_folder()
    if not folder:
        return name
    return os.path.join(folder, name) if name else folder


def existing_directory(parent, title: str) -> str:
    path = QFileDialog.getExistingDirectory(parent, title, _start())
    remember(path)
    return path


def open_file_name(parent, title: str, filters: str = "") -> tuple[str, str]:
    path, chosen = QFileDialog.getOpenFileName(parent, title, _start(), filters)
    remember(path)
    return path, chosen


def save_file_name(parent, title: str, name: str, filters: str = "") -> tuple[str, str]:
    """``name``: the proposed file name, placed in the last folder."""
    path, chosen = QFileDialog.getSaveFileName(parent, title, _start(name), filters)
    remember(path)
    return path, chosen


def name_filters(formats) -> str:
    """A dialog's filter string from ``[(name, (suffix, ...)), ...]``:
    ``"NIfTI (*.nii.gz *.nii);;NRRD (*.nrrd *.nhdr)"``."""
    return ";;".join(f"{name} ({' '.join('*' + s for s in suffixes)})"
                     for name, suffixes in formats)
