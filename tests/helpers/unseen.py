"""Issue 20 ("lungs on scans the project has never seen"): modified real series and measures.

Pure functions (no pytest), used by tests/core/lungs/test_unseen_classes.py and
benchmarks/lung_classes.py:

- :func:`write_fov_cut` writes a copy of a DICOM series with everything outside a circular
  field of view replaced by fill (a tagged padding value, or plain air without a tag);
  :func:`fov_in_field` gives that circle as a 2-D (y, x) mask.
- :func:`write_inplane_crop` writes a copy cropped in-plane (Rows/Columns/position fixed);
  :func:`lungdx_crop_box` picks the box used for lungdx-a0001.
- :func:`lidc_consensus`: the LIDC readers' nodule consensus masks on a volume's grid.
- :func:`endotracheal_tube` puts an intubated patient's tube into the trachea,
  :func:`air_in_oesophagus` a column of air behind it.
- :func:`below_diaphragm_ml`, :func:`aerated_in_lung_fraction`: the issue's leak measures.

Copies go only to the folder given (a temporary one): never into the project or the data.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

# The product's distance maps (checked against scipy's in tests/core/image/test_distance.py):
# scipy's took 17 s per map on a whole chest, most of a painted copy's time.
from ctvis.core.image.distance import distance_mm
from ctvis.core.unionfind import root
from ctvis.core.volume import Volume

RIGHT, LEFT, AIRWAY = 1, 2, 3

# The circle of the FOV cuts (both lidc-0001-full and lungdx-a0001): centre moved 100 mm
# towards the patient's LEFT (LPS +x), radius 175 mm.  Its edge then crosses the RIGHT chest
# wall and takes off the lateral part of the right lung at mid-chest, while the whole left
# side of the body stays inside (on both series).
FOV_SHIFT_MM = 100.0
FOV_RADIUS_MM = 175.0
# The padding value lidc-0001-full's own header carries: PixelPaddingValue raw −2000 (stored
# there as US 63536, i.e. −2000 read as signed), −3024 HU with its intercept −1024.
PADDING_RAW = -2000
AIR_HU = -1024
CROP_MM = 200.0


# ------------------------------------------------------------------------- DICOM helpers
def _files(folder) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix != ".xml"
                  and not p.name.startswith("."))


def _read_series(folder):
    import pydicom

    out = []
    for path in _files(folder):
        try:
            ds = pydicom.dcmread(path)
        except Exception:
            continue
        if "PixelData" in ds:
            out.append((path, ds))
    if not out:
        raise ValueError(f"{folder}: no DICOM images")
    return out


def _new_uids(datasets) -> None:
    """One new SeriesInstanceUID for all, a new SOPInstanceUID for each (meta too)."""
    from pydicom.uid import generate_uid

    series = generate_uid()
    for ds in datasets:
        ds.SeriesInstanceUID = series
        ds.SOPInstanceUID = generate_uid()
        if hasattr(ds, "file_meta"):
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID


def _plane(ds):
    """(position, row direction, column direction, dx, dy) of one slice, LPS mm."""
    ipp = np.asarray(ds.ImagePositionPatient, float)
    iop = np.asarray(ds.ImageOrientationPatient, float)
    dy, dx = (float(s) for s in ds.PixelSpacing)           # row spacing, column spacing
    return ipp, iop[:3], iop[3:], dx, dy


def _raw_of_hu(ds, hu: float) -> int:
    slope = float(getattr(ds, "RescaleSlope", 1) or 1)
    intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
    return int(round((hu - intercept) / slope))


def _hu(ds, raw: np.ndarray) -> np.ndarray:
    slope = float(getattr(ds, "RescaleSlope", 1) or 1)
    intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
    return raw.astype(np.float32) * slope + intercept


def _set_pixels(ds, raw: np.ndarray) -> None:
    """Store ``raw`` (native, uncompressed) as the slice's pixels, signed when needed."""
    if np.issubdtype(raw.dtype, np.signedinteger) or raw.min() < 0:
        raw = raw.astype(np.int16)
        ds.PixelRepresentation = 1
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    else:
        raw = raw.astype(np.uint16)
    ds.Rows, ds.Columns = raw.shape
    ds.PixelData = np.ascontiguousarray(raw).tobytes()
    for tag in ("SmallestImagePixelValue", "LargestImagePixelValue"):
        if tag in ds:
            delattr(ds, tag)


def _drop_padding_tags(ds) -> None:
    for tag in ("PixelPaddingValue", "PixelPaddingRangeLimit"):
        if tag in ds:
            delattr(ds, tag)


def _write(ds, out_folder: Path, name: str) -> None:
    import pydicom

    if int(pydicom.__version__.split(".")[0]) >= 3:
        ds.save_as(out_folder / name, enforce_file_format=True)
    else:
        ds.save_as(out_folder / name, write_like_original=False)


# ------------------------------------------------------------------------- FOV cut
def fov_in_field(ds, centre_shift_mm: float = FOV_SHIFT_MM,
                 radius_mm: float = FOV_RADIUS_MM) -> np.ndarray:
    """The in-field circle of one slice as a (Rows, Columns) bool mask.

    Centre: the image's centre moved by ``centre_shift_mm`` along patient LPS x (positive =
    towards the patient's LEFT, which puts the circle's edge on the RIGHT side of the body);
    distances are measured in the slice's plane.
    """
    ipp, row, col, dx, dy = _plane(ds)
    rows, cols = int(ds.Rows), int(ds.Columns)
    centre = ipp + (cols - 1) / 2 * dx * row + (rows - 1) / 2 * dy * col
    centre = centre + np.array([centre_shift_mm, 0.0, 0.0])
    d = ipp - centre
    u = d @ row + np.arange(cols) * dx                 # in-plane coordinates from the centre
    v = d @ col + np.arange(rows) * dy
    return (v[:, None] ** 2 + u[None, :] ** 2) <= radius_mm ** 2


