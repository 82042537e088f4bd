"""The layers of DESIGN.md hold: core and app import neither Qt nor VTK, render no Qt, and
importing any ctvis module changes no environment variable."""
from __future__ import annotations

import subprocess
import sys

IMPORT_ALL = """
import importlib, os, pkgutil, sys
import ctvis
before = dict(os.environ)
names = []
for package in {packages}:
    module = importlib.import_module(package)
    names.append(package)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), package + "."):
        importlib.import_module(info.name)
        names.append(info.name)
bad = sorted({{m.split('.')[0] for m in sys.modules}} & set({forbidden}))
changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
print(len(names), bad, changed)
assert len(names) > {minimum}, names
assert not bad, bad
assert not changed, changed
"""


def _check(packages, forbidden, minimum):
    code = IMPORT_ALL.format(packages=packages, forbidden=forbidden, minimum=minimum)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_core_and_app_import_neither_qt_nor_vtk():
    _check(["ctvis.core", "ctvis.app"], ["PyQt5", "PyQt6", "PySide6", "vtk", "vtkmodules",
                                         "pyvista", "pyvistaqt"], minimum=25)


def test_render_imports_no_qt_and_cli_no_gui():
    code_packages = ["ctvis.render"]
    _check(code_packages, ["PyQt5", "pyvistaqt"], minimum=2)
    _check(["ctvis.cli"], ["PyQt5", "pyvistaqt"], minimum=2)
