"""ViewerState: everything the user sees, as plain data with one event per field (no Qt).

Views and docks read the state and listen to ``state.events.<field>``; user actions change
the state, never another widget.  Settings are small frozen value objects, so a change is a
new value and an event fires only when the value differs (data — the volume, label maps —
counts as changed when it is another object).  A label map edited in place stays the same
object: ``events.labels`` says which overlay's map changed and where (its region).  Slice indices are derived from the crosshair
(patient LPS mm), never stored beside it.  ``to_json`` / ``from_json`` are the session file.
"""
from __future__ import annotations

import json
import weakref
from dataclasses import asdict, dataclass, field, replace
from functools import partial

import numpy as np

from ctvis.model.events import Events
from ctvis.model.labelmap import LabelMap, Segment, lung_segments
from ctvis.model.markups import Markup, check_markups
from ctvis.core.image.slicing import VIEWS, slice_axes
from ctvis.core.presets import (SERIES_PRESET, default_bone_threshold, default_window,
                                window_presets)
from ctvis.model.slice_display import SliceDisplay

SESSION_VERSION = 1
LAYOUTS = ("four-up", "one-by-three", "axial", "sagittal", "coronal", "3d")
RENDER_MODES = ("volume", "bone", "lungs", "slices")
# Volume clipping in 3D: none, the half beyond a slice plane at the crosshair cut away
# (axial: the superior half, coronal: the anterior half, sagittal: the patient's left half),
# or everything outside ``View3D.box``.
CLIP_MODES = ("none", "axial", "coronal", "sagittal", "box")
LUNGS = "lungs"                                  # the name of the lung overlay


@dataclass(frozen=True)
class Source:
    """Where the volume came from: a path (None: the built-in phantom) and a series UID."""
    path: str | None = None
    series_uid: str | None = None


@dataclass(frozen=True)
class Window:
    center: float
    width: float
    preset: str | None = None                    # None once the user drags away from a preset

    def __post_init__(self):
        if not self.width > 0:
            raise ValueError(f"window width must be positive, got {self.width:g}")


@dataclass(frozen=True, eq=False, init=False)
class Overlay:
    """A label map on the image's grid (:class:`LabelMap`: array, segment table, revision),
    drawn in colour over the slices and in 3D, with how it was made and its measurements.

    The label map changes in place (``labelmap.write`` / ``notify``); the overlay stays the
    same object then, and ``ViewerState.events.labels`` says where it changed.  Display
    settings (visible, opacity) and the result of making it are the overlay's."""
    labelmap: LabelMap | None = None
    visible: bool = True
    opacity: float = 0.4
    # How the labels were made: a segmentation method ("watershed", "kmeans") or the path
    # of a mask file.  A session saves the labels themselves; it makes them again from
    # ``origin`` only for session files written before labels were saved.
    origin: str | None = None
    # The labels' measurements (ctvis.core.lungs.lung_metrics, with "warnings" and "mask")
    # at label map revision ``measured``, and how long making the labels took (s); None: not
    # measured.  Metrics of an older revision are stale (``metrics_current``).
    metrics: dict | None = None
    measured: int | None = None
    seconds: float | None = None
    # Slice views draw only each segment's boundary pixels (the CT stays visible inside).
    outline: bool = False

    def __init__(self, labelmap=None, visible=True, opacity=0.4, origin=None, metrics=None,
                 measured=None, seconds=None, outline=False, *, labels=None):
        if labels is not None:                       # an array: a lung label map around it
            if labelmap is not None:
                raise ValueError("give an overlay labels or a labelmap, not both")
            labelmap = labels if isinstance(labels, LabelMap) else \
                LabelMap(labels, lung_segments(origin))
        if labelmap is not None and not isinstance(labelmap, LabelMap):
            raise TypeError(f"an overlay's labelmap is a LabelMap, got {type(labelmap)}")
        if metrics is not None and measured is None and labelmap is not None:
            measured = labelmap.revision             # measured now
        for name, value in (("labelmap", labelmap), ("visible", visible),
                            ("opacity", opacity), ("origin", origin), ("metrics", metrics),
                            ("measured", measured), ("seconds", seconds),
                            ("outline", bool(outline))):
            object.__setattr__(self, name, value)
        if not 0.0 <= self.opacity <= 1.0:
            raise ValueError(f"overlay opacity must be in [0, 1], got {self.opacity:g}")

    def __eq__(self, other) -> bool:
        return (isinstance(other, Overlay) and self.labelmap is other.labelmap
                and self.metrics is other.metrics
                and (self.visible, self.opacity, self.origin, self.measured, self.seconds,
                     self.outline)
                == (other.visible, other.opacity, other.origin, other.measured,
                    other.seconds, other.outline))

    __hash__ = None

    @property
    def labels(self) -> np.ndarray | None:
        """The label array (None: no labels); edit it through ``labelmap``."""
        return None if self.labelmap is None else self.labelmap.array

    @property
    def segments(self) -> tuple:
        return () if self.labelmap is None else self.labelmap.segments

    @property
    def colors(self) -> tuple:
        """((value, (r, g, b)), ...) of the segment table."""
        return tuple((s.value, s.color) for s in self.segments)

    def color_of(self, value: int) -> tuple[int, int, int] | None:
        return None if self.labelmap is None else self.labelmap.color_of(value)

    @property
    def metrics_current(self) -> bool:
        """Whether ``metrics`` are of the labels as they are now."""
        return (self.metrics is not None and self.labelmap is not None
                and self.measured == self.labelmap.revision)