def write_fov_cut(src_folder, out_folder, centre_shift_mm: float = FOV_SHIFT_MM,
                  radius_mm: float = FOV_RADIUS_MM, padding: bool = True,
                  padding_raw: int = PADDING_RAW) -> np.ndarray:
    """Write ``src_folder``'s series into ``out_folder`` with a smaller circular field of view.

    Pixels outside the circle (:func:`fov_in_field`) and the scanner's own out-of-field fill
    (anything below −1024 HU) become:

    - ``padding=True``: ``padding_raw`` (default −2000, the value lidc-0001-full's header
      declares), with PixelPaddingValue = ``padding_raw`` (VR SS; unsigned series are
      rewritten as signed 16-bit so the value fits) and no PixelPaddingRangeLimit;
    - ``padding=False``: the raw value of −1024 HU, and no PixelPaddingValue /
      PixelPaddingRangeLimit tags (the edge of the field then looks like air).

    New SeriesInstanceUID and SOPInstanceUIDs.  Returns the in-field mask (y, x) of the
    first slice (all slices of these series share one in-plane grid; checked).
    """
    from pydicom.dataelem import DataElement

    out_folder = Path(out_folder)
    out_folder.mkdir(parents=True, exist_ok=True)
    series = _read_series(src_folder)
    _new_uids([ds for _, ds in series])
    first = None
    for path, ds in series:
        field = fov_in_field(ds, centre_shift_mm, radius_mm)
        if first is None:
            first = field
        elif field.shape != first.shape or not np.array_equal(field, first):
            raise ValueError(f"{path}: in-plane grid differs from the first slice's")
        raw = ds.pixel_array.copy()
        fill_region = ~field | (_hu(ds, raw) < AIR_HU)
        _drop_padding_tags(ds)
        if padding:
            raw = raw.astype(np.int32)
            raw[fill_region] = padding_raw
            if raw.min() < 0 or padding_raw < 0:
                raw = raw.astype(np.int16)
            _set_pixels(ds, raw)
            signed = int(ds.PixelRepresentation) == 1
            ds[0x00280120] = DataElement(0x00280120, "SS" if signed else "US", padding_raw)
        else:
            air = _raw_of_hu(ds, AIR_HU)
            raw = raw.astype(np.int32)
            raw[fill_region] = air
            _set_pixels(ds, raw.astype(np.int16 if raw.min() < 0 or ds.PixelRepresentation
                                       else np.uint16))
        _write(ds, out_folder, path.name)
    return first


def cut_to_field(volume, centre_shift_mm: float = FOV_SHIFT_MM,
                 radius_mm: float = FOV_RADIUS_MM) -> tuple:
    """(``volume`` cut to a circular field of view in memory, the (y, x) field): as
    :func:`write_fov_cut` without a padding tag (outside the circle plain -1024 HU), the
    circle's centre the image's moved ``centre_shift_mm`` along patient x."""
    ny, nx = volume.shape[1:]
    jj, ii = np.mgrid[0:ny, 0:nx]
    points = volume.index_to_patient(np.stack([np.zeros(jj.size), jj.ravel(), ii.ravel()], 1))
    centre = volume.index_to_patient(np.array([[0.0, (ny - 1) / 2, (nx - 1) / 2]]))[0]
    d2 = (points[:, 0] - centre[0] - centre_shift_mm) ** 2 + (points[:, 1] - centre[1]) ** 2
    field = (d2 <= radius_mm ** 2).reshape(ny, nx)
    array = volume.array.copy()
    array[:, ~field] = AIR_HU
    return volume.with_array(array), field


# ------------------------------------------------------------------------- in-plane crop
def write_inplane_crop(src_folder, out_folder, box) -> tuple:
    """Write the series cropped in-plane to ``box`` = (y0, y1, x0, x1) pixel indices
    (half-open), fixing Rows, Columns and ImagePositionPatient; new UIDs.  Returns the box."""
    y0, y1, x0, x1 = (int(b) for b in box)
    out_folder = Path(out_folder)
    out_folder.mkdir(parents=True, exist_ok=True)
    series = _read_series(src_folder)
    _new_uids([ds for _, ds in series])
    for path, ds in series:
        rows, cols = int(ds.Rows), int(ds.Columns)
        if not (0 <= y0 < y1 <= rows and 0 <= x0 < x1 <= cols):
            raise ValueError(f"crop box {box} outside the {rows}×{cols} image")
        ipp, row, col, dx, dy = _plane(ds)
        raw = ds.pixel_array[y0:y1, x0:x1].copy()
        _set_pixels(ds, raw)
        ds.ImagePositionPatient = [f"{c:.6f}" for c in ipp + x0 * dx * row + y0 * dy * col]
        _write(ds, out_folder, path.name)
    return (y0, y1, x0, x1)


def lungdx_crop_box(lungdx_folder, size_mm: float = CROP_MM) -> tuple:
    """A ``size_mm`` square box (y0, y1, x0, x1) centred on lungdx-a0001's left-lung tumour
    (the mean centre of its annotated boxes): the body is not whole in it and the crop's
    centre lies left of the midline."""
    import xml.etree.ElementTree as ET

    import pydicom

    folder = Path(lungdx_folder)
    centres = []
    for xml in sorted((folder / "annotations").glob("*.xml")):
        b = ET.parse(xml).find(".//bndbox")
        v = {n: int(b.find(n).text) for n in ("xmin", "ymin", "xmax", "ymax")}
        centres.append(((v["ymin"] + v["ymax"]) / 2, (v["xmin"] + v["xmax"]) / 2))
    cy, cx = np.mean(centres, axis=0)
    ds = pydicom.dcmread(next(iter(_files(folder / "dicom"))), stop_before_pixels=True)
    _, _, _, dx, dy = _plane(ds)
    hy, hx = size_mm / dy / 2, size_mm / dx / 2
    rows, cols = int(ds.Rows), int(ds.Columns)
    y0 = int(np.clip(round(cy - hy), 0, rows - 1))
    x0 = int(np.clip(round(cx - hx), 0, cols - 1))
    return (y0, min(rows, y0 + int(round(2 * hy))), x0, min(cols, x0 + int(round(2 * hx))))


def lungdx_tumour_boxes(lungdx_folder, volume) -> list[tuple[int, int, int, int, int]]:
    """lungdx-a0001's tumour annotations as (slice index of ``volume``, y0, y1, x0, x1): one
    box per annotated slice (each XML is named after its DICOM file)."""
    import xml.etree.ElementTree as ET

    import pydicom

    folder = Path(lungdx_folder)
    z = np.array([volume.index_to_patient([k, 0, 0])[2] for k in range(volume.shape[0])])
    boxes = []
    for xml in sorted((folder / "annotations").glob("*.xml")):
        b = ET.parse(xml).find(".//bndbox")
        v = {n: int(b.find(n).text) for n in ("xmin", "ymin", "xmax", "ymax")}
        dcm = next((folder / "dicom").rglob(xml.stem + ".dcm"))
        at = float(pydicom.dcmread(dcm, stop_before_pixels=True).ImagePositionPatient[2])
        boxes.append((int(np.argmin(np.abs(z - at))), v["ymin"], v["ymax"], v["xmin"],
                      v["xmax"]))
    return boxes


