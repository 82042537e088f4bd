import numpy as np
import pytest

from ctvis.core.image.windowing import apply_window


def test_lung_window_maps_ends_and_middle():
    hu = np.array([-2000, -1350, -600, 150, 3000], dtype=np.int16)
    out = apply_window(hu, center=-600, width=1500)
    assert out.dtype == np.uint8
    assert out.tolist() == [0, 0, 128, 255, 255]  # 127.5 rounds to even 128


def test_keeps_shape_and_rejects_bad_width():
    assert apply_window(np.zeros((2, 3, 4), np.int16), 40, 400).shape == (2, 3, 4)
    with pytest.raises(ValueError):
        apply_window(np.zeros(3), 0, 0)
