"""The 3D scene of a ViewerState on any pyvista Plotter (a Qt pane or an off-screen plotter).

:class:`Scene` turns state fields into VTK props and keeps them in step:

* ``volume``   the volume-rendered HU volume (:class:`VolumeActor`, two levels of detail),
               three slice planes on the same buffer, the orientation marker;
* ``view3d``   which of volume / bone / lungs / slices show, the preset and its HU shift,
               clipping;
* ``bone``     the bone iso-surface at ``bone.hu`` (a preview grid, :mod:`live_surfaces`);
* ``overlays`` a surface per segment of each overlay's label map, in the segment's colour
               and the overlay's opacity ("lungs" mode shows them).  A label map edited in
               place (``labels_changed`` with its region, then ``sync(state, {"labels"})``)
               rebuilds only the segments the region holds or held;
* ``crosshair`` the slice planes (and a clipping plane) pass through it;
* ``window``   the slice planes' grey levels;
* ``camera``   the camera (None: the default standard view);
* ``markups``  rulers, angles, ROIs, points and spheres (:mod:`markup_actors`).

``pick`` says which patient point is drawn under a pixel (the Qt pane moves the crosshair
there on a click).

It never renders and never writes the state: the caller (the Qt pane, an off-screen
picture) renders after ``sync`` and writes ``state.camera = scene.camera()`` when the user
has moved it.  No Qt here.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from ctvis.model.labelmap import intersects, union
from ctvis.model.state import FIELDS, Camera
from ctvis.core.labels import BONE
from ctvis.render.camera import (DEFAULT_VIEW, apply_camera, camera_of, same_camera,
                                 standard_camera)
from ctvis.mesh.live_surfaces import bone_surface, label_surface
from ctvis.render.markup_actors import MarkupActors
from ctvis.render.orientation import OrientationMarker
from ctvis.render.picking import display_ray, prop_pick, volume_pick
from ctvis.render.transfer_functions import vr_preset
from ctvis.render.volume_actor import MOVING_VOXELS, STILL_VOXELS, VolumeActor, patient_matrix

log = logging.getLogger(__name__)

BACKGROUND = (0.0, 0.0, 0.0)
# Time between two frames of the moving level that counts towards the frame's cost: in a
# window the paint, Qt's composition of the window and the events come between VTK's
# renders (20-30 ms a frame on llvmpipe); a longer gap is the mouse pausing.
FRAME_GAP_S = 0.06
# Slice orientation in index space (VTK: 0 = x, 1 = y, 2 = z) -> index in (k, j, i).
SLICE_AXES = {0: 2, 1: 1, 2: 0}


def volume_bounds(volume) -> tuple:
    """LPS bounding box (xmin, xmax, ymin, ymax, zmin, zmax) of the volume's voxel centres."""
    corners = np.array([[k, j, i] for k in (0, volume.shape[0] - 1)
                        for j in (0, volume.shape[1] - 1) for i in (0, volume.shape[2] - 1)])
    p = volume.index_to_patient(corners)
    lo, hi = p.min(axis=0), p.max(axis=0)
    return tuple(float(v) for pair in zip(lo, hi) for v in pair)


def clip_planes(volume, crosshair, clip: str, box=None) -> list:
    """[(origin, normal)] in LPS mm keeping the side the normal points to.

    ``clip`` "box": the six faces of ``box`` (xmin, xmax, ymin, ymax, zmin, zmax, LPS mm;
    None: the whole volume, nothing cut).  World planes act on every level of detail the same
    way, whatever grid (step, spacing) a level samples."""
    if clip == "none" or volume is None:
        return []
    if clip == "box":
        if box is None:
            return []
        b = np.asarray(box, dtype=float).reshape(3, 2)
        centre = b.mean(axis=1)
        planes = []
        for axis in range(3):
            for side, sign in ((0, 1.0), (1, -1.0)):      # min face keeps +, max face keeps -
                origin, normal = centre.copy(), np.zeros(3)
                origin[axis], normal[axis] = b[axis, side], sign
                planes.append((tuple(origin), tuple(normal)))
        return planes
    keep = {"axial": (0.0, 0.0, -1.0),         # cut the superior half away
            "coronal": (0.0, 1.0, 0.0),        # cut the anterior half away
            "sagittal": (-1.0, 0.0, 0.0)}[clip]  # cut the patient's left half away
    return [(tuple(crosshair), keep)]