# ------------------------------------------------------------------------- LIDC consensus
def _lidc_reader_nodules(volume, xml_path, dicom_folder):
    """[(reader index, bool mask)] for each reader's nodule with an outline (≥ 3 points)."""
    import xml.etree.ElementTree as ET

    import pydicom
    from skimage.draw import polygon

    slice_of = {}
    for path in _files(dicom_folder):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:
            continue
        k = volume.patient_to_index(np.asarray(ds.ImagePositionPatient, float))[0]
        slice_of[str(ds.SOPInstanceUID)] = int(round(k))
    doc = ET.parse(xml_path).getroot()
    ns = {"n": doc.tag[1:].split("}")[0]} if doc.tag.startswith("{") else {"n": ""}
    p = "n:" if ns["n"] else ""
    shape = volume.shape
    out = []
    for reader, session in enumerate(doc.findall(f"{p}readingSession", ns)):
        for nodule in session.findall(f"{p}unblindedReadNodule", ns):
            include = np.zeros(shape, bool)
            exclude = np.zeros(shape, bool)
            for roi in nodule.findall(f"{p}roi", ns):
                uid = roi.find(f"{p}imageSOP_UID", ns).text.strip()
                pts = [(float(e.find(f"{p}yCoord", ns).text), float(e.find(f"{p}xCoord", ns).text))
                       for e in roi.findall(f"{p}edgeMap", ns)]
                if len(pts) < 3 or uid not in slice_of:
                    continue
                k = slice_of[uid]
                if not 0 <= k < shape[0]:
                    continue
                ys, xs = np.array(pts).T
                rr, cc = polygon(ys, xs, shape=shape[1:])
                target = include if roi.find(f"{p}inclusion", ns).text.strip().upper() \
                    == "TRUE" else exclude
                target[k, rr, cc] = True
            mask = include & ~exclude
            if mask.any():
                out.append((reader, mask))
    return out


def lidc_consensus(volume, xml_path, dicom_folder) -> list[np.ndarray]:
    """Per nodule, the readers' consensus as a bool mask on ``volume``'s grid.

    Each reader's inclusion=TRUE polygons are filled on their slices (slice found by the
    SOPInstanceUID of each file in ``dicom_folder``), minus the inclusion=FALSE ones;
    single-point ROIs (< 3 points) are ignored.  Outlines that overlap are one nodule;
    its consensus is the voxels marked by at least half of the readers who marked it.
    Largest nodule first.
    """
    marks = _lidc_reader_nodules(volume, xml_path, dicom_folder)
    parent = list(range(len(marks)))
    for a in range(len(marks)):
        for b in range(a + 1, len(marks)):
            if (marks[a][1] & marks[b][1]).any():
                parent[root(parent, a)] = root(parent, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(marks)):
        groups.setdefault(root(parent, i), []).append(i)
    out = []
    for members in groups.values():
        readers = sorted({marks[i][0] for i in members})
        count = np.zeros(volume.shape, np.uint8)
        for r in readers:
            mine = np.zeros(volume.shape, bool)
            for i in members:
                if marks[i][0] == r:
                    mine |= marks[i][1]
            count += mine
        consensus = 2 * count.astype(int) >= len(readers)
        consensus &= count > 0
        out.append(consensus)
    out.sort(key=lambda m: -int(m.sum()))
    return out


# ------------------------------------------------------------------------- measures
def dice(a, b) -> float:
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    total = int(a.sum()) + int(b.sum())
    return 1.0 if total == 0 else 2.0 * int(np.count_nonzero(a & b)) / total


def assert_lungs_agree(got, expected, least: float, what: str = "") -> None:
    """Each lung (labels 1 and 2) of ``got`` at Dice >= ``least`` against ``expected``'s."""
    for side in (1, 2):
        d = dice(got == side, expected == side)
        assert d >= least, f"{what} lung {side} Dice {d:.3f} < {least}"


def grid_edge_share(labels: np.ndarray, f: int) -> float:
    """Share of the mask's in-plane edges (a label change between neighbours along y or x)
    that lie on the lines of a coarse grid of pitch ``f`` (the lung backend's blocks,
    aligned to index 0).  Edges that follow the image fall on them 1/f of the time; edges
    drawn by coarse blocks (rectangles, stairs) make the share larger."""
    on = []
    for axis in (1, 2):
        idx = np.nonzero(np.diff(labels, axis=axis) != 0)[axis] + 1
        on.append(idx % f == 0)
    both = np.concatenate(on)
    return float(both.mean()) if both.size else 0.0


def slice_z_mm(volume) -> np.ndarray:
    """Patient z (LPS, mm; inferior = smaller) of each slice index k, along one column."""
    m = volume.index_to_patient_matrix
    return m[2, 2] * np.arange(volume.shape[0]) + m[2, 3]


def below_diaphragm_ml(volume, labels, solid_hu: float = -200.0, aerated_hu: float = -500.0,
                       margin_mm: float = 5.0) -> float:
    """mL of solid lung-mask voxels (labels 1/2, > ``solid_hu``) more than ``margin_mm``
    below (patient z, inferior) the lowest aerated lung voxel (< ``aerated_hu``) of their
    (y, x) column.  Columns with no aerated lung voxel count nothing."""
    hu = volume.array
    lung = (labels == RIGHT) | (labels == LEFT)
    z = slice_z_mm(volume)                    # the in-plane terms are constant along a column
    lowest = np.full(volume.shape[1:], np.inf, np.float64)
    for k in range(volume.shape[0]):
        aer = lung[k] & (hu[k] < aerated_hu)
        np.minimum(lowest, np.where(aer, z[k], np.inf), out=lowest)
    count = 0
    for k in range(volume.shape[0]):
        solid = lung[k] & (hu[k] > solid_hu)
        count += int(np.count_nonzero(solid & (z[k] < lowest - margin_mm)))
    return count * volume.voxel_volume_mm3 / 1000.0


def aerated_in_lung_fraction(volume, labels, aerated_hu: float = -500.0, body=None) -> float:
    """Share of the aerated (< ``aerated_hu``) voxels inside the body that are lung (labels 1
    or 2); the airway (label 3) is left out of both counts.  Body:
    ``ctvis.core.image.body.body_mask`` unless given."""
    if body is None:
        from ctvis.core.image.body import body_mask

        body = body_mask(volume)
    aer = body & (volume.array < aerated_hu) & (labels != AIRWAY)
    total = int(np.count_nonzero(aer))
    if total == 0:
        return float("nan")
    return int(np.count_nonzero(aer & ((labels == RIGHT) | (labels == LEFT)))) / total


