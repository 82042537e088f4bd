"""RT Structure Set (RTSTRUCT) → label map on an open volume.

Each ROI's CLOSED_PLANAR contours are polygons in patient LPS mm on one image plane.  A
contour is placed on the slice whose plane it lies on, found by projecting its points on
the slice normal (never by rounding z across slices), and filled there (pixel centres inside
the polygon); the contours of one ROI on one slice are XOR-ed, so holes and nested contours
follow the even-odd rule.  Contours that lie between the volume's slices (an RTSTRUCT of
another series in the same frame of reference) go to the nearest slice within half their
own plane spacing: nearest-neighbour resampling, with a warning.

pydicom reads the object; the fill is scikit-image's ``draw.polygon`` (no RT library does
"polygon on its own slice of this grid" more simply).
"""
from __future__ import annotations

import numpy as np

from ctvis.core.errors import CtvisError
from ctvis.core.io.dicom_refs import check_reference
from ctvis.core.volume import Volume

ON_PLANE_MM = 0.01          # a contour this close to a slice's plane lies on it (float noise)
PARALLEL = 1e-3             # |1 - cos| of a contour's normal and the slices' normal


def slice_normal(volume: Volume) -> np.ndarray:
    """Unit normal of the slice planes (x × y index axes; on a tilted stack not the z axis)."""
    n = np.cross(volume.direction[:, 0], volume.direction[:, 1])
    return n / np.linalg.norm(n)


def slice_positions(volume: Volume) -> np.ndarray:
    """Each slice's plane position along ``slice_normal`` (mm)."""
    ks = np.arange(volume.shape[0])
    origins = volume.index_to_patient(np.stack([ks, 0 * ks, 0 * ks], axis=1))
    return origins @ slice_normal(volume)


def _points(contour) -> np.ndarray:
    data = np.asarray([float(v) for v in contour.ContourData], float)
    if data.size < 9 or data.size % 3:
        return np.empty((0, 3))
    return data.reshape(-1, 3)


def _place(planes: np.ndarray, positions: np.ndarray, dz: float) -> tuple[dict, bool]:
    """{contour number: slice index} for contour plane positions ``planes``; True when any
    was resampled (its plane is no slice's)."""
    exact = np.abs(planes[:, None] - positions[None, :])
    nearest = exact.argmin(axis=1)
    on_slice = exact[np.arange(len(planes)), nearest] <= max(ON_PLANE_MM, 0.01 * dz)
    if on_slice.all():
        return {n: int(k) for n, k in enumerate(nearest)}, False
    # Another grid: each slice takes the nearest contour plane within half a plane step.
    distinct = np.unique(np.round(planes, 3))
    step = np.median(np.diff(distinct)) if len(distinct) > 1 else dz
    out = {}
    for k, s in enumerate(positions):
        d = np.abs(distinct - s)
        if d.min() <= step / 2 + ON_PLANE_MM:
            plane = distinct[d.argmin()]
            for n in np.nonzero(np.abs(np.round(planes, 3) - plane) < 1e-6)[0]:
                out.setdefault(int(n), []).append(k)
    return out, True


