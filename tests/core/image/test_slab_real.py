"""Slabs on a real chest CT (COPDGene 10002K at 1/8, with the Chest Imaging Platform's
reference label map: lung regions, airway and vessel types): a 20 mm MIP shows more vessel
in the lungs than the slice, a 20 mm MinIP is darker in the airways and the lungs."""
from __future__ import annotations

import numpy as np

from ctvis.core.image.slab import slab
from ctvis.core.image.slicing import oriented_slice, slice_axes


def test_mip_brighter_in_vessels_minip_darker_in_airways(data_dir):
    from ctvis.core.io import load, read_mask

    folder = data_dir / "cip-10002K-64"
    volume = load(folder / "dicom")
    labels = read_mask(folder / "lm-64.nrrd", like=volume).array
    kind, region = labels // 256, labels % 256          # type 2 airway, 3 vessel
    lung = ((region >= 9) & (region <= 14)) | (kind > 0)
    axes = slice_axes(volume.direction, "axial")
    dz = volume.spacing[axes.normal]
    single_vessel = mip_vessel = 0.0
    airway_single, airway_minip, lung_single, lung_minip = [], [], [], []
    for k in range(20, 70, 5):                           # the lungs: slices 10-74
        hu = oriented_slice(volume.array, axes, k).astype(np.float32)
        mip = slab(volume.array, axes, k, 20.0, dz, "mip").astype(np.float32)
        minip = slab(volume.array, axes, k, 20.0, dz, "minip").astype(np.float32)
        inside = oriented_slice(lung, axes, k)
        airway = oriented_slice(kind == 2, axes, k)
        single_vessel += (hu[inside] > -500).sum()       # vessel-dense pixels in the lungs
        mip_vessel += (mip[inside] > -500).sum()
        airway_single += list(hu[airway])
        airway_minip += list(minip[airway])
        lung_single += list(hu[inside])
        lung_minip += list(minip[inside])
    assert mip_vessel > 3 * single_vessel > 0
    assert len(airway_single) > 20
    assert np.mean(airway_minip) < np.mean(airway_single) - 50
    assert np.mean(lung_minip) < np.mean(lung_single) - 30