def side_labels(labels) -> list[dict]:
    """For each 3-D connected part of the lung mask (labels 1/2 together): its size in voxels
    and which side labels it carries ({label: voxels}); largest first."""
    from scipy import ndimage

    lung = (labels == RIGHT) | (labels == LEFT)
    parts, n = ndimage.label(lung)
    if n == 0:
        return []
    right = np.bincount(parts[labels == RIGHT], minlength=n + 1)
    left = np.bincount(parts[labels == LEFT], minlength=n + 1)
    out = [{"voxels": int(right[i] + left[i]),
            "sides": {lab: int(c[i]) for lab, c in ((RIGHT, right), (LEFT, left)) if c[i]}}
           for i in range(1, n + 1)]
    out.sort(key=lambda d: -d["voxels"])
    return out


# The real chest series of ../shared/data, and the copies made from them to reproduce a class.
REAL = {
    "cip-10002K-64": "cip-10002K-64/dicom",
    "pancreas-ct-cb-001": "pancreas-ct-cb-001/dicom",
    "lungdx-a0001": "lungdx-a0001/dicom",
    "lidc-slab-0001": "lidc-slabs/LIDC-IDRI-0001",
    "lidc-slab-0002": "lidc-slabs/LIDC-IDRI-0002",
    "lidc-slab-0003": "lidc-slabs/LIDC-IDRI-0003",
    "lidc-0001-full": "lidc-0001-full/dicom",
    "ibsi-nsclc": "ibsi-nsclc/dicom/image",
    "totalseg-example-ct": "totalseg-j2k/example_ct.nii.gz",
}
# name: (uncut series, how it is made, padding)
MODIFIED = {
    "lidc-0001-full-fov-pad": ("lidc-0001-full", "fov", True),
    "lidc-0001-full-fov-air": ("lidc-0001-full", "fov", False),
    "lungdx-a0001-fov-pad": ("lungdx-a0001", "fov", True),
    "lungdx-a0001-crop": ("lungdx-a0001", "crop", None),
}


class SeriesCopies:
    """Where each named series is; the modified copies are written into ``tmp`` on first use
    (``field``: each field-of-view copy's in-field mask; ``crop_box``: the crop's box)."""

    def __init__(self, data: Path, tmp: Path):
        self.data, self.tmp = Path(data), Path(tmp)
        self.field: dict = {}
        self.crop_box = None

    def path(self, name: str) -> Path:
        if name in REAL:
            return self.data / REAL[name]
        base, how, padding = MODIFIED[name]
        out = self.tmp / name
        if not out.exists():
            src = self.data / REAL[base]
            if how == "fov":
                self.field[name] = write_fov_cut(src, out, padding=padding)
            else:
                self.crop_box = lungdx_crop_box(self.data / "lungdx-a0001")
                write_inplane_crop(src, out, self.crop_box)
        return out


# ------------------------------------------------------------ copies made in memory
def _patient_along(volume, axis: int) -> np.ndarray:
    """Patient x (``axis`` 2, per column) or y (``axis`` 1, per row) in LPS mm, read along
    one line of the array."""
    n = volume.shape[axis]
    index = np.zeros((n, 3))
    index[:, axis] = np.arange(n)
    return volume.index_to_patient(index)[:, 2 - axis]


def dependent_band(volume, labels, quantile: float = 0.7, depth_mm: float = 30.0,
                   height=(0.1, 0.7)) -> np.ndarray:
    """In each lung: its most posterior 30 % (patient y at or beyond ``quantile``), within
    ``depth_mm`` of its edge, over the middle 60 % of the lungs' height (``height``, as
    shares from the bottom) — the lung a dependent process fills first."""
    lungs = (labels == 1) | (labels == 2)
    depth = distance_mm(lungs, volume.spacing)
    y = np.broadcast_to(_patient_along(volume, 1)[None, :, None], lungs.shape)
    ks = np.flatnonzero(lungs.any(axis=(1, 2)))
    within = np.zeros(lungs.shape[0], bool)
    within[ks[0] + int(height[0] * len(ks)):ks[0] + int(height[1] * len(ks))] = True
    band = np.zeros_like(lungs)
    for side in (1, 2):
        lung = labels == side
        back = np.quantile(y[lung], quantile)            # LPS: +y is posterior
        band |= lung & (y >= back) & (depth <= depth_mm) & within[:, None, None]
    return band


def lateral_crust(volume, labels, depth_mm: float = 20.0, medial: bool = False) -> np.ndarray:
    """In each lung, per slice over the middle 60 % of the lungs' height: what lies within
    ``depth_mm`` of its edge in the lateral quarter turn (within 45 degrees of patient x,
    outwards from its centre in the slice) — peripheral consolidation along the side wall
    (COVID-19, organising pneumonia); with ``medial``, in the quarter turn towards the
    midline — paramediastinal consolidation (radiation pneumonitis, a middle lobe or
    lingula against the heart)."""
    lungs = (labels == 1) | (labels == 2)
    depth = distance_mm(lungs, volume.spacing)
    n = volume.shape
    x = np.broadcast_to(_patient_along(volume, 2)[None, :], n[1:])
    y = np.broadcast_to(_patient_along(volume, 1)[:, None], n[1:])
    ks = np.flatnonzero(lungs.any(axis=(1, 2)))
    crust = np.zeros_like(lungs)
    for k in ks[int(0.2 * len(ks)):int(0.8 * len(ks))]:
        for side, outwards in ((1, -1.0), (2, 1.0)):       # LPS: -x is the patient's right
            outwards = -outwards if medial else outwards
            lung = labels[k] == side
            if not lung.any():
                continue
            out = outwards * (x - x[lung].mean())
            sector = (out > 0) & (np.abs(y - y[lung].mean()) < out)
            crust[k] |= lung & sector & (depth[k] <= depth_mm)
    return crust


def painted(volume, band, hu: float, sd: float, keep_air: bool):
    rng = np.random.default_rng(0)
    array = volume.array.copy()
    array[band] = np.clip(hu + rng.normal(0, sd, int(band.sum())), -1024, 3000)
    if keep_air:                          # the bronchi's air stays: air bronchograms
        air = band & (volume.array < -930)
        array[air] = volume.array[air]
    return volume.with_array(array)


def denser(volume, lungs, by_hu: float, tissue_hu: float = -300.0) -> Volume:
    """``volume`` with the aerated voxels of ``lungs`` made denser by up to ``by_hu`` (the
    lightest fully, tapering to none at ``tissue_hu``; vessels and walls as they are): ground
    glass over the whole of both lungs (ARDS, pneumonia) or a scan in expiration."""
    hu = volume.array.astype(np.float32)
    weight = np.clip((tissue_hu - hu) / -tissue_hu, 0.0, 1.0)
    array = volume.array.copy()
    array[lungs] = np.rint(hu[lungs] + by_hu * weight[lungs]).astype(array.dtype)
    return volume.with_array(array)