class Scene:
    def __init__(self, plotter, mapper: str = "fixed-point",
                 still_voxels: int | None = STILL_VOXELS, moving_voxels: int = MOVING_VOXELS):
        self.plotter = plotter
        self.mapper = mapper
        self.still_voxels = still_voxels
        self.moving_voxels = moving_voxels
        self.renderer = plotter.renderer
        # MSAA costs ~50 ms a frame on llvmpipe at 800 × 600 and does nothing for a volume.
        plotter.ren_win.SetMultiSamples(0)
        plotter.set_background(BACKGROUND)
        self.marker = OrientationMarker(plotter.ren_win, self.renderer)
        # Frame times of the moving level steer its coarseness (VolumeActor.adapt).
        self._frame_start = 0.0
        self._last_moving_end = None
        self.renderer.AddObserver("StartEvent", self._on_frame_start)
        self.renderer.AddObserver("EndEvent", self._on_frame_end)
        self._note = None
        self.volume = None
        self.volume_actor: VolumeActor | None = None
        self.slices: dict = {}
        self.bone_actor = None
        # Segment surfaces: (overlay name, label value) -> actor, and the voxel box each was
        # built from; per overlay the (label map, revision) built, and the edits heard since.
        self.lung_actors: dict = {}
        self._segment_boxes: dict = {}
        self._built: dict = {}
        self._edits: dict = {}
        self._bone_key = None
        self.timings: dict = {}
        self.rebuilt: list = []            # (name, value) of the surfaces the last sync built
        self.markup_actors = MarkupActors(self.renderer)

    # ------------------------------------------------------------------ state
    def sync(self, state, fields=None) -> None:
        """Bring the props in line with ``state`` (all fields, or the ``fields`` named)."""
        fields = set(FIELDS if fields is None else fields)
        # A new volume fires overlays, camera and crosshair before volume itself: whatever
        # event comes first rebuilds everything.
        if state.volume is not self.volume:
            self._set_volume(state.volume)
            fields |= {"view3d", "bone", "overlays", "crosshair", "window", "camera",
                       "markups"}
        if self.volume is None:
            return
        modes = state.view3d.modes
        if fields & {"view3d"}:
            t = time.perf_counter()
            self.volume_actor.set_preset(vr_preset(state.view3d.preset), state.view3d.shift)
            self.volume_actor.set_visible("volume" in modes)
            self.timings["preset"] = time.perf_counter() - t
        if fields & {"view3d", "crosshair"}:
            self.volume_actor.set_clipping_planes(
                clip_planes(self.volume, state.crosshair, state.view3d.clip, state.view3d.box))
            self._place_slices(state.crosshair_index(), "slices" in modes)
        if fields & {"view3d", "bone"}:
            self._update_bone(state.bone.hu, "bone" in modes)
        if fields & {"view3d", "overlays", "labels"}:
            self._update_segments(state.overlays, "lungs" in modes)
        if "window" in fields:
            for s in self.slices.values():
                s.GetProperty().SetColorWindow(state.window.width)
                s.GetProperty().SetColorLevel(state.window.center)
        if "camera" in fields:
            self.set_camera(state.camera)
        if "markups" in fields:
            self.markup_actors.update(state.markups, self.volume)

    def shows(self, state, field: str) -> bool:
        """Whether a change of ``field`` can change the picture (a pane need not render
        for the crosshair when neither slice planes nor a clip at the crosshair show it, nor
        for the window without slice planes)."""
        modes = state.view3d.modes
        if field == "window":
            return "slices" in modes
        if field == "crosshair":
            return "slices" in modes or (
                "volume" in modes and state.view3d.clip in ("axial", "coronal", "sagittal"))
        return True

    # ----------------------------------------------------------------- volume
    def _set_volume(self, volume) -> None:
        self._clear()
        self.volume = volume
        if volume is None:
            return
        t = time.perf_counter()
        self.volume_actor = VolumeActor(volume, self.mapper, moving_voxels=self.moving_voxels,
                                        still_voxels=self.still_voxels)
        self.volume_actor.add_to(self.renderer)
        self._make_slices(volume)
        self.timings["volume_actor"] = time.perf_counter() - t

    def _clear(self) -> None:
        if self.volume_actor is not None:
            self.volume_actor.remove_from(self.renderer)
        for prop in [*self.slices.values(), self.bone_actor, *self.lung_actors.values()]:
            if prop is not None:
                self.renderer.RemoveViewProp(prop)
        self.volume_actor, self.slices, self.bone_actor, self.lung_actors = None, {}, None, {}
        self._segment_boxes, self._built, self._edits = {}, {}, {}
        self.markup_actors.clear()
        self._bone_key = None

    def _make_slices(self, volume) -> None:
        from vtkmodules.vtkRenderingCore import vtkImageSlice, vtkImageSliceMapper

        matrix = patient_matrix(volume)
        for axis in (0, 1, 2):
            mapper = vtkImageSliceMapper()
            mapper.SetInputData(self.volume_actor.full_image)
            mapper.SetOrientation(axis)
            mapper.BorderOn()                 # the plane reaches the volume's outer edge
            prop = vtkImageSlice()
            prop.SetMapper(mapper)
            prop.SetUserMatrix(matrix)
            prop.GetProperty().SetInterpolationTypeToLinear()
            self.renderer.AddViewProp(prop)
            self.slices[axis] = prop

    def _place_slices(self, kji, visible: bool) -> None:
        for axis, prop in self.slices.items():
            prop.GetMapper().SetSliceNumber(int(kji[SLICE_AXES[axis]]))
            prop.SetVisibility(visible)

    # ---------------------------------------------------------------- picking
    def pick(self, x: float, y: float) -> tuple[float, float, float] | None:
        """The patient point (LPS mm) drawn at display pixel (x, y) (VTK: from the bottom
        left): the nearest of the visible slice planes, surfaces and volume rendering
        (:mod:`ctvis.render.picking`), or None over the background."""
        if self.volume is None:
            return None
        near, far = display_ray(self.renderer, x, y)
        found = []
        hit = prop_pick(self.renderer, x, y, [*self.slices.values(), self.bone_actor,
                                              *self.lung_actors.values()])
        if hit is not None:
            found.append(hit)
        actor = self.volume_actor
        if actor is not None and actor.visible and actor.preset is not None:
            hit = volume_pick(self.volume, near, far, actor.preset.shifted(actor.shift)[1],
                              actor.clipping_planes, actor.preset.blend,
                              actor.property.GetScalarOpacityUnitDistance())
            if hit is not None:
                found.append(hit)
        if not found:
            return None
        best = min(found, key=lambda p: float(np.linalg.norm(p - near)))
        return tuple(float(v) for v in best)

    def slice_numbers(self) -> dict[int, int]:
        """{VTK axis: slice index} of the three planes (for tests and the status line)."""
        return {axis: prop.GetMapper().GetSliceNumber() for axis, prop in self.slices.items()}

    # --------------------------------------------------------------- surfaces
    def _update_bone(self, hu: float, visible: bool) -> None:
        key = (id(self.volume), float(hu))
        if visible and key != self._bone_key:
            t = time.perf_counter()
            mesh = bone_surface(self.volume, hu)
            if self.bone_actor is not None:
                self.renderer.RemoveViewProp(self.bone_actor)
                self.bone_actor = None
            if mesh.n_cells:
                self.bone_actor = self._surface_actor(mesh, np.asarray(BONE.color) / 255, 1.0)
            self._bone_key = key
            self.timings["bone"] = time.perf_counter() - t
            log.debug("bone surface at %g HU: %d triangles in %.2f s", hu,
                      mesh.n_cells, self.timings["bone"])
        if self.bone_actor is not None:
            self.bone_actor.SetVisibility(visible)

    def labels_changed(self, name: str, change) -> None:
        """Overlay ``name``'s label map changed in place (``change``: a LabelChange): kept
        until the next sync, which rebuilds only the segments it touched."""
        edits = self._edits.get(name)
        if edits is None:
            self._edits[name] = (change.region, None if change.values is None
                                 else set(change.values))
        else:
            region, values = edits
            self._edits[name] = (union(region, change.region),
                                 None if values is None or change.values is None
                                 else values | set(change.values))

    def _update_segments(self, overlays, mode_on: bool) -> None:
        """A surface per segment of each overlay's label map: built when a label map is new,
        rebuilt only for the segments an edit touched, restyled (colour, opacity,
        visibility) without a rebuild."""
        t = time.perf_counter()
        self.rebuilt = []
        for key in [k for k in self.lung_actors if k[0] not in overlays
                    or overlays[k[0]].labelmap is None]:
            self._drop(key)
        for name in [n for n in self._built if n not in overlays]:
            self._built.pop(name)
            self._edits.pop(name, None)
        for name, overlay in overlays.items():
            labelmap = overlay.labelmap
            if labelmap is None:
                continue
            show = mode_on and overlay.visible
            table = {s.value: s for s in labelmap.segments}
            for key in [k for k in self.lung_actors if k[0] == name and k[1] not in table]:
                self._drop(key)
            built = self._built.get(name)
            if show and (built is None or built[0] is not labelmap):
                self._build(name, labelmap, table, table, overlay.opacity)
            elif show and built[1] != labelmap.revision:
                values = self._touched(name, labelmap, table)
                self._build(name, labelmap, table, values, overlay.opacity)
            for (n, value), prop in self.lung_actors.items():
                if n == name:
                    prop.SetVisibility(show and table[value].visible)
                    prop.GetProperty().SetColor(*(np.asarray(table[value].color) / 255))
                    prop.GetProperty().SetOpacity(overlay.opacity * table[value].opacity)
        if self.rebuilt:
            self.timings["lungs"] = time.perf_counter() - t

    def _touched(self, name, labelmap, table) -> set:
        """Segment values an edit of ``name`` may have changed: those written or overwritten,
        those inside its region now, and those whose surface box the region crosses.  No
        record of the edits: all of them."""
        edits = self._edits.get(name)
        if edits is None:
            return set(table)
        region, values = edits
        touched = set(values or ()) | labelmap.values_in(region)
        touched |= {v for (n, v), box in self._segment_boxes.items()
                    if n == name and intersects(box, region)}
        return touched & set(table)

    def _build(self, name, labelmap, table, values, opacity: float) -> None:
        for value in values:
            self._drop((name, value))
            mesh = label_surface(self.volume, labelmap.array, value)
            self.rebuilt.append((name, value))
            if mesh is not None and mesh.n_cells:
                self.lung_actors[(name, value)] = self._surface_actor(
                    mesh, np.asarray(table[value].color) / 255, opacity * table[value].opacity)
                self._segment_boxes[(name, value)] = self._mesh_region(mesh)
        self._built[name] = (labelmap, labelmap.revision)
        self._edits.pop(name, None)

    def _drop(self, key) -> None:
        prop = self.lung_actors.pop(key, None)
        if prop is not None:
            self.renderer.RemoveViewProp(prop)
        self._segment_boxes.pop(key, None)

    def _mesh_region(self, mesh) -> tuple:
        """The voxel box (k, j, i slices) a preview surface was built from, with a margin
        for the subsampling and the blur."""
        from ctvis.mesh.live_surfaces import preview_step

        step = preview_step(self.volume.shape)
        b = np.asarray(mesh.bounds, float).reshape(3, 2)          # x, y, z: scaled index
        spacing = np.asarray(self.volume.spacing_xyz, float)
        lo = np.floor(b[:, 0] / spacing).astype(int) - 2 * step
        hi = np.ceil(b[:, 1] / spacing).astype(int) + 2 * step + 1
        shape = self.volume.shape
        return tuple(slice(max(int(lo[a]), 0), min(int(hi[a]), shape[k]))
                     for k, a in enumerate((2, 1, 0)))

    def _surface_actor(self, mesh, color, opacity: float):
        from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper

        mapper = vtkPolyDataMapper()
        mapper.SetInputData(mesh)
        mapper.ScalarVisibilityOff()
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.SetUserMatrix(patient_matrix(self.volume))
        prop = actor.GetProperty()
        prop.SetColor(*map(float, color))
        prop.SetOpacity(float(opacity))
        prop.SetInterpolationToGouraud()
        prop.SetSpecular(0.2)
        prop.SetSpecularPower(20.0)
        self.renderer.AddActor(actor)
        return actor

    def triangles(self, what: str) -> int:
        """Triangles on screen for "bone" or "lungs" (0 when hidden or absent)."""
        actors = [self.bone_actor] if what == "bone" else list(self.lung_actors.values())
        return sum(a.GetMapper().GetInput().GetNumberOfCells() for a in actors
                   if a is not None and a.GetVisibility())

    # ----------------------------------------------------------------- camera
    def bounds(self) -> tuple:
        return volume_bounds(self.volume)

    def standard_camera(self, name: str = DEFAULT_VIEW) -> Camera:
        return standard_camera(name, self.bounds(),
                               self.renderer.GetActiveCamera().GetViewAngle())

    def set_camera(self, camera: Camera | None) -> None:
        """Apply ``camera`` (None: the default standard view) unless it is already there."""
        if self.volume is None:
            return
        if camera is None:
            camera = self.standard_camera()
        if not same_camera(camera, self.camera()):
            apply_camera(self.renderer, camera)
        # pyvista puts an unset camera to its isometric default at the first render.
        self.renderer.camera_set = True
        self.renderer.ResetCameraClippingRange()

    def camera(self) -> Camera:
        return camera_of(self.renderer.GetActiveCamera())

    # ------------------------------------------------------- level of detail
    def set_interactive(self, interactive: bool) -> None:
        """Coarse, fast volume while the camera moves; the full volume when it stops."""
        if self.volume_actor is not None:
            self.volume_actor.set_interactive(interactive)

    def _on_frame_start(self, *_args) -> None:
        self._frame_start = time.perf_counter()

    def _on_frame_end(self, *_args) -> None:
        """Steer the moving level by what a frame costs: the render, and the time since the
        last moving frame when that was short (:data:`FRAME_GAP_S`)."""
        now = time.perf_counter()
        actor = self.volume_actor
        if actor is None or not actor.visible:
            return
        if actor.interactive:
            frame = now - self._frame_start
            if self._last_moving_end is not None:
                between = self._frame_start - self._last_moving_end
                if 0.0 <= between <= FRAME_GAP_S:
                    frame += between
            self._last_moving_end = now
            actor.adapt(frame)
        else:
            self._last_moving_end = None
            # The first still frame of a level pays the gradient pass: not a measure.
            if not (actor.still_drawn and actor.still_frame(now - self._frame_start)):
                actor.still_drawn = True           # (a new still level: its pass to come)

    def first_still_pending(self) -> bool:
        """True until the full-quality volume has been drawn once: that frame computes the
        ray caster's gradients (seconds on a large volume, the window cannot repaint)."""
        actor = self.volume_actor
        return actor is not None and actor.visible and not actor.still_drawn

    def set_note(self, text: str | None) -> None:
        """A short line in the lower right corner (None: none)."""
        if self._note is None:
            from vtkmodules.vtkRenderingCore import vtkTextActor

            self._note = vtkTextActor()
            self._note.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
            self._note.SetPosition(0.98, 0.02)
            prop = self._note.GetTextProperty()
            prop.SetJustificationToRight()
            prop.SetFontSize(13)
            prop.SetColor(1.0, 200 / 255, 40 / 255)   # the viewer's annotation colour
            self.renderer.AddViewProp(self._note)
        self._note.SetInput(text or "")
        self._note.SetVisibility(bool(text))

    def close(self) -> None:
        self._clear()
        self.marker.remove(self.plotter.ren_win)


def render_state(state, size=(800, 600), mapper: str = "fixed-point",
                 transparent: bool = False) -> np.ndarray:
    """An off-screen picture (H × W × 3 or 4 uint8) of the 3D view of ``state``."""
    import pyvista as pv

    plotter = pv.Plotter(off_screen=True, window_size=tuple(size))
    try:
        scene = Scene(plotter, mapper)
        scene.sync(state)
        plotter.ren_win.Render()
        return plotter.screenshot(transparent_background=transparent, return_img=True)
    finally:
        plotter.close()


__all__ = ["Scene", "render_state", "volume_bounds", "clip_planes"]
