"""What the viewer imports before the user asks for more: the window's modules and loading a
series with a reconstruction circle pull in neither scipy.ndimage (with scipy.special:
20-25 MiB of the viewer's peak memory) nor skimage.morphology and scipy.spatial (with
scipy.linalg and scipy.sparse: 15 MiB more; docs/performance.md).  The editing tools, the
lesion tool and the loader's field of view import them when they are used, or do without.
In a child process: other tests import them."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from tests.helpers.dicom_factory import random_volume, write

HEAVY = ("scipy.ndimage", "scipy.special", "skimage.morphology", "skimage.segmentation",
         "scipy.spatial", "scipy.linalg", "scipy.sparse")

CHILD = r"""
import json, sys
import ctvis.gui.main_window
from ctvis.core.io import load
volume = load(sys.argv[1])
print(json.dumps({"field": int(volume.meta["outside_field"].sum()),
                  "modules": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def test_window_and_loader_leave_the_heavy_scipy_parts_alone(tmp_path):
    vol = random_volume(shape=(6, 48, 48))
    yy, xx = np.mgrid[:48, :48]
    vol.array[:, (yy - 23.5) ** 2 + (xx - 23.5) ** 2 > 22 ** 2] = -1024   # the fill
    write(vol, tmp_path / "series")
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "series")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["field"] > 0, found             # the field of view was found (its hull)
    assert found["modules"] == [], found


def test_the_lazy_ndimage_is_scipys():
    """``ctvis.core.lazy.ndimage`` hands out scipy.ndimage's functions once asked."""
    from scipy import ndimage as real

    from ctvis.core.lazy import ndimage

    assert ndimage.label is real.label
    mask = np.zeros((5, 5), bool)
    mask[1, 1] = mask[3, 3] = True
    assert ndimage.label(mask)[1] == 2