def emphysematous(volume, lungs, share: float, scale_mm: float = 4.0) -> Volume:
    """``volume`` with ``share`` of the voxels of ``lungs`` air-like (-1000 +/- 20 HU, in
    blobs of about ``scale_mm``): destroyed parenchyma, severe emphysema."""
    from scipy import ndimage
    rng = np.random.default_rng(0)
    field = ndimage.gaussian_filter(rng.normal(0, 1, volume.shape).astype(np.float32),
                                    tuple(scale_mm / s for s in volume.spacing))
    destroyed = lungs & (field >= np.quantile(field[lungs], 1.0 - share))
    array = volume.array.copy()
    array[destroyed] = np.clip(np.rint(-1000 + rng.normal(0, 20, int(destroyed.sum()))),
                               -1024, 3000)
    return volume.with_array(array)


def pneumothorax(volume, labels, depth_mm: float, where: str = "front",
                 side: int = RIGHT) -> tuple:
    """(``volume`` with a pneumothorax, its air): the part of lung ``side`` within
    ``depth_mm`` of its outline made air (-1000 +/- 10 HU, no vessels) in its front half
    (``where`` "front"), its lateral half ("side") or its top quarter ("apex"), and the
    lung's new surface a visceral pleural line (one voxel at -300 HU)."""
    from scipy import ndimage
    lung = labels == side
    depth = distance_mm(lung, volume.spacing)
    if where == "apex":
        ks = np.flatnonzero(lung.any(axis=(1, 2)))
        if volume.index_to_patient_matrix[2, 2] < 0:
            ks = ks[::-1]                                   # from the base up
        part = np.zeros(volume.shape[0], bool)
        part[ks[int(0.75 * len(ks)):]] = True
        part = part[:, None, None]
    else:
        axis = 1 if where == "front" else 2
        idx = np.flatnonzero(lung.any(axis=tuple(a for a in range(3) if a != axis)))
        along = np.arange(volume.shape[axis]).reshape([-1 if a == axis else 1
                                                       for a in range(3)])
        # LPS: the front has the smaller y; the right lung's lateral side the smaller x.
        # (The matrix's rows are x, y, z; its columns the index along x, y, z.)
        row = 1 if axis == 1 else 0
        rising = volume.index_to_patient_matrix[row, row] > 0
        lower = along < (idx[0] + idx[-1]) / 2
        take_lower = rising if axis == 1 else (side == RIGHT) == rising
        part = lower if take_lower else ~lower
    air = lung & (depth <= depth_mm) & part
    line = lung & ndimage.binary_dilation(air) & ~air
    array = volume.array.copy()
    array[air] = _pure_air(int(air.sum()))
    array[line] = -300
    return volume.with_array(array), air


def gas_under_dome(volume, labels, side: int = LEFT, radius_mm: float = 30.0,
                   gap_mm: float = 5.0) -> tuple:
    """(``volume`` with gas under a lung's dome, that gas): the bowel's (the stomach's
    bubble under the left dome, the colon's flexure under either): a ball of pure air of
    ``radius_mm`` under the highest point of lung ``side``'s floor, inside the body, of it
    what lies at least ``gap_mm`` from the lungs (the diaphragm and the bowel's wall)."""
    from ctvis.core.image.body import body_mask

    lung = labels == side
    z = slice_z_mm(volume)[:, None, None]
    floor = np.where(lung, z, np.inf).min(axis=0)          # per column, the lowest lung
    footprint = np.isfinite(floor)
    inner = footprint & (distance_mm(footprint, volume.spacing[1:]) > 2 * radius_mm / 3)
    # The dome: a floor in the lung's lower third (higher up the floor is the hilum's).
    low, high = z[lung.any(axis=(1, 2))].min(), z[lung.any(axis=(1, 2))].max()
    inner &= floor <= low + (high - low) / 3
    j, i = np.unravel_index(np.argmax(np.where(inner, floor, -np.inf)), floor.shape)
    y = _patient_along(volume, 1)[:, None] - _patient_along(volume, 1)[j]
    x = _patient_along(volume, 2)[None, :] - _patient_along(volume, 2)[i]
    centre_z = floor[j, i] - gap_mm - radius_mm
    ball = (x ** 2 + y ** 2)[None] + (z - centre_z) ** 2 <= radius_mm ** 2
    gas = ball & body_mask(volume) & (labels == 0)
    gas &= distance_mm((labels != RIGHT) & (labels != LEFT), volume.spacing) >= gap_mm
    array = volume.array.copy()
    array[gas] = _pure_air(int(gas.sum()))
    return volume.with_array(array), gas


def without_contrast(volume, blood_hu: float = 40.0) -> Volume:
    """``volume`` as a scan without contrast: the large pools of enhanced blood (120–450 HU,
    away from bone above 500 HU: the heart, the aorta, the pulmonary arteries; each over
    50 mL) at ``blood_hu`` ± 15, the density of unenhanced blood."""
    from scipy import ndimage
    a = volume.array
    blood = (a > 120) & (a < 450) & ~ndimage.binary_dilation(a > 500, iterations=3)
    parts, _ = ndimage.label(ndimage.binary_opening(blood))
    ml = np.bincount(parts.ravel()) * float(np.prod(volume.spacing)) / 1000.0
    ml[0] = 0.0
    pools = np.isin(parts, np.flatnonzero(ml > 50.0))
    rng = np.random.default_rng(1)
    array = a.copy()
    array[pools] = np.clip(np.rint(blood_hu + rng.normal(0, 15, int(pools.sum()))), -1024, 3000)
    return volume.with_array(array)


def noisy(volume, sd_hu: float, seed: int = 0) -> Volume:
    """``volume`` with Gaussian noise of ``sd_hu`` in its field (a low dose, a thin slice),
    clipped at -1024 HU as a scan stores it; beyond the field the fill stays the fill."""
    from ctvis.core.image.field import volume_outside_field
    noise = np.random.default_rng(seed).normal(0.0, sd_hu, volume.shape).astype(np.float32)
    noise[:, volume_outside_field(volume)] = 0.0
    out = np.clip(np.rint(volume.array + noise), -1024, 3071)
    return volume.with_array(out.astype(volume.array.dtype))