@dataclass(frozen=True)
class Bone:
    hu: float = field(default_factory=default_bone_threshold)
    visible: bool = False


@dataclass(frozen=True)
class View3D:
    modes: frozenset = frozenset({"volume", "slices"})
    preset: str = "CT-Chest-Contrast-Enhanced"
    shift: float = 0.0                           # HU added to every transfer-function point
    clip: str = "none"                           # one of CLIP_MODES
    # The clip box (clip "box"): patient LPS mm (xmin, xmax, ymin, ymax, zmin, zmax), axis-
    # aligned in patient space like the crosshair; None: the whole volume.  Kept while
    # another clip is chosen, so switching back finds it again.
    box: tuple | None = None

    def __post_init__(self):
        unknown = set(self.modes) - set(RENDER_MODES)
        if unknown:
            raise ValueError(f"unknown 3D mode(s) {sorted(unknown)} "
                             f"(choose from {', '.join(RENDER_MODES)})")
        if self.clip not in CLIP_MODES:
            raise ValueError(f"unknown 3D clip {self.clip!r} (choose from {', '.join(CLIP_MODES)})")
        if self.box is not None:
            object.__setattr__(self, "box", _box(self.box))


def _labels_changed(state_ref, labelmap, change) -> None:
    state = state_ref()
    if state is not None:
        state._labels_changed(labelmap, change)


def _segments_changed(state_ref, _table) -> None:
    state = state_ref()
    if state is not None:
        state.events.overlays.emit(state.overlays)


def _unwatch(watched: dict) -> None:
    """A state went: its slots leave the label maps it watched."""
    for labelmap, (changed, segments) in watched.values():
        labelmap.events.changed.disconnect(changed)
        labelmap.events.segments.disconnect(segments)
    watched.clear()


def _box(value) -> tuple:
    """Six finite floats (xmin, xmax, ymin, ymax, zmin, zmax) with min <= max on each axis."""
    try:
        b = np.asarray(value, dtype=float).reshape(6)
    except (TypeError, ValueError):
        raise ValueError(f"a clip box is six numbers (xmin, xmax, ymin, ymax, zmin, zmax), "
                         f"got {value!r}") from None
    if not np.all(np.isfinite(b)) or np.any(b[0::2] > b[1::2]):
        raise ValueError(f"clip box {tuple(b.tolist())} is not finite with min <= max on "
                         f"each axis")
    return tuple(float(v) for v in b)


