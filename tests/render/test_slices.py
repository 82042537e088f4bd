"""render.slices: window/level, overlay and bone colours, pixel <-> voxel maps, edge letters."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from ctvis.model.state import Bone, Overlay, ViewerState, Window
from ctvis.core.labels import BONE, LEFT_LUNG, RIGHT_LUNG
from ctvis.core.volume import Volume
from ctvis.render.slices import (direction_letters, edge_letters, slice_geometry, slice_rgb,
                                 state_slice_rgb)


def volume_with_values() -> Volume:
    array = np.full((4, 6, 8), -1000, np.int16)
    array[:, :3, :] = 40              # anterior half soft tissue
    array[:, 0, 0] = 1000             # bone at the right-anterior corner
    return Volume(array, spacing=(2.0, 0.5, 0.7))


def test_window_maps_hu_to_grey_and_keeps_grey_neutral():
    vol = volume_with_values()
    rgb = slice_rgb(vol, "axial", 1, Window(-600, 1500))
    assert rgb.shape == (6, 8, 3) and rgb.dtype == np.uint8
    assert (np.ptp(rgb, axis=2) == 0).all()                     # no colour without overlays
    # lung window -600/1500: air dark (-1000 -> 60), soft tissue light (40 -> 236), bone white.
    assert rgb[5, 5, 0] == 60 and rgb[1, 5, 0] == 236 and rgb[0, 0, 0] == 255
    assert slice_rgb(vol, "axial", 1, (40, 400))[1, 5, 0] == 128


def test_overlay_colours_exactly_the_labelled_pixels():
    vol = volume_with_values()
    labels = np.zeros(vol.shape, np.uint8)
    labels[:, 3:, :4] = RIGHT_LUNG.value          # patient right = screen left (radiological)
    labels[:, 3:, 4:] = LEFT_LUNG.value
    overlay = Overlay(labels=labels, opacity=1.0)
    rgb = slice_rgb(vol, "axial", 2, Window(-600, 1500), [overlay])
    assert (rgb[3:, :4] == RIGHT_LUNG.color).all()
    assert (rgb[3:, 4:] == LEFT_LUNG.color).all()
    assert (np.ptp(rgb[:3], axis=2) == 0).all()                 # unlabelled pixels stay grey
    half = slice_rgb(vol, "axial", 2, Window(-600, 1500), [Overlay(labels=labels, opacity=0.5)])
    assert half[4, 0].tolist() == [round((60 + c) / 2) for c in RIGHT_LUNG.color]
    hidden = slice_rgb(vol, "axial", 2, Window(-600, 1500), [Overlay(labels=labels,
                                                                     visible=False)])
    assert (np.ptp(hidden, axis=2) == 0).all()



def test_each_segment_has_its_own_opacity_times_its_maps():
    from ctvis.model.labelmap import LabelMap, lung_segments

    vol = volume_with_values()
    labels = np.zeros(vol.shape, np.uint8)
    labels[:, 3:, :4] = RIGHT_LUNG.value
    labels[:, 3:, 4:] = LEFT_LUNG.value
    labelmap = LabelMap(labels, lung_segments())
    labelmap.set_segment(RIGHT_LUNG.value, opacity=0.5)
    rgb = slice_rgb(vol, "axial", 2, Window(-600, 1500), [Overlay(labelmap, opacity=1.0)])
    assert rgb[4, 0].tolist() == [round((60 + c) / 2) for c in RIGHT_LUNG.color]
    assert (rgb[3:, 4:] == LEFT_LUNG.color).all()                # the other one: opaque
    quarter = slice_rgb(vol, "axial", 2, Window(-600, 1500), [Overlay(labelmap, opacity=0.5)])
    assert quarter[4, 0].tolist() == [round(60 + (c - 60) / 4) for c in RIGHT_LUNG.color]


def test_bone_overlay_marks_pixels_at_or_above_the_threshold():
    vol = volume_with_values()
    rgb = slice_rgb(vol, "axial", 0, Window(-600, 1500), bone=Bone(hu=300, visible=True))
    coloured = np.ptp(rgb, axis=2) > 0
    assert coloured[0, 0] and coloured.sum() == 1
    assert rgb[0, 0].tolist() == [round(255 + (c - 255) * 0.5) for c in BONE.color]
    rgb = slice_rgb(vol, "axial", 0, Window(-600, 1500), bone=Bone(hu=30, visible=True))
    assert (np.ptp(rgb, axis=2) > 0).sum() == 3 * 8            # soft tissue too at 30 HU
    assert (np.ptp(slice_rgb(vol, "axial", 0, (0, 100), bone=Bone(300, False)), 2) == 0).all()


def test_pixel_index_round_trip_with_flipped_axes():
    # A feet-first series with reversed rows: the screen still shows R left, A top.
    direction = np.diag([1.0, -1.0, -1.0])
    vol = Volume(np.zeros((5, 6, 7), np.int16), direction=direction)
    for view in ("axial", "coronal", "sagittal"):
        geom = slice_geometry(vol, view)
        kji = np.array([3.0, 2.0, 5.0])
        s, r, c = geom.index_to_pixel(kji)
        assert geom.pixel_to_index(s, r, c) == pytest.approx(kji)
    geom = slice_geometry(vol, "axial")
    assert geom.size == (6, 7) and geom.count == 5
    # Row 0 on screen is anterior: the y index axis points to -P (anterior) here, so row 0 is
    # the last j; a voxel's patient position confirms it.
    kji = geom.pixel_to_index(0, 0, 0)
    assert vol.index_to_patient(kji)[1] == vol.physical_bounds()[0][1]


def test_edge_letters_follow_the_true_direction_cosines():
    vol = Volume(np.zeros((3, 4, 5), np.int16))
    assert edge_letters(vol, "axial") == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    assert edge_letters(vol, "coronal") == {"left": "R", "right": "L", "top": "S",
                                            "bottom": "I"}
    assert edge_letters(vol, "sagittal") == {"left": "A", "right": "P", "top": "S",
                                             "bottom": "I"}
    angle = np.radians(30)                         # rows and columns turned 30° about z
    rot = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0],
                    [0, 0, 1]])
    oblique = Volume(np.zeros((3, 4, 5), np.int16), direction=rot)
    letters = edge_letters(oblique, "axial")
    assert letters["right"] == "LP" and letters["left"] == "RA"
    assert direction_letters([0.0, 0.0, -1.0]) == "I"


def test_state_slice_rgb_follows_the_crosshair():
    vol = volume_with_values()
    vol.array[3] = 1000
    state = ViewerState()
    state.volume = vol
    state.set_slice_index("axial", 3)
    assert (state_slice_rgb(state, "axial") == 255).all()
    state.set_slice_index("axial", 0)
    assert not (state_slice_rgb(state, "axial") == 255).all()


def test_module_imports_neither_qt_nor_vtk():
    code = ("import sys, ctvis.render.slices; "
            "bad = {m.split('.')[0] for m in sys.modules} & "
            "{'PyQt5', 'vtk', 'vtkmodules', 'pyvista'}; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