def chest_drain(volume, labels, side: int = RIGHT, height: float = 0.5,
                inside_mm: float = 40.0, outside_mm: float = 30.0, rise_mm: float = 30.0,
                outer_mm: float = 5.0, inner_mm: float = 3.5) -> tuple:
    """(``volume`` with a chest drain, its tube): a straight tube (a wall of 150 HU,
    ``outer_mm`` in radius, round an air lumen of ``inner_mm``) from ``outside_mm`` beyond
    the skin through the lateral chest wall into lung ``side``, ``inside_mm`` in from its
    lateral edge at ``height`` of its slices, rising ``rise_mm`` along the way: a channel
    of air from the air around the patient into the lung."""
    lung = labels == side
    ks = np.flatnonzero(lung.any(axis=(1, 2)))
    k = ks[int(height * (len(ks) - 1))]
    rows = np.nonzero(lung[k])[0]
    y = int(np.median(rows))
    row = np.flatnonzero(lung[k, y])
    both = np.flatnonzero(np.isin(labels[k, y], (1, 2)))
    middle = (both[0] + both[-1]) / 2
    lateral, out = (row[0], -1) if middle - row[0] > row[-1] - middle else (row[-1], 1)
    sp = np.asarray(volume.spacing, float)
    edge = np.array([k, y, lateral], float)
    a = edge + np.array([-rise_mm / 2 / sp[0], 0.0, out * (outside_mm + 25.0) / sp[2]])
    b = edge + np.array([rise_mm / 2 / sp[0], 0.0, -out * inside_mm / sp[2]])
    lo = np.maximum(np.floor(np.minimum(a, b) - (outer_mm + 2) / sp).astype(int), 0)
    hi = np.minimum(np.ceil(np.maximum(a, b) + (outer_mm + 2) / sp).astype(int) + 1,
                    volume.shape)
    box = tuple(slice(int(i), int(j)) for i, j in zip(lo, hi))
    points = np.stack(np.meshgrid(*[np.arange(s.start, s.stop) * d for s, d in zip(box, sp)],
                                  indexing="ij"), axis=-1)
    along = (b - a) * sp
    t = np.clip(((points - a * sp) @ along) / (along @ along), 0.0, 1.0)
    distance = np.linalg.norm(points - (a * sp + t[..., None] * along), axis=-1)
    array = volume.array.copy()
    region = array[box]
    region[distance <= outer_mm] = 150
    lumen = distance <= inner_mm
    region[lumen] = _pure_air(int(lumen.sum()))
    tube = np.zeros(volume.shape, bool)
    tube[box] = distance <= outer_mm
    return volume.with_array(array), tube


def carina_slice(volume, labels) -> int:
    """The highest slice (toward the head) where the airway label ``AIRWAY`` is in two
    pieces of more than 30 mm² each: the carina."""
    from scipy import ndimage

    pixel_mm2 = float(volume.spacing[1] * volume.spacing[2])
    airway = labels == AIRWAY
    for k in np.argsort(-slice_z_mm(volume)):
        if airway[k].any():
            parts, _ = ndimage.label(airway[k])
            if np.count_nonzero(np.bincount(parts.ravel())[1:] * pixel_mm2 > 30.0) >= 2:
                return int(k)
    raise ValueError("no carina in the airway label")


def endotracheal_tube(volume, labels, around: str = "fluid", tip_mm: float = 40.0,
                      outer_mm: float = 5.5, inner_mm: float = 4.0) -> tuple:
    """(``volume`` with an endotracheal tube, its tube) as an intubated patient's scan shows
    it: on every slice of the trachea (the airway label ``AIRWAY`` in one piece) higher than
    ``tip_mm`` above the carina, a tube at the lumen's centre (a wall of 150 HU from
    ``inner_mm`` to ``outer_mm`` in radius, with a radio-opaque stripe of 1500 HU along one
    side, round an air lumen), and between the tube and the trachea's wall secretions
    (``around`` "fluid": 15 +/- 20 HU) or the air of its cuff ("air": as scanned)."""
    from scipy import ndimage

    airway = labels == AIRWAY
    sp = np.asarray(volume.spacing, float)
    z = slice_z_mm(volume)
    carina = carina_slice(volume, labels)
    trachea = [int(k) for k in np.flatnonzero(airway.any(axis=(1, 2))) if z[k] > z[carina]]
    array = volume.array.copy()
    tube = np.zeros(volume.shape, bool)
    rng = np.random.default_rng(1)
    J, I = np.indices(volume.shape[1:])
    for k in trachea:
        if z[k] - z[carina] < tip_mm:
            continue
        cj, ci = ndimage.center_of_mass(airway[k])
        r = np.hypot((J - cj) * sp[1], (I - ci) * sp[2])
        lumen = ndimage.binary_dilation(airway[k])         # with its partial-volume rim
        if around == "fluid":
            ring = lumen & (r > outer_mm)
            array[k][ring] = rng.normal(15, 20, int(ring.sum()))
        wall = (r >= inner_mm) & (r < outer_mm)
        array[k][wall] = 150
        array[k][wall & ((I - ci) * sp[2] > outer_mm - 2.0)] = 1500
        inside = r < inner_mm
        array[k][inside] = _pure_air(int(inside.sum()), seed=int(k))
        tube[k] = r < outer_mm
    return volume.with_array(array), tube


def air_in_oesophagus(volume, labels, radius_mm: float = 6.0, behind_mm: float = 16.0,
                      above_base_mm: float = 20.0) -> tuple:
    """(``volume`` with a column of air in its oesophagus, the column): a dilated oesophagus
    (achalasia, scleroderma, round a feeding tube) as a disc of ``radius_mm`` on every slice
    from the top of the scan down to ``above_base_mm`` above the lungs' lowest slice, centred
    ``behind_mm`` behind the trachea's axis and 4 mm to the patient's left (the trachea: the
    airway label ``AIRWAY`` on its five highest slices), painted only on soft tissue outside
    the lungs and the airway (-150 to 250 HU).  A run of air near the midline longer than
    the trachea's."""
    from scipy import ndimage

    sp = np.asarray(volume.spacing, float)
    z = slice_z_mm(volume)
    airway = labels == AIRWAY
    top_first = np.argsort(-z)
    highest = [k for k in top_first if airway[k].any()][:5]
    if not highest:
        raise ValueError("no airway label to put the oesophagus behind")
    cj = np.mean([ndimage.center_of_mass(airway[k])[0] for k in highest])
    ci = np.mean([ndimage.center_of_mass(airway[k])[1] for k in highest])
    step_x = volume.index_to_patient(np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]))[:, 0]
    left = 1.0 if step_x[0] > step_x[1] else -1.0        # LPS x grows to the patient's left
    oj, oi = cj + behind_mm / sp[1], ci + left * 4.0 / sp[2]
    lungs = np.isin(labels, (RIGHT, LEFT))
    ks = np.flatnonzero(lungs.any(axis=(1, 2)))
    base_z = float(z[ks].min())
    J, I = np.indices(volume.shape[1:])
    disc = np.hypot((J - oj) * sp[1], (I - oi) * sp[2]) <= radius_mm
    array = volume.array.copy()
    column = np.zeros(volume.shape, bool)
    for k in np.flatnonzero(z >= base_z + above_base_mm):
        column[k] = disc & (labels[k] == 0) & (volume.array[k] > -150) & (volume.array[k] < 250)
    array[column] = _pure_air(int(column.sum()))
    return volume.with_array(array), column


