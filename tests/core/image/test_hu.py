"""raw_to_hu: exact integer path, float path, no wrap-around, bit masking, padding."""
import numpy as np

from ctvis.core.image.hu import AIR_HU, raw_to_hu


def test_twelve_bit_unsigned_integer_path_masks_overlay_bits():
    raw = np.array([[0, 1024, 4095, 0x1000 | 1064]], np.uint16)     # last has an overlay bit
    hu, n = raw_to_hu(raw, 1.0, -1024.0, bits_stored=12)
    assert hu.tolist() == [[-1024, 0, 3071, 40]] and n == 0


def test_signed_extremes_do_not_wrap():
    raw = np.array([[-32768, -2000, 0, 32767]], np.int16)
    hu, n = raw_to_hu(raw, 1.0, -1024.0, bits_stored=16, signed=True)
    assert hu.tolist() == [[AIR_HU, AIR_HU, AIR_HU, 31743]] and n == 2   # 0 is air itself


def test_sixteen_bit_unsigned_large_values_clip_instead_of_wrapping():
    raw = np.array([[65535, 2048]], np.uint16)
    hu, _ = raw_to_hu(raw, 1.0, -1024.0, bits_stored=16)
    assert hu.tolist() == [[32767, 1024]]


def test_fractional_slope_rounds_and_padding_range_becomes_air():
    raw = np.array([[100, 101, 5, 7]], np.uint16)
    hu, n = raw_to_hu(raw, 0.5, -1000.0, padding=(5, 7), bits_stored=12)
    assert hu.tolist() == [[-950, -950, AIR_HU, AIR_HU]] and n == 2   # -949.5 rounds to even
