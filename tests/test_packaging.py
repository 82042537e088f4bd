"""What a plain `pip install` gets: every package of the source tree and every resource file.

The package list in pyproject.toml is written by hand (resources/ is mapped into the package
as ctvis.resources, which automatic discovery cannot do): a package left out of it is absent
from the wheel, as ctvis.gui.docks once was, and the viewer failed at import.  `./dev wheel`
(run by CI) builds the wheel and runs every command from a clean environment.
"""
from __future__ import annotations

import fnmatch
import subprocess
import sys
import tomllib
from pathlib import Path

import ctvis

ROOT = Path(__file__).resolve().parents[1]


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_source_package_is_in_the_wheel():
    listed = set(_setuptools()["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "ctvis").rglob("*.py") if "__pycache__" not in p.parts}
    assert on_disk - listed == set(), "packages missing from pyproject.toml"
    for package in on_disk:                  # a folder of modules without __init__.py
        assert (ROOT / package.replace(".", "/") / "__init__.py").is_file(), package


def test_every_resource_file_is_package_data():
    patterns = _setuptools()["package-data"]["ctvis.resources"]
    files = [p.name for p in (ROOT / "resources").iterdir()
             if p.is_file() and p.suffix != ".py"]
    assert files
    unmatched = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert unmatched == []


def test_version_is_printed():
    result = subprocess.run([sys.executable, "-m", "ctvis.cli", "--version"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert result.stdout.strip() == f"ctvis {ctvis.__version__}"

