"""Lung measurements from a label volume: volume, mean lung density, LAA%−950, PD15, histogram.

Per lung (``right``, ``left``) and for both (``total``).  Definitions (COPDGene usage):
volume = voxel count × voxel volume (mL); MLD = mean HU; LAA%−950 = percent of lung voxels
below −950 HU; PD15 = the 15th percentile of the lung HU distribution (HU); the histogram has
10 HU bins from −1024 to 200 HU (values outside fall in the end bins).

``METRICS`` is the one list of what is measured: key, names, unit and the one precision
every reader shows it with (the Lungs dock, the report, ``ctvis segment`` and ``ctvis
report``, batch); ``PARTS`` the parts it is measured over.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ctvis.core.labels import LEFT_LUNG, LUNG_LABELS, RIGHT_LUNG
from ctvis.core.volume import Volume

HIST_RANGE = (-1024, 200)
HIST_BIN = 10
PARTS = {RIGHT_LUNG.name: (RIGHT_LUNG.value,), LEFT_LUNG.name: (LEFT_LUNG.value,),
         "total": tuple(label.value for label in LUNG_LABELS)}


@dataclass(frozen=True)
class Metric:
    """One lung measurement and how it is written wherever it is shown."""
    key: str          # its key in each part of ``lung_metrics``
    name: str         # in full: a report's row ("Mean lung density")
    abbr: str         # short: a terminal's row, a summary line ("MLD")
    column: str       # shortest: a narrow table's column title ("MLD")
    unit: str         # "mL", "HU", "%"
    fmt: str          # the one precision it is shown with
    about: str        # one sentence (a tooltip)

    @property
    def title(self) -> str:
        """"Mean lung density (HU)"."""
        return f"{self.name} ({self.unit})"

    @property
    def short_title(self) -> str:
        """"MLD (HU)"."""
        return f"{self.abbr} ({self.unit})"

    def text(self, value, missing: str = "—") -> str:
        """``value`` with this metric's precision; ``missing`` for None or NaN (an empty
        lung has no mean)."""
        if value is None or value != value:
            return missing
        return self.fmt.format(value)


METRICS = (
    Metric("volume_ml", "Volume", "volume", "mL", "mL", "{:.0f}", "volume in millilitres"),
    Metric("mld_hu", "Mean lung density", "MLD", "MLD", "HU", "{:.1f}",
           "mean lung density (HU)"),
    Metric("laa950_pct", "LAA%−950", "LAA%−950", "LAA%", "%", "{:.2f}",
           "percent of lung voxels below −950 HU (LAA%−950)"),
    Metric("pd15_hu", "PD15", "PD15", "PD15", "HU", "{:.1f}",
           "15th percentile of the lung HU distribution"),
)
METRIC = {m.key: m for m in METRICS}


def _stats(hu: np.ndarray, voxel_ml: float) -> dict:
    n = int(hu.size)
    edges = np.arange(HIST_RANGE[0], HIST_RANGE[1] + HIST_BIN, HIST_BIN)
    counts, _ = np.histogram(np.clip(hu, HIST_RANGE[0], HIST_RANGE[1] - 1), bins=edges)
    if n == 0:
        return {"volume_ml": 0.0, "mld_hu": float("nan"), "laa950_pct": float("nan"),
                "pd15_hu": float("nan"), "voxels": 0,
                "histogram": {"edges": edges.tolist(), "counts": counts.tolist()}}
    return {"volume_ml": n * voxel_ml,
            "mld_hu": float(hu.mean(dtype=np.float64)),
            "laa950_pct": 100.0 * float(np.count_nonzero(hu < -950)) / n,
            "pd15_hu": float(np.percentile(hu, 15)),
            "voxels": n,
            "histogram": {"edges": edges.tolist(), "counts": counts.tolist()}}


MASKS = {"envelope": "each lung's pleural envelope (nodules, masses, consolidation inside)",
         "aerated": "aerated parenchyma only (solid nodules, masses, consolidation left out)"}


def lung_metrics(volume: Volume, labels: np.ndarray, mask: str = "envelope") -> dict:
    """{"right": {...}, "left": {...}, "total": {...}, "mask": ...}: each part with volume_ml,
    mld_hu, laa950_pct, pd15_hu, voxels and histogram {edges, counts}; ``mask`` says over
    which mask they were measured (a key of ``MASKS``)."""
    labels = np.asarray(labels)
    if labels.shape != volume.shape:
        raise ValueError(f"labels shape {labels.shape} differs from the volume's {volume.shape}")
    voxel_ml = volume.voxel_volume_mm3 / 1000.0
    box = np.nonzero(labels)
    if box[0].size == 0:
        hu_by = {label.value: np.empty(0, np.int16) for label in LUNG_LABELS}
    else:
        lo = [int(b.min()) for b in box]
        hi = [int(b.max()) + 1 for b in box]
        sl = tuple(slice(a, b) for a, b in zip(lo, hi))
        lab, hu = labels[sl], volume.array[sl]
        hu_by = {label.value: hu[lab == label.value] for label in LUNG_LABELS}
    out = {}
    for name, values in PARTS.items():
        hu = np.concatenate([hu_by[v] for v in values])
        out[name] = _stats(hu, voxel_ml)
    out["mask"] = mask
    return out


def flat_metrics(metrics: dict) -> dict:
    """The flat JSON keys of ``ctvis segment --metrics``: total values and per-lung values."""
    t, r, l = metrics["total"], metrics["right"], metrics["left"]
    flat = {"right_ml": r["volume_ml"], "left_ml": l["volume_ml"], "total_ml": t["volume_ml"]}
    flat.update({m.key: t[m.key] for m in METRICS if m.key != "volume_ml"})
    for side, part in (("right", r), ("left", l)):
        flat.update({f"{side}_{m.key}": part[m.key] for m in METRICS if m.key != "volume_ml"})
    return {k: (None if isinstance(v, float) and np.isnan(v) else round(float(v), 3))
            for k, v in flat.items()}


FLAT_TOTALS = ("right_ml", "left_ml", "total_ml") + tuple(
    m.key for m in METRICS if m.key != "volume_ml")      # batch's summary columns
