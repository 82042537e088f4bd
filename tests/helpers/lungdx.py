"""lungdx-a0001 (../shared/data): the tumour's annotated boxes on the volume's grid."""
from __future__ import annotations

import numpy as np


def tumour_boxes(folder, volume):
    """The tumour's PASCAL VOC pixel boxes, each on the slice of the file of its name."""
    import xml.etree.ElementTree as ET

    import pydicom

    boxes = np.zeros(volume.shape, bool)
    for xml in sorted((folder / "annotations").glob("*.xml")):
        ds = pydicom.dcmread(folder / "dicom" / f"{xml.stem}.dcm", stop_before_pixels=True)
        k = int(round(volume.patient_to_index(np.asarray(ds.ImagePositionPatient, float))[0]))
        b = ET.parse(xml).find(".//bndbox")
        v = {n: int(b.find(n).text) for n in ("xmin", "ymin", "xmax", "ymax")}
        boxes[k, v["ymin"]:v["ymax"] + 1, v["xmin"]:v["xmax"] + 1] = True
    return boxes
