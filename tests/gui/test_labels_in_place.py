"""A label map edited in place (issue 19, item 2): a box painted into the lungs' label map
through the model API reaches the axial view, the 3D surfaces, the histogram and the lungs'
metrics through its region event alone (no new overlay, no copy of the labels)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ctvis.core.labels import LEFT_LUNG, RIGHT_LUNG
from ctvis.model.state import LUNGS
from tests.gui.shots import coloured, save, slice_on_screen, to_rgb

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("QStandardPaths: XDG_RUNTIME_DIR")]


def _segment(window, qtbot):
    panel = window.panels["lungs"]
    panel.method.setCurrentText("kmeans")
    panel.run_button.click()
    qtbot.waitUntil(lambda: LUNGS in window.state.overlays and panel.task is None,
                    timeout=60000)
    return panel


def _box_beside_the_right_lung(labels, k):
    """A box of background through axial slice ``k``, on the right lung's far side from the
    left lung, crossing no left-lung surface."""
    right = np.argwhere(labels == RIGHT_LUNG.value)
    left = np.argwhere(labels == LEFT_LUNG.value)
    j_mid = int(np.median(right[:, 1]))
    side = 1 if right[:, 2].mean() > left[:, 2].mean() else -1       # away from the left
    row = labels[k, j_mid]
    lung_i = np.flatnonzero(row == RIGHT_LUNG.value)
    edge = lung_i.max() if side > 0 else lung_i.min()
    i0 = edge + 1 if side > 0 else edge - 6
    box = (slice(k - 2, k + 3), slice(j_mid - 4, j_mid + 4), slice(i0, i0 + 6))
    return box


def test_a_box_painted_into_the_lungs_updates_2d_3d_histogram_and_metrics(
        phantom_window, qtbot, tmp_path):
    window = phantom_window
    state = window.state
    state.view3d = replace(state.view3d, modes=state.view3d.modes | {"lungs"})
    lungs_panel = _segment(window, qtbot)
    window.docks["histogram"].raise_()
    histogram = window.panels["histogram"]
    qtbot.waitUntil(lambda: histogram.title.text() == "Lung voxels (HU)", timeout=5000)
    overlay = state.overlays[LUNGS]
    labelmap, labels = overlay.labelmap, overlay.labels
    scene = window.view3d.scene
    qtbot.waitUntil(lambda: (LUNGS, RIGHT_LUNG.value) in scene.lung_actors
                    and (LUNGS, LEFT_LUNG.value) in scene.lung_actors, timeout=10000)
    right_actor = scene.lung_actors[(LUNGS, RIGHT_LUNG.value)]
    left_actor = scene.lung_actors[(LUNGS, LEFT_LUNG.value)]
    right_points = right_actor.GetMapper().GetInput().GetNumberOfPoints()
    right_bounds = np.array(right_actor.GetBounds())
    counts = histogram.plot.counts.copy()
    ml_before = overlay.metrics["right"]["volume_ml"]
    shown_before = lungs_panel.table.item(0, 0).text()

    view = window.views["axial"]
    k = state.slice_index("axial")
    box = _box_beside_the_right_lung(labels, k)
    assert (labels[box] == 0).all()
    before = to_rgb(view)
    overlays_events = []
    state.events.overlays.connect(overlays_events.append)

    # Paint: in place, through the label map (the editor's way), one region event.
    edit = labelmap.write(box, RIGHT_LUNG.value)
    assert state.overlays[LUNGS].labels is labels and (labels[box] == 1).all()
    assert (edit.old == 0).all() and (edit.new == 1).all()

    # 2D: the box's pixels in the axial view turn the right lung's colour.
    qtbot.waitUntil(lambda: not np.array_equal(to_rgb(view), before), timeout=5000)
    after = to_rgb(view)
    save(after, tmp_path / "painted-axial.png")
    painted = np.zeros(labels.shape, bool)
    painted[box] = True
    in_box, inside = slice_on_screen(view, painted)
    in_box = in_box & inside
    assert in_box.sum() > 20
    grey = in_box & ~coloured(before, 20)           # not under the crosshair lines
    assert grey.sum() > 0.85 * in_box.sum()
    assert coloured(after, 20)[grey].mean() > 0.95
    assert np.median(after[grey][:, 0].astype(int) - after[grey][:, 2]) > 40   # orange
    outside = inside & ~in_box & ~coloured(before, 20)
    assert coloured(after, 20)[outside].mean() < 0.01    # nothing else turned colour

    # 3D: the right lung's surface is rebuilt (it grew towards the box), the left one not.
    qtbot.waitUntil(lambda: scene.lung_actors.get((LUNGS, RIGHT_LUNG.value)) is not right_actor,
                    timeout=10000)
    new_right = scene.lung_actors[(LUNGS, RIGHT_LUNG.value)]
    assert scene.lung_actors[(LUNGS, LEFT_LUNG.value)] is left_actor
    assert scene.rebuilt == [(LUNGS, RIGHT_LUNG.value)]
    assert new_right.GetMapper().GetInput().GetNumberOfPoints() != right_points
    grown = np.array(new_right.GetBounds())
    assert (grown[1] - grown[0]) > (right_bounds[1] - right_bounds[0]) \
        or (grown[3] - grown[2]) > (right_bounds[3] - right_bounds[2])

    # Histogram: the lung voxels' counts change (more voxels, none fewer).
    qtbot.waitUntil(lambda: not np.array_equal(histogram.plot.counts, counts), timeout=5000)
    assert histogram.plot.counts.sum() > counts.sum()

    # Metrics: measured again and written to the state; the dock shows them.
    qtbot.waitUntil(lambda: state.overlays[LUNGS].metrics_current, timeout=20000)
    voxel_ml = window.volume.voxel_volume_mm3 / 1000.0
    ml_after = state.overlays[LUNGS].metrics["right"]["volume_ml"]
    assert ml_after == pytest.approx(ml_before + painted.sum() * voxel_ml)
    qtbot.waitUntil(lambda: lungs_panel.table.item(0, 0).text() != shown_before, timeout=5000)
    assert lungs_panel.table.item(0, 0).text() == f"{ml_after:.0f}"
    # No new overlay was made for any of it: only the metrics were written back.
    assert all(o[LUNGS].labelmap is labelmap for o in overlays_events)

    # Undo: the old values back, through the same event; everything follows again.
    labelmap.restore(edit)
    assert (labels[box] == 0).all()
    qtbot.waitUntil(lambda: np.array_equal(to_rgb(view), before), timeout=5000)
    qtbot.waitUntil(lambda: state.overlays[LUNGS].metrics_current
                    and state.overlays[LUNGS].metrics["right"]["volume_ml"]
                    == pytest.approx(ml_before), timeout=20000)
