"""The layers of DESIGN.md hold, bottom up: core, mesh, model, render, app, gui, cli.  Core and
model import neither Qt nor VTK, mesh, render, app and the headless CLI no Qt; no import runs
up the layers or goes round in a circle (every import statement read, functions included);
importing any ctvis module changes no environment variable."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def test_core_and_model_import_neither_qt_nor_vtk():
    _check(["ctvis.core", "ctvis.model"], ["PyQt5", "PyQt6", "PySide6", "vtk", "vtkmodules",
                                           "pyvista", "pyvistaqt"], minimum=25)


def test_app_imports_no_vtk_until_a_step_needs_it():
    # Headless commands start fast: VTK loads when a mesh or picture is made, not at import.
    _check(["ctvis.app"], ["PyQt5", "vtk", "vtkmodules", "pyvista", "pyvistaqt"], minimum=5)


def test_mesh_render_and_cli_import_no_qt():
    _check(["ctvis.mesh", "ctvis.render"], ["PyQt5", "pyvistaqt"], minimum=2)
    _check(["ctvis.cli"], ["PyQt5", "pyvistaqt"], minimum=2)


# ------------------------------------------------------------------ every import, read
# The checks above import the packages and see what got loaded; an import inside a function
# hides from them.  These read every import statement of every module (functions included).
LAYERS = ["core", "mesh", "model", "render", "app", "gui", "cli"]     # bottom up
PACKAGE = Path(__file__).resolve().parents[1] / "ctvis"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str | None = None) -> set[str]:
    """The ctvis modules ``path`` imports, wherever the statement stands."""
    name = name or _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m == "ctvis" or m.startswith("ctvis.")}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name}
            for name, path in modules.items()}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else -1


def test_every_package_is_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages <= set(LAYERS), packages - set(LAYERS)


def test_no_import_runs_up_the_layers():
    up = sorted(f"{a} -> {b}" for a, deps in _graph().items() for b in deps
                if _layer(b) > _layer(a) >= 0)
    assert up == []


def test_no_circle_of_imports():
    graph, state, circles = _graph(), {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                circles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    # A package's __init__ re-exporting its modules is no circle.
    circles = [c for c in circles if not any(
        a.startswith(b + ".") or b.startswith(a + ".")
        for a, b in zip(c.split(" -> "), c.split(" -> ")[1:]))]
    assert circles == []


def test_the_reader_sees_imports_inside_functions(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ctvis.render import scene\n    import ctvis.gui.app\n"
                     "    from ..app import batch\n")
    assert _imports(probe, "ctvis.core.probe") >= {"ctvis.render", "ctvis.render.scene", "ctvis.gui.app",
                                                   "ctvis.app.batch"}