def subpleural_cysts(volume, labels, radius_mm: float = 8.0, septum_mm: float = 1.0,
                     upper: float = 0.6) -> tuple:
    """(``volume`` with paraseptal emphysema, its cysts): balls of air (-1000 +/- 10 HU) of
    ``radius_mm`` along both lungs' outline, touching it, ``septum_mm`` apart (on a grid of
    that pitch), over the ``upper`` share of the lungs' slices (they favour the upper
    lobes): a row of subpleural cysts, a layer of air along the wall with septa across."""
    lungs = np.isin(labels, (RIGHT, LEFT))
    spacing = np.asarray(volume.spacing, float)
    depth = distance_mm(lungs, spacing)
    ks = np.flatnonzero(lungs.any(axis=(1, 2)))
    if volume.index_to_patient_matrix[2, 2] < 0:
        ks = ks[::-1]                                       # from the base up
    shell = lungs & (np.abs(depth - radius_mm) < 0.6)
    shell[~np.isin(np.arange(volume.shape[0]), ks[int((1 - upper) * len(ks)):])] = False
    points = np.argwhere(shell)
    pitch = 2 * radius_mm + septum_mm
    _, first = np.unique(np.floor(points * spacing / pitch).astype(int), axis=0,
                         return_index=True)
    reach = np.ceil(radius_mm / spacing).astype(int)
    grids = np.meshgrid(*[np.arange(-k, k + 1) * d for k, d in zip(reach, spacing)],
                        indexing="ij")
    ball = sum(g * g for g in grids) <= radius_mm ** 2
    cysts = np.zeros(volume.shape, bool)
    for centre in points[first]:
        lo, hi = centre - reach, centre + reach + 1
        if (lo >= 0).all() and (hi <= volume.shape).all():
            cysts[tuple(slice(a, b) for a, b in zip(lo, hi))] |= ball
    cysts &= lungs
    array = volume.array.copy()
    array[cysts] = _pure_air(int(cysts.sum()))
    return volume.with_array(array), cysts


def _pure_air(count: int, seed: int = 0) -> np.ndarray:
    """``count`` voxels of air (-1000 +/- 10 HU), clipped at -1024 as a scan stores it: a
    lower value would pass for the fill outside the reconstructed field, and the field's
    edge go unseen."""
    rng = np.random.default_rng(seed)
    return np.clip(np.rint(-1000 + rng.normal(0, 10, count)), -1024, None)


def reconstructed(volume, kernel: str, sigma_mm: float = 0.8, amount: float = 1.0) -> Volume:
    """The same scan as another reconstruction kernel gives it, in-plane: ``"sharp"`` (a lung
    or bone kernel: edges overshoot and the noise grows, an unsharp mask of ``amount``) or
    ``"smooth"`` (a soft-tissue kernel: a Gaussian of ``sigma_mm``)."""
    from scipy import ndimage
    a = volume.array.astype(np.float32)
    sigma = (0.0,) + tuple(sigma_mm / s for s in volume.spacing[1:])
    blurred = ndimage.gaussian_filter(a, sigma=sigma)
    out = a + amount * (a - blurred) if kernel == "sharp" else blurred
    return volume.with_array(np.clip(np.rint(out), -1024, 3071).astype(volume.array.dtype))


def reticular(volume, band, share: float, scale_mm: float = 1.5, hu: float = 20.0,
              sd: float = 30.0):
    """``volume`` with ``share`` of ``band`` made dense (``hu`` ± ``sd``) in a pattern of
    strands and cysts (noise smoothed over ``scale_mm``, thresholded), the rest left as it
    is: reticulation and honeycombing, as fibrosis gives them along the back of the lungs."""
    from scipy import ndimage
    rng = np.random.default_rng(0)
    sigma = tuple(scale_mm / s for s in volume.spacing)
    field = ndimage.gaussian_filter(rng.normal(0, 1, volume.shape).astype(np.float32), sigma)
    dense = band & (field >= np.quantile(field[band], 1.0 - share))
    array = volume.array.copy()
    array[dense] = np.clip(hu + rng.normal(0, sd, int(dense.sum())), -1024, 3000)
    return volume.with_array(array)


def with_metal(volume, labels, amplitude_hu: float = 1200.0, height: float = 0.8,
               reach_mm: float = 20.0) -> tuple:
    """(``volume`` with a pacemaker in the left front chest wall, its central slice): a
    6 mm metal blob 12 mm under the skin at ``height`` of the lungs' height, and across
    the slices within ``reach_mm`` of it the dark and bright streaks metal casts (a fan of
    lobes round it, ``amplitude_hu`` at 30 mm and nearer, falling as 1/r beyond and towards
    the fan's last slices; the air outside the body left as it is)."""
    a = volume.array.astype(np.float32)
    lungs = (labels == 1) | (labels == 2)
    ks = np.flatnonzero(lungs.any(axis=(1, 2)))
    if volume.index_to_patient_matrix[2, 2] < 0:
        ks = ks[::-1]                                   # from the base up
    kc = int(ks[int(height * (len(ks) - 1))])
    sp = volume.spacing
    J, I = np.indices(a.shape[1:])
    lps = volume.index_to_patient(np.stack([np.full(J.size, kc), J.ravel(), I.ravel()], 1))
    x, y = lps[:, 0].reshape(J.shape), lps[:, 1].reshape(J.shape)
    body = a[kc] > -500
    ci = int(np.argmin(np.abs(x[0] - np.quantile(x[body], 0.8))))   # LPS: +x the left
    rows = np.flatnonzero(body[:, ci])
    cj = int(rows[np.argmin(y[rows, ci])]) + int(round(12.0 / sp[1]))
    r = np.hypot((J - cj) * sp[1], (I - ci) * sp[2]) + 1e-3
    angle = np.arctan2((J - cj) * sp[1], (I - ci) * sp[2])
    rng = np.random.default_rng(0)
    n = int(round(reach_mm / sp[0]))
    for k in range(max(kc - n, 0), min(kc + n + 1, a.shape[0])):
        weight = 1.0 - abs(k - kc) / (n + 1)
        fan = np.cos(7 * angle + rng.uniform(0, np.pi)) * np.cos(3 * angle)
        a[k] += (amplitude_hu * weight * fan * np.minimum(1.0, 30.0 / r)) * (a[k] > -900)
        a[k][r < 3.0] = 3000.0
    out = np.clip(np.rint(a), -1024, 3071).astype(volume.array.dtype)
    return volume.with_array(out), kc


