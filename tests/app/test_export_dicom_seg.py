"""File ▸ Export segments as DICOM SEG / RTSTRUCT (app side): written beside the other files
of a DICOM series, refused with one message for a volume that is not DICOM."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.app.export_segments import SegmentExport, export_segments
from ctvis.core.errors import CtvisError
from ctvis.core.io import load, read_mask
from ctvis.model.labelmap import LabelMap, Segment
from tests.helpers.dicom_factory import random_volume, write


def lesion_map(shape) -> LabelMap:
    labels = np.zeros(shape, np.uint8)
    labels[2:4, 4:9, 5:11] = 1
    return LabelMap(labels, (Segment("lesion", 1, (255, 0, 0), origin="painted"),), "lesions")


@pytest.mark.parametrize("kind, suffix", [("dicom-seg", ".dcm"),
                                          ("rtstruct", ".rtstruct.dcm")])
def test_export_writes_a_dicom_object_of_a_dicom_series(tmp_path, kind, suffix):
    write(random_volume(shape=(6, 20, 20)), tmp_path / "ct")
    ct = load(tmp_path / "ct")
    labelmap = lesion_map(ct.shape)
    request = SegmentExport(tmp_path / "out", "lesions", kind, None, table=False)
    (tmp_path / "out").mkdir()
    assert export_segments(ct, labelmap, request) == [tmp_path / "out" / f"lesions{suffix}"]
    back = read_mask(tmp_path / "out" / f"lesions{suffix}", like=ct)
    assert np.array_equal(back.array, labelmap.array)
    assert back.meta["segments"][0]["name"] == "lesion"


def test_export_of_a_volume_not_from_dicom_is_refused(tmp_path):
    volume = random_volume(shape=(6, 20, 20))
    request = SegmentExport(tmp_path, "lesions", "dicom-seg", None, table=False)
    with pytest.raises(CtvisError, match="a DICOM object needs a DICOM source"):
        export_segments(volume, lesion_map(volume.shape), request)
