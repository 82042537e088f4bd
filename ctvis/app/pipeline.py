"""The steps the window, the CLI, reports and batch share: open, segment lungs, build meshes.

Each step takes ``progress(fraction, message)`` and ``cancel() -> bool`` (both optional),
raises :class:`ctvis.core.errors.CtvisError` with a message fit for a user on bad input, and
returns plain objects.  No Qt, no VTK at import time: meshing imports ``ctvis.render`` only
when it runs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ctvis.core.errors import CtvisError
from ctvis.core.labels import AIRWAY, BOTH_LUNGS, LUNG_LABELS, LUNG_STRUCTURES, STRUCTURES
from ctvis.core.presets import default_bone_threshold
from ctvis.core.progress import Progress
from ctvis.core.surface_options import BONE_SURFACE, LUNG_SURFACE, SurfaceOptions
from ctvis.core.volume import Volume

MESH_STRUCTURES = tuple(STRUCTURES)          # right, left, lungs, bone, airway


def open_volume(path=None, series_uid=None, progress=None, cancel=None) -> Volume:
    """A HU Volume from a DICOM folder/file, NIfTI, NRRD or MetaImage; ``path=None``: the
    demo phantom."""
    tick = Progress(progress, cancel)
    if path is None:
        from ctvis.core.phantom import demo_volume

        tick(0.0, "making the demo phantom")
        volume = demo_volume()
        tick(1.0, "loaded")
        return volume
    from ctvis.core.io import load

    return load(path, series_uid=series_uid, progress=tick, cancel=cancel)


@dataclass
class LungResult:
    labels: np.ndarray                   # uint8 on the volume's grid (ctvis.core.labels)
    metrics: dict                        # ctvis.core.lungs.lung_metrics
    method: str
    seconds: float

    @property
    def empty(self) -> bool:
        return self.metrics["total"]["voxels"] == 0


MIN_SLICES = 3


def require_volume(volume: Volume, task: str) -> None:
    """Refuse a stack too thin for 3-D work: one slice has no lung volume or closed surface."""
    n = volume.shape[0]
    if n < MIN_SLICES:
        source = volume.meta.get("source") or "the input"
        raise CtvisError(f"{source}: {n} slice(s); {task} needs a 3-D stack of at least "
                         f"{MIN_SLICES} slices (one slice has no volume and no closed "
                         f"surface)")


def segment(volume: Volume, method: str = "watershed", progress=None,
            cancel=None, airway: bool = False, aerated: bool = False) -> LungResult:
    """Segment the lungs of ``volume`` and measure them.

    ``aerated``: aerated parenchyma only (default: each lung's pleural envelope, pathology
    inside); ``airway``: also label 3, the trachea and main bronchi.  The metrics say which
    mask they used (``metrics["mask"]``) and carry ``metrics["warnings"]``.
    """
    from ctvis.core.lungs import lung_metrics, lung_warnings, segment_lungs

    require_volume(volume, "lung segmentation")

    tick = Progress(progress, cancel)
    start = time.perf_counter()
    info: dict = {}
    labels = segment_lungs(volume, method=method, progress=tick.sub(0.0, 0.95),
                           airway=airway, aerated=aerated, info=info)
    tick(0.95, "measuring")
    metrics = lung_metrics(volume, labels, mask="aerated" if aerated else "envelope")
    metrics["warnings"] = lung_warnings(volume, labels, info)
    tick(1.0, "done")
    return LungResult(labels, metrics, method, time.perf_counter() - start)


@dataclass
class MeshRequest:
    """Which surface to build: a lung structure from labels, or bone at a HU threshold."""
    structure: str = BOTH_LUNGS.name      # right, left, lungs (each lung) or bone
    threshold: float | None = None        # bone HU (default: the bone preset)
    options: SurfaceOptions | None = None  # None: the structure's defaults
    method: str = "watershed"             # lung segmentation, when no labels are given

    def __post_init__(self):
        if self.structure not in MESH_STRUCTURES:
            raise CtvisError(f"unknown structure {self.structure!r} "
                             f"(choose from {', '.join(MESH_STRUCTURES)})")

    @property
    def surface_options(self) -> SurfaceOptions:
        if self.options is not None:
            return self.options
        return BONE_SURFACE if self.structure == "bone" else LUNG_SURFACE


def lung_structures(labels: np.ndarray, structure: str, mask_path=None):
    """(labels, structure names) for a lung request.

    A label map with right and left lungs gives them one by one.  A mask with a single
    value other than the left lung's (e.g. CIP's binary ``wholeLung``, value 1) cannot tell
    right from left: it gives one structure, "lungs".
    """
    values = set(np.unique(labels).tolist()) - {0, AIRWAY.value}   # the airway is no lung
    lung_values = {label.value for label in LUNG_LABELS}
    where = f"{mask_path}: " if mask_path else ""
    if not values:
        raise CtvisError(f"{where}the lung mask is empty")
    right, left = (label.value for label in LUNG_LABELS)
    if structure == AIRWAY.name:
        if not np.any(labels == AIRWAY.value):
            raise CtvisError(f"{where}the mask has no airway (label {AIRWAY.value}): segment "
                             f"with --airway")
        return labels, (AIRWAY.name,)
    if values <= lung_values and (left in values or values == lung_values):
        if structure == BOTH_LUNGS.name:
            return labels, tuple(label.name for label in LUNG_LABELS if label.value in values)
        return labels, (structure,)
    if len(values) == 1:                 # one value: a whole-lung mask
        if structure != BOTH_LUNGS.name:
            raise CtvisError(f"{where}the mask has one label ({values.pop()}), not right "
                             f"({right}) and left ({left}) lungs: use --structure lungs")
        return (labels != 0).astype(np.uint8), (BOTH_LUNGS.name,)
    raise CtvisError(f"{where}the mask has labels {sorted(values)}; expected {right} (right "
                     f"lung) and {left} (left lung)")


def build_meshes(volume: Volume, request: MeshRequest, labels: np.ndarray | None = None,
                 labels_source=None, progress=None, cancel=None) -> dict:
    """Surface meshes {name: pyvista.PolyData} in LPS mm for ``request``.

    Lung structures come from ``labels`` when given (``labels_source`` names them in
    messages), else from a fresh segmentation.
    """
    from ctvis.mesh.surfaces import lung_surfaces, threshold_surface

    require_volume(volume, "meshing")
    tick = Progress(progress, cancel)
    options = request.surface_options
    if request.structure == "bone":
        hu = default_bone_threshold() if request.threshold is None else request.threshold
        mesh = threshold_surface(volume, hu, options=options, progress=tick)
        return {"bone": mesh}
    lo = 0.0
    if labels is None:
        labels = segment(volume, request.method, progress=tick.sub(0.0, 0.5),
                         airway=request.structure == AIRWAY.name).labels
        lo = 0.5
    labels, names = lung_structures(np.asarray(labels), request.structure, labels_source)
    return lung_surfaces(volume, labels, names, options=options, progress=tick.sub(lo, 1.0))


__all__ = ["open_volume", "segment", "require_volume", "MIN_SLICES", "LungResult",
           "MeshRequest", "build_meshes", "lung_structures", "MESH_STRUCTURES",
           "LUNG_STRUCTURES"]
