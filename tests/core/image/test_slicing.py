"""Radiological orientation of the three views, for identity and non-identity directions."""
import numpy as np
import pytest

from ctvis.core.image.slicing import orientation_labels, oriented_slice, slice_axes

A = np.arange(3 * 4 * 5).reshape(3, 4, 5)  # [z, y, x]


def test_identity_lps_matches_the_radiological_convention():
    eye = np.eye(3)
    np.testing.assert_array_equal(oriented_slice(A, slice_axes(eye, "axial"), 1), A[1])
    np.testing.assert_array_equal(oriented_slice(A, slice_axes(eye, "coronal"), 2),
                                  A[:, 2, :][::-1])
    np.testing.assert_array_equal(oriented_slice(A, slice_axes(eye, "sagittal"), 3),
                                  A[:, :, 3][::-1])


def test_feet_first_and_flipped_rows_are_undone():
    # z index runs toward the feet and x toward patient right: the screen must not change.
    d = np.diag([-1.0, 1.0, -1.0])
    B = A[::-1, :, ::-1]  # the same patient stored that way
    np.testing.assert_array_equal(oriented_slice(B, slice_axes(d, "axial"), 0), A[2])
    np.testing.assert_array_equal(oriented_slice(B, slice_axes(d, "coronal"), 2),
                                  A[:, 2, :][::-1])


def test_swapped_in_plane_axes_are_transposed():
    # x index runs posterior, y index runs left: axial must still have L to the right.
    d = np.array([[0.0, 1, 0], [1, 0, 0], [0, 0, 1]])
    B = A.transpose(0, 2, 1)
    np.testing.assert_array_equal(oriented_slice(B, slice_axes(d, "axial"), 0), A[0])


def test_out_of_range_index_raises():
    with pytest.raises(IndexError):
        oriented_slice(A, slice_axes(np.eye(3), "axial"), -1)


def test_labels():
    assert orientation_labels("axial") == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    assert orientation_labels("coronal") == {"left": "R", "right": "L", "top": "S", "bottom": "I"}
    assert orientation_labels("sagittal") == {"left": "A", "right": "P", "top": "S", "bottom": "I"}
