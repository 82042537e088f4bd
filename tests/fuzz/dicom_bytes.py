"""Edit the top-level elements of a little-endian DICOM file at the byte level.

The fuzzer must be able to write what no DICOM library would: "nan" in a DS, three numbers
where six belong, a BitsAllocated of 24.  pydicom validates on write, so this walks the file
itself (independently of ctvis's own header reader, which is what is under test).
"""
from __future__ import annotations

import struct

IMPLICIT_LE = b"1.2.840.10008.1.2"
LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR",
            b"UT", b"UV"}
PIXEL_DATA = 0x7FE00010
UNDEFINED = 0xFFFFFFFF

# VRs of the tags the fuzzer edits (needed when writing explicit-VR files).
VR = {0x00020010: b"UI", 0x00080008: b"CS", 0x00080060: b"CS", 0x0020000E: b"UI",
      0x00200013: b"IS", 0x00200032: b"DS", 0x00200037: b"DS", 0x00280002: b"US",
      0x00280008: b"IS", 0x00280010: b"US", 0x00280011: b"US", 0x00280030: b"DS",
      0x00280100: b"US", 0x00280101: b"US", 0x00280103: b"US", 0x00280120: b"US",
      0x00281050: b"DS", 0x00281051: b"DS", 0x00281052: b"DS", 0x00281053: b"DS",
      0x00180050: b"DS"}


class Element:
    __slots__ = ("tag", "start", "end", "vr", "value_start")

    def __init__(self, tag, start, end, vr, value_start):
        self.tag, self.start, self.end, self.vr, self.value_start = (
            tag, start, end, vr, value_start)


def elements(data: bytes) -> tuple[list[Element], bool]:
    """Top-level elements up to and including Pixel Data, and whether the body is explicit.

    Raises ValueError when the file is not a preamble + DICM little-endian file."""
    if len(data) < 132 or data[128:132] != b"DICM":
        raise ValueError("no DICM preamble")
    out, pos, explicit_body = [], 132, True
    while pos + 8 <= len(data):
        group = struct.unpack_from("<H", data, pos)[0]
        explicit = True if group == 0x0002 else explicit_body
        element = _element(data, pos, explicit)
        out.append(element)
        if element.tag == 0x00020010:
            ts = data[element.value_start:element.end].rstrip(b"\0 ")
            explicit_body = ts != IMPLICIT_LE
        if element.tag == PIXEL_DATA:
            break
        pos = element.end
    return out, explicit_body


def _element(data: bytes, pos: int, explicit: bool) -> Element:
    group, elem = struct.unpack_from("<HH", data, pos)
    tag = (group << 16) | elem
    vr = None
    if explicit and group != 0xFFFE:
        vr = data[pos + 4:pos + 6]
        if vr in LONG_VRS:
            length, value_start = struct.unpack_from("<I", data, pos + 8)[0], pos + 12
        else:
            length, value_start = struct.unpack_from("<H", data, pos + 6)[0], pos + 8
    else:
        length, value_start = struct.unpack_from("<I", data, pos + 4)[0], pos + 8
    if length == UNDEFINED:
        end = len(data) if tag == PIXEL_DATA else _skip_undefined(data, value_start, explicit)
    else:
        end = min(value_start + length, len(data))
    return Element(tag, pos, end, vr, value_start)


def _skip_undefined(data: bytes, pos: int, explicit: bool) -> int:
    depth = 1
    while depth and pos + 8 <= len(data):
        group, elem = struct.unpack_from("<HH", data, pos)
        tag = (group << 16) | elem
        if tag in (0xFFFEE00D, 0xFFFEE0DD):
            depth -= 1
            pos += 8
            continue
        if tag == 0xFFFEE000:
            length = struct.unpack_from("<I", data, pos + 4)[0]
            if length == UNDEFINED:
                depth += 1
                pos += 8
            else:
                pos += 8 + length
            continue
        inner = _element(data, pos, explicit)
        if struct.unpack_from("<I", data, inner.value_start - 4)[0] == UNDEFINED:
            depth += 1
            pos = inner.value_start
        else:
            pos = inner.end
    return min(pos, len(data))


def get(data: bytes, tag: int) -> bytes | None:
    for element in elements(data)[0]:
        if element.tag == tag:
            return data[element.value_start:element.end]
    return None


def pixel_offset(data: bytes) -> int | None:
    for element in elements(data)[0]:
        if element.tag == PIXEL_DATA:
            return element.value_start
    return None


def encode(tag: int, value: bytes, explicit: bool) -> bytes:
    """One element; ``value`` padded to even length (space for text, NUL for UI/binary)."""
    vr = VR.get(tag, b"UN")
    if len(value) % 2:
        value += b"\0" if vr in (b"UI", b"US", b"UN", b"OB") else b" "
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF)
    if tag >> 16 == 0x0002 or explicit:
        if vr in LONG_VRS:
            return head + vr + b"\0\0" + struct.pack("<I", len(value)) + value
        value = value[:0xFFFE]
        return head + vr + struct.pack("<H", len(value)) + value
    return head + struct.pack("<I", len(value)) + value


def put(data: bytes, tag: int, value: bytes | None) -> bytes:
    """``data`` with ``tag`` set to ``value`` (None: removed; inserted in tag order)."""
    found, explicit = elements(data)
    new = b"" if value is None else encode(tag, value, explicit)
    for element in found:
        if element.tag == tag:
            return data[:element.start] + new + data[element.end:]
        if element.tag > tag:
            return data[:element.start] + new + data[element.start:]
    return data + new
