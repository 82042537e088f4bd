"""Logical operators between segment masks, written only where the target changes."""
from __future__ import annotations

import numpy as np
import pytest

from ctvis.core.editing.logical import OPERATIONS, logical
from tests.core.editing import full

SHAPE = (6, 8, 10)


@pytest.fixture
def masks():
    target, modifier = np.zeros(SHAPE, bool), np.zeros(SHAPE, bool)
    target[1:4, 1:5, 1:5] = True
    modifier[2:5, 3:7, 3:9] = True
    return target, modifier


@pytest.mark.parametrize("operation, expected", [
    ("copy", lambda t, m: m), ("add", lambda t, m: t | m), ("subtract", lambda t, m: t & ~m),
    ("intersect", lambda t, m: t & m), ("clear", lambda t, m: np.zeros_like(t))])
def test_each_operation_and_its_changed_box(masks, operation, expected):
    target, modifier = masks
    patch = logical(operation, target, None if operation == "clear" else modifier)
    want = expected(target, modifier)
    assert np.array_equal(OPERATIONS[operation](target, modifier), want)
    # The patch covers exactly the voxels that change: the target, set to it there, is want.
    changed = np.argwhere(target != want)
    assert [(s.start, s.stop) for s in patch.region] == \
        [(int(lo), int(hi) + 1) for lo, hi in zip(changed.min(0), changed.max(0))]
    result = target.copy()
    result[patch.region] = patch.mask
    assert np.array_equal(result, want)


def test_nothing_to_change_and_bad_calls(masks):
    target, modifier = masks
    assert logical("add", target, target).empty
    with pytest.raises(ValueError):
        logical("xor", target, modifier)
    with pytest.raises(ValueError):
        logical("add", target, modifier[:3])
    assert full(logical("clear", target), SHAPE).sum() == 0
