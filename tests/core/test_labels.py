"""One label vocabulary: masks, metrics, meshes and the phantom agree on it."""
from __future__ import annotations

from ctvis.core import labels
from ctvis.core.lungs.metrics import PARTS
from ctvis.core.lungs.split import LEFT, RIGHT
from ctvis.core.phantom import LEFT_LUNG, RIGHT_LUNG


def test_values_names_and_colours_are_unique():
    table = list(labels.STRUCTURES.values())
    assert len({label.value for label in table}) == len(table)
    assert len({label.name for label in table}) == len(table)
    assert len({label.color for label in table}) == len(table)
    assert labels.BACKGROUND not in {label.value for label in table}


def test_lungs_metrics_and_phantom_use_the_vocabulary():
    assert (RIGHT, LEFT) == (labels.RIGHT_LUNG.value, labels.LEFT_LUNG.value) == (1, 2)
    assert (RIGHT_LUNG, LEFT_LUNG) == (1, 2)
    assert PARTS["right"] == (1,) and PARTS["left"] == (2,) and PARTS["total"] == (1, 2)
    assert labels.LUNG_STRUCTURES["lungs"] == (1, 2)


def test_mesh_files_label_structures_with_the_mask_values():
    from ctvis.mesh.mesh_io import _labels_for

    values = _labels_for(["right", "left", "lungs", "bone"])
    assert values["right"] == 1 and values["left"] == 2
    # "both lungs" and bone never collide with a mask label (3 is kept for the airway)
    assert values["lungs"] not in (1, 2, 3) and values["bone"] not in (1, 2, 3)