@dataclass(frozen=True)
class Camera:
    position: tuple[float, float, float]
    focal_point: tuple[float, float, float]
    view_up: tuple[float, float, float]
    view_angle: float = 30.0
    parallel_scale: float | None = None


FIELDS = ("volume", "source", "crosshair", "window", "layout", "overlays", "bone", "view3d",
          "camera", "active_segment", "markups")
# Events that are no field: ``labels(name, LabelChange)`` when an overlay's label map changed
# in place (its segment table changing fires ``overlays``).
LABELS = "labels"
# How each slice view draws its slice (slab, colour map): {view: SliceDisplay}, one event.
FIELDS += ("view_display",)


class ViewerState:
    """What the viewer shows.  Assign a field to change it; ``events.<field>`` fires once.

    ``events.labels(name, change)`` fires when the label map of overlay ``name`` changed in
    place (``change``: a :class:`ctvis.model.labelmap.LabelChange`, its region and values);
    a change of a label map's segment table fires ``events.overlays``."""

    def __init__(self):
        d = self.__dict__
        d["events"] = Events(FIELDS + (LABELS,))
        d["_watched"] = {}                       # id(labelmap) -> (labelmap, slots)
        weakref.finalize(self, _unwatch, d["_watched"])
        d["volume"] = None
        d["source"] = Source()
        d["crosshair"] = (0.0, 0.0, 0.0)
        preset = default_window()
        d["window"] = Window(preset.center, preset.width, preset.name)
        d["layout"] = "four-up"
        d["overlays"] = {}
        d["bone"] = Bone()
        d["view3d"] = View3D()
        d["view_display"] = {view: SliceDisplay() for view in VIEWS}
        d["camera"] = None
        # The segment editor tools act on: (overlay name, label value), or None.
        d["active_segment"] = None
        # Rulers, angles, points and ROIs (ctvis.model.markups), in patient LPS mm.
        d["markups"] = ()

    # ------------------------------------------------------------------ fields
    def __setattr__(self, name, value):
        if name not in FIELDS:
            raise AttributeError(f"ViewerState has no field {name!r}")
        value = getattr(self, f"_check_{name}", lambda v: v)(value)
        old = self.__dict__[name]
        if _same(old, value):
            return
        self.__dict__[name] = value
        if name == "volume":
            self._volume_replaced(value)
        if name == "overlays":
            self._watch_labelmaps()
        getattr(self.events, name).emit(value)

    def _watch_labelmaps(self) -> None:
        """Listen to the label maps the overlays hold (and to no other)."""
        watched = self.__dict__["_watched"]
        now = {id(o.labelmap): o.labelmap for o in self.overlays.values()
               if o.labelmap is not None}
        for key in [k for k in watched if k not in now]:
            labelmap, (changed, segments) = watched.pop(key)
            labelmap.events.changed.disconnect(changed)
            labelmap.events.segments.disconnect(segments)
        # The slots hold the state only weakly: a label map outlives the temporary states
        # that showed it (a report's, a picture's), and strong slots kept each of them (and
        # what it held) alive as long as the map, adding two slots per report.  The state's
        # finalizer disconnects them when it goes.
        me = weakref.ref(self)
        for key, labelmap in now.items():
            if key not in watched:
                changed = partial(_labels_changed, me, labelmap)
                segments = partial(_segments_changed, me)
                labelmap.events.changed.connect(changed)
                labelmap.events.segments.connect(segments)
                watched[key] = (labelmap, (changed, segments))

    def _labels_changed(self, labelmap, change) -> None:
        for name, overlay in list(self.overlays.items()):
            if overlay.labelmap is labelmap:
                self.events.labels.emit(name, change)

    def _check_crosshair(self, value):
        point = np.asarray(value, dtype=float).reshape(3)
        if not np.all(np.isfinite(point)):
            raise ValueError(f"crosshair must be finite, got {value}")
        if self.volume is not None:                 # keep it inside the volume
            kji = np.clip(self.volume.patient_to_index(point), 0,
                          np.array(self.volume.shape) - 1)
            point = self.volume.index_to_patient(kji)
        return tuple(float(v) for v in point)

    def _check_markups(self, value):
        return check_markups(value)

    def _check_active_segment(self, value):
        if value is None:
            return None
        name, label = value
        return (str(name), int(label))

    def _check_view_display(self, value):
        unknown = set(value) - set(VIEWS)
        if unknown:
            raise ValueError(f"no slice view {sorted(unknown)} (views: {', '.join(VIEWS)})")
        out = {view: value.get(view, SliceDisplay()) for view in VIEWS}
        for view, display in out.items():
            if not isinstance(display, SliceDisplay):
                raise TypeError(f"{view}: a SliceDisplay, got {type(display)}")
        return out

    def set_view_display(self, view: str, **changes) -> SliceDisplay:
        """Change how ``view`` draws (slab_mm, slab_mode, colormap, colorbar); one event."""
        if view not in VIEWS:
            raise ValueError(f"no slice view {view!r} (views: {', '.join(VIEWS)})")
        self.view_display = {**self.view_display,
                             view: replace(self.view_display[view], **changes)}
        return self.view_display[view]

    def _check_layout(self, value):
        if value not in LAYOUTS:
            raise ValueError(f"unknown layout {value!r} (choose from {', '.join(LAYOUTS)})")
        return value

    def _check_overlays(self, value):
        for name, overlay in value.items():
            if self.volume is not None and overlay.labels is not None \
                    and overlay.labels.shape != self.volume.shape:
                raise ValueError(f"overlay {name!r} has shape {overlay.labels.shape}, "
                                 f"the volume {self.volume.shape}")
        return dict(value)

    def _volume_replaced(self, volume) -> None:
        """A new volume: crosshair to its centre, its own window if it has one, no overlays,
        the clip box back to the whole volume (it was in the last patient's space)."""
        if volume is None:
            return
        self.__dict__["overlays"] = {}
        self._watch_labelmaps()
        self.__dict__["camera"] = None
        self.__dict__["active_segment"] = None
        self.__dict__["markups"] = ()           # they were on the last patient
        self.events.overlays.emit({})
        self.events.markups.emit(())
        self.events.camera.emit(None)
        self.events.active_segment.emit(None)
        if self.view3d.box is not None:
            self.view3d = replace(self.view3d, box=None)
        self.crosshair = tuple(volume.center_patient())
        series = [p for p in window_presets(volume) if p.name == SERIES_PRESET]
        if series and self.window.preset == SERIES_PRESET:
            self.window = Window(series[0].center, series[0].width, SERIES_PRESET)

    # ------------------------------------------------------------- conveniences
    def set_overlay(self, name: str, **changes) -> Overlay:
        """Create or change one overlay; fires ``events.overlays`` once.

        ``labels=``: a LabelMap, or an array (the same array as now: no change; another one:
        a new label map keeping the current segment table, else the lungs' table);
        ``colors=((value, rgb), ...)`` or ``segments=(Segment, ...)`` change the table.
        New labels without ``metrics=`` have none; ``metrics=`` are of the labels' current
        revision unless ``measured=`` says otherwise."""
        current = self.overlays.get(name, Overlay())
        colors = changes.pop("colors", None)
        segments = changes.pop("segments", None)
        if "labels" in changes:
            labels = changes.pop("labels")
            if labels is None or isinstance(labels, LabelMap):
                changes["labelmap"] = labels
            elif current.labelmap is None or current.labelmap.array is not labels:
                table = current.segments or lung_segments(changes.get("origin",
                                                                      current.origin))
                changes["labelmap"] = LabelMap(labels, table, name)
        labelmap = changes.get("labelmap", current.labelmap)
        if labelmap is not current.labelmap and "metrics" not in changes:
            changes["metrics"] = None                # those were of other labels
        if "metrics" in changes and "measured" not in changes:
            changes["measured"] = (None if changes["metrics"] is None or labelmap is None
                                   else labelmap.revision)
        if labelmap is not None and segments is not None:
            labelmap.set_segments(segments)
        if labelmap is not None and colors is not None:
            labelmap.set_segments(with_colors(labelmap.segments, colors))
        overlay = replace(current, **changes)
        self.overlays = {**self.overlays, name: overlay}
        return self.overlays[name]

    def active_row(self):
        """(overlay, Segment) of ``active_segment``, None when nothing (or a segment that is
        gone) is active."""
        if self.active_segment is None:
            return None
        name, value = self.active_segment
        overlay = self.overlays.get(name)
        row = None if overlay is None or overlay.labelmap is None \
            else overlay.labelmap.segment(value)
        return None if row is None else (overlay, row)

    def remove_overlay(self, name: str) -> None:
        if name in self.overlays:
            self.overlays = {k: v for k, v in self.overlays.items() if k != name}

    def apply_preset(self, name: str) -> None:
        """Set the window from a named preset (resources/ or the series' own)."""
        for p in window_presets(self.volume):
            if p.name.lower() == name.lower():
                self.window = Window(p.center, p.width, p.name)
                return
        raise KeyError(f"no window preset named {name!r}; known: "
                       + ", ".join(p.name for p in window_presets(self.volume)))

    def crosshair_index(self) -> tuple[int, int, int]:
        """The voxel (k, j, i) under the crosshair."""
        self._need_volume()
        # Half-up with a little slack: a point half-way between voxels (the centre of an
        # even-sized axis) keeps its voxel through mm <-> index round trips.
        kji = np.floor(self.volume.patient_to_index(self.crosshair) + 0.5 + 1e-6).astype(int)
        return tuple(int(v) for v in np.clip(kji, 0, np.array(self.volume.shape) - 1))

    def slice_index(self, view: str) -> int:
        """The slice of ``view`` through the crosshair (derived, never stored)."""
        self._need_volume()
        return self.crosshair_index()[slice_axes(self.volume.direction, view).normal]

    def set_slice_index(self, view: str, index: int) -> None:
        """Move the crosshair along ``view``'s normal to slice ``index`` (clamped)."""
        self._need_volume()
        axis = slice_axes(self.volume.direction, view).normal
        kji = self.volume.patient_to_index(self.crosshair)
        kji[axis] = min(max(int(index), 0), self.volume.shape[axis] - 1)
        self.crosshair = tuple(self.volume.index_to_patient(kji))

    def _need_volume(self) -> None:
        if self.volume is None:
            raise ValueError("no volume is loaded")

    # ------------------------------------------------------------------ session
    def to_dict(self) -> dict:
        """The session: every field but the data itself (volume, label arrays)."""
        return {
            "version": SESSION_VERSION,
            "source": asdict(self.source),
            "crosshair": list(self.crosshair),
            "window": asdict(self.window),
            "layout": self.layout,
            # "colors" for the ctvis versions that read no segment table; metrics only
            # when they are of the labels as they are (after an edit: none until measured).
            "overlays": {name: {"visible": o.visible, "opacity": o.opacity,
                                "outline": o.outline,
                                "colors": [[v, list(c)] for v, c in o.colors],
                                "segments": [seg.to_dict() for seg in o.segments],
                                "origin": o.origin,
                                "metrics": _json_safe(o.metrics if o.labelmap is None
                                                      or o.metrics_current else None),
                                "seconds": o.seconds}
                         for name, o in self.overlays.items()},
            "bone": asdict(self.bone),
            "view_display": {v: d.to_dict() for v, d in self.view_display.items()},
            "view3d": {"modes": sorted(self.view3d.modes), "preset": self.view3d.preset,
                       "shift": self.view3d.shift, "clip": self.view3d.clip,
                       "box": None if self.view3d.box is None else list(self.view3d.box)},
            "camera": None if self.camera is None else asdict(self.camera),
            "markups": [m.to_dict() for m in self.markups],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def restore(self, session: dict) -> None:
        """Set every field a session holds (the volume must already be loaded, if any)."""
        version = session.get("version")
        if version != SESSION_VERSION:
            raise ValueError(f"session version {version!r} is not supported "
                             f"(this ctvis reads version {SESSION_VERSION})")
        self.source = Source(**session["source"])
        self.window = Window(**session["window"])
        self.layout = session["layout"]
        self.crosshair = tuple(session["crosshair"])
        overlays = {}
        for name, o in session.get("overlays", {}).items():
            old = self.overlays.get(name, Overlay())
            metrics = metrics_from_json(o.get("metrics", old.metrics))
            overlays[name] = replace(old, visible=bool(o["visible"]),
                                     opacity=float(o["opacity"]),
                                     outline=bool(o.get("outline", False)),
                                     origin=o.get("origin", old.origin), metrics=metrics,
                                     measured=None if metrics is None or old.labelmap is None
                                     else old.labelmap.revision,
                                     seconds=o.get("seconds", old.seconds))
            if old.labelmap is not None:             # the table: rows, or (version 1) colours
                if o.get("segments") is not None:
                    old.labelmap.set_segments(Segment.from_dict(row) for row in o["segments"])
                else:
                    old.labelmap.set_segments(with_colors(
                        old.labelmap.segments,
                        tuple((int(v), tuple(c)) for v, c in o["colors"])))
        self.overlays = overlays
        self.bone = Bone(**session["bone"])
        # Sessions written before slabs and colour maps: single grey slices.
        self.view_display = {v: SliceDisplay.from_dict(d)
                             for v, d in (session.get("view_display") or {}).items()}
        v3 = session["view3d"]
        self.view3d = View3D(frozenset(v3["modes"]), v3["preset"], float(v3["shift"]),
                             v3.get("clip", "none"), v3.get("box"))
        # Sessions written before markups existed have none.
        self.markups = tuple(Markup.from_dict(m) for m in session.get("markups") or ())
        cam = session.get("camera")
        self.camera = None if cam is None else Camera(
            **{k: tuple(v) if isinstance(v, list) else v for k, v in cam.items()})

    @classmethod
    def from_json(cls, text: str) -> "ViewerState":
        state = cls()
        state.restore(json.loads(text))
        return state


def with_colors(segments, colors) -> tuple:
    """The table ``segments`` with the colours ``((value, rgb), ...)``; a value with no row
    gets one (named after its value)."""
    colors = dict((int(v), tuple(int(x) for x in c)) for v, c in colors)
    rows = [replace(s, color=colors.pop(s.value)) if s.value in colors else s
            for s in segments]
    rows += [Segment(f"label {v}", v, c) for v, c in colors.items()]
    return tuple(rows)


def _json_safe(value):
    """``value`` with every NaN as None (JSON has no NaN; an empty lung has no mean)."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value


def metrics_from_json(metrics):
    """Saved metrics as measured: the values JSON wrote as null are NaN again."""
    from ctvis.core.lungs.metrics import METRIC, PARTS

    if metrics is None or not isinstance(metrics, dict):
        return metrics
    out = dict(metrics)
    for part in PARTS:
        if isinstance(out.get(part), dict):
            out[part] = {k: float("nan") if k in METRIC and v is None else v
                         for k, v in out[part].items()}
    return out


def _same(old, new) -> bool:
    if old is new:
        return True
    if isinstance(old, np.ndarray) or isinstance(new, np.ndarray):
        return False
    if type(old) is not type(new):
        return False
    if hasattr(old, "array") and hasattr(new, "array"):      # Volumes: identity only
        return False
    try:
        return bool(old == new)
    except (TypeError, ValueError):
        return False


__all__ = ["ViewerState", "Source", "Window", "Overlay", "Bone", "View3D", "Camera",
           "metrics_from_json", "LAYOUTS", "RENDER_MODES", "CLIP_MODES", "VIEWS", "LUNGS",
           "SESSION_VERSION", "LabelMap", "Segment", "with_colors", "LABELS"]