def thicker_slices(volume, factor: int) -> Volume:
    """The same scan reconstructed with ``factor`` times thicker slices: each run of
    ``factor`` slices averaged (a slice averages the patient over its thickness), placed
    at the run's middle."""
    n = volume.shape[0] // factor * factor
    runs = volume.array[:n].astype(np.float32).reshape(n // factor, factor,
                                                        *volume.shape[1:])
    return Volume(np.rint(runs.mean(axis=1)).astype(volume.array.dtype),
                  spacing=(volume.spacing[0] * factor,) + tuple(volume.spacing[1:]),
                  origin=tuple(volume.index_to_patient([(factor - 1) / 2, 0, 0])),
                  direction=volume.direction, meta=dict(volume.meta))


def thicker_mask(mask, factor: int) -> np.ndarray:
    """``mask`` on :func:`thicker_slices`' grid: the voxels at least half in it."""
    n = mask.shape[0] // factor * factor
    return mask[:n].reshape(n // factor, factor, *mask.shape[1:]).mean(axis=1) >= 0.5


def stored_reversed(volume, axes) -> Volume:
    """The same patient stored with the array reversed along ``axes`` (0 the slices, 1 the
    rows, 2 the columns), as a feet-first or prone series or another vendor stores it: the
    array flips, the patient does not (the direction's matching columns are negated)."""
    flip = [slice(None)] * 3
    first = [0, 0, 0]
    sign = np.ones(3)
    for axis in axes:
        flip[axis] = slice(None, None, -1)
        first[axis] = volume.shape[axis] - 1
        sign[2 - axis] = -1.0               # the direction's columns run i, j, k
    return Volume(np.ascontiguousarray(volume.array[tuple(flip)]), spacing=volume.spacing,
                  origin=tuple(volume.index_to_patient(first)),
                  direction=volume.direction @ np.diag(sign))


def chest_part(volume, part: str) -> slice:
    """The slices of the upper 60 % (toward the head), the lower 60 % or the middle 40 %."""
    n = volume.shape[0]
    head_up = volume.index_to_patient_matrix[2, 2] > 0     # higher index: nearer the head
    upper = slice(n - int(0.6 * n), n) if head_up else slice(0, int(0.6 * n))
    lower = slice(0, int(0.6 * n)) if head_up else slice(n - int(0.6 * n), n)
    return {"upper": upper, "lower": lower,
            "middle": slice(int(0.3 * n), int(0.7 * n))}[part]


def chest_wall_air(volume, labels, share: float, near_mm: float = 4.0, side: int | None = None,
                   skin_mm: float = 2.0) -> tuple:
    """(``volume`` with subcutaneous emphysema, its air): ``share`` of the chest wall's soft
    tissue (-200 to 150 HU: fat and muscle) made gas (-960 +/- 25 HU: air with the partial
    volume of the strands between, in blobs of about 2.5 mm), where the tissue lies at least
    ``near_mm`` outside the convex hull of the lungs in its slice and ``skin_mm`` inside
    the skin, over the middle 65 % of the lungs' height; on one ``side`` (1 right, 2 left:
    the half of the body beyond the lungs' mean patient x) or both."""
    from skimage.morphology import convex_hull_image

    from ctvis.core.image.body import body_mask

    spacing = volume.spacing
    lungs = (labels == RIGHT) | (labels == LEFT)
    ks = np.flatnonzero(lungs.any(axis=(1, 2)))
    hull = np.zeros_like(lungs)
    for k in ks:
        hull[k] = convex_hull_image(lungs[k])
    wall = np.zeros_like(lungs)
    wall[ks[int(0.2 * len(ks)):int(0.85 * len(ks))]] = True
    if side is not None:
        x = np.broadcast_to(_patient_along(volume, 2)[None, :], volume.shape[1:])
        centre = x[lungs.any(axis=0)].mean()
        wall &= ((x < centre) if side == RIGHT else (x >= centre))[None]   # LPS: right is -x
    hu = volume.array
    wall &= (hu > -200) & (hu < 150)
    wall &= distance_mm(~hull, spacing) >= near_mm
    wall &= distance_mm(body_mask(volume), spacing) >= skin_mm
    return _gas_in(volume, wall, share, 2.5, seed=1)


def _gas_in(volume, where, share: float, blob_mm: float, seed: int) -> tuple:
    """(``volume`` with ``share`` of ``where`` made gas, that gas): -960 +/- 25 HU (air with
    the partial volume of the strands between) in blobs of about ``blob_mm``."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.normal(0, 1, volume.shape).astype(np.float32),
                                    tuple(blob_mm / s for s in volume.spacing))
    air = where & (field >= np.quantile(field[where], 1.0 - share))
    array = volume.array.copy()
    array[air] = np.clip(np.rint(-960 + rng.normal(0, 25, int(air.sum()))), -1024, 3000)
    return volume.with_array(array), air


def mediastinal_air(volume, labels, share: float, near_mm: float = 2.0,
                    airway_mm: float = 4.0) -> tuple:
    """(``volume`` with a pneumomediastinum, its air): ``share`` of the mediastinal fat
    (-150 to -30 HU inside the convex hull of the lungs, at least ``near_mm`` from them and
    ``airway_mm`` from the airway's lumen, on the slices where the lungs' section is at least
    60 % of its largest: above the domes) made gas as :func:`chest_wall_air` makes it."""
    from skimage.morphology import convex_hull_image

    lungs = (labels == RIGHT) | (labels == LEFT)
    section = lungs.sum(axis=(1, 2))
    hull = np.zeros_like(lungs)
    for k in np.flatnonzero(section >= 0.6 * section.max()):
        hull[k] = convex_hull_image(lungs[k])
    hu = volume.array
    fat = hull & ~lungs & (hu > -150) & (hu < -30)
    fat &= distance_mm(~lungs, volume.spacing) >= near_mm
    fat &= distance_mm(labels != AIRWAY, volume.spacing) >= airway_mm
    return _gas_in(volume, fat, share, 2.0, seed=2)
