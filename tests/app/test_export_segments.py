"""File ▸ Export segments, headless: label map files with their tables, a mesh per segment,
the CSV of volumes."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from ctvis.app.export_segments import SegmentExport, export_segments
from ctvis.core.errors import CtvisError
from ctvis.core.io import read_mask
from ctvis.core.phantom import make_phantom
from ctvis.mesh.mesh_io import read_mesh
from ctvis.model.labelmap import LabelMap, Segment


@pytest.fixture(scope="module")
def case():
    volume = make_phantom(shape=(24, 48, 48)).volume
    array = np.zeros(volume.shape, np.uint8)
    array[4:12, 10:30, 8:20] = 1
    array[14:18, 20:26, 30:36] = 7
    labelmap = LabelMap(array, (Segment("right lung", 1, (230, 120, 60)),
                                Segment("lesion", 7, (255, 0, 0)),
                                Segment("empty", 9, (0, 0, 255))), "segments")
    return volume, labelmap


@pytest.mark.parametrize("kind,suffix", [("seg.nrrd", ".seg.nrrd"), ("nrrd", ".nrrd"),
                                         ("nifti", ".nii.gz")])
def test_the_label_map_is_written_with_its_names_and_colours(case, tmp_path, kind, suffix):
    volume, labelmap = case
    written = export_segments(volume, labelmap, SegmentExport(tmp_path, "m", kind, None,
                                                              table=False))
    assert written == [tmp_path / f"m{suffix}"]
    back = read_mask(written[0], like=volume)
    assert np.array_equal(back.array, labelmap.array)
    names = [s["name"] for s in back.meta["segments"]]
    assert names == (["right lung", "lesion", "empty"] if kind != "nifti"
                     else ["right_lung", "lesion", "empty"])
    assert [tuple(s["color"]) for s in back.meta["segments"]] == [s.color for s in
                                                                 labelmap.segments]


def test_meshes_per_segment_and_the_table_of_volumes(case, tmp_path):
    volume, labelmap = case
    written = export_segments(volume, labelmap, SegmentExport(tmp_path, "m", None, ".vtp",
                                                              ras=True))
    assert [p.name for p in written] == ["m_volumes.csv", "m_right_lung.vtp", "m_lesion.vtp"]
    rows = list(csv.DictReader(written[0].open()))
    ml = volume.voxel_volume_mm3 / 1000
    assert [(r["name"], int(r["value"]), int(r["voxels"])) for r in rows] == [
        ("right lung", 1, 8 * 20 * 12), ("lesion", 7, 4 * 6 * 6), ("empty", 9, 0)]
    assert float(rows[1]["volume_ml"]) == pytest.approx(144 * ml, abs=1e-3)
    mesh = read_mesh(written[2])
    assert str(mesh.field_data["SPACE"][0]) == "RAS"
    # The lesion's voxel centres, in RAS: the mesh lies within a voxel of them.
    kji = np.argwhere(labelmap.array == 7)
    lps = volume.index_to_patient(kji)
    ras = lps * [-1, -1, 1]
    lo, hi = ras.min(axis=0), ras.max(axis=0)
    bounds = np.asarray(mesh.bounds).reshape(3, 2)
    step = np.asarray(volume.spacing_xyz)
    assert np.all(bounds[:, 0] > lo - step) and np.all(bounds[:, 0] < lo + step / 2)
    assert np.all(bounds[:, 1] < hi + step) and np.all(bounds[:, 1] > hi - step / 2)


def test_unknown_formats_are_refused(tmp_path):
    with pytest.raises(CtvisError, match="label map format"):
        SegmentExport(tmp_path, "m", "mha")
    with pytest.raises(CtvisError, match="mesh format"):
        SegmentExport(tmp_path, "m", None, ".off")