def _fill(shape2d, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    from skimage.draw import polygon

    inside = np.zeros(shape2d, bool)
    rr, cc = polygon(rows, cols, shape=shape2d)
    inside[rr, cc] = True
    return inside


def roi_mask(contours, volume: Volume, label: str) -> tuple[np.ndarray, bool]:
    """(bool mask on ``volume``'s grid, resampled?) of one ROI's contours."""
    normal, positions = slice_normal(volume), slice_positions(volume)
    polys = [p for p in (_points(c) for c in contours
                         if str(c.get("ContourGeometricType", "")) == "CLOSED_PLANAR")
             if len(p)]
    mask = np.zeros(volume.shape, bool)
    if not polys:
        return mask, False
    for p in polys:
        if len(p) >= 3:
            n = np.cross(p[1:] - p[0], np.roll(p[1:] - p[0], -1, axis=0)).sum(axis=0)
            if np.linalg.norm(n) > 0 and 1 - abs(n @ normal) / np.linalg.norm(n) > PARALLEL:
                raise CtvisError(f"{label}: contours are not parallel to the volume's "
                                 f"slices (another orientation): not placed")
    planes = np.array([float((p @ normal).mean()) for p in polys])
    where, resampled = _place(planes, positions, volume.spacing[0])
    for n, ks in where.items():
        ji = volume.patient_to_index(polys[n])[:, 1:]
        inside = _fill(volume.shape[1:], ji[:, 0], ji[:, 1])
        for k in ([ks] if isinstance(ks, int) else ks):
            mask[k] ^= inside                     # even-odd: holes and islands in holes
    return mask, resampled


def read_rtstruct(path, like: Volume | None) -> Volume:
    """The ROIs of an RTSTRUCT as a label map on ``like``'s grid (values 1..N in the file's
    ROI order; names and ROIDisplayColor in ``meta["segments"]``; warnings in
    ``meta["warnings"]``).  Where ROIs overlap, smaller ROIs are drawn over larger ones (a
    tumour stays visible inside its lung) and a warning says so."""
    import pydicom

    if like is None:
        raise CtvisError(f"{path}: an RTSTRUCT holds contours, not a grid: give the CT "
                         f"series it references")
    ds = pydicom.dcmread(path)
    series_uid, frame_uid = _references(ds)
    warnings = [w for w in [check_reference(path, "rtstruct", series_uid, frame_uid, like)]
                if w]
    names = {int(r.ROINumber): str(r.get("ROIName", "") or f"ROI {r.ROINumber}")
             for r in ds.get("StructureSetROISequence", [])}
    rois = []
    for i, item in enumerate(ds.get("ROIContourSequence", [])):
        number = int(item.get("ReferencedROINumber", i + 1))
        name = names.get(number, f"ROI {number}")
        mask, resampled = roi_mask(item.get("ContourSequence", []), like, f"{path}: {name}")
        color = [int(c) for c in item.get("ROIDisplayColor", [])[:3]] or None
        rois.append((name, color, mask))
        if resampled and not warnings:
            warnings.append(f"{name}: contours lie between the volume's slices; "
                            f"placed on the nearest slices (nearest neighbour)")
    return _label_map(path, rois, like, warnings)


def _label_map(path, rois, like: Volume, warnings: list) -> Volume:
    from ctvis.core.io.label_tables import PALETTE

    dtype = np.uint8 if len(rois) < 256 else np.uint16
    labels = np.zeros(like.shape, dtype)
    order = sorted(range(len(rois)), key=lambda n: -int(rois[n][2].sum()))
    for n in order:                                   # largest first: small ones stay on top
        mask = rois[n][2]
        if (labels[mask] != 0).any():
            warnings.append(f"{rois[n][0]} overlaps another ROI; drawn over it in "
                            f"this label map")
        labels[mask] = n + 1
    segments = [{"name": name, "value": n + 1,
                 "color": color or list(PALETTE[n % len(PALETTE)])}
                for n, (name, color, _m) in enumerate(rois)]
    meta = {"segments": segments, "warnings": warnings, "source": str(path),
            "mask_kind": "rtstruct"}
    return like.with_array(labels, meta=meta)


def _references(ds) -> tuple[str | None, str | None]:
    """(referenced SeriesInstanceUID, FrameOfReferenceUID) of a structure set."""
    for frame in ds.get("ReferencedFrameOfReferenceSequence", []):
        for study in frame.get("RTReferencedStudySequence", []):
            for series in study.get("RTReferencedSeriesSequence", []):
                return str(series.get("SeriesInstanceUID", "")) or None, \
                    str(frame.get("FrameOfReferenceUID", "")) or None
        return None, str(frame.get("FrameOfReferenceUID", "")) or None
    rois = ds.get("StructureSetROISequence", [])
    frame = str(rois[0].get("ReferencedFrameOfReferenceUID", "")) if rois else ""
    return None, frame or None


__all__ = ["read_rtstruct", "roi_mask", "slice_normal", "slice_positions"]
