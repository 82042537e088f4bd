"""A JPEG 2000 frame's SIZ marker, checked against the DICOM header before any decoder runs.

Decoders trust the codestream's own description of the image.  When it disagrees with the
header, or describes an absurd image, a decoder written in C may abort the process (GDCM's
uncaught ``numcomps == SamplesPerPixel`` assertion) or allocate gigabytes before it notices
the bytes are junk (a SIZ claiming 60000 × 60000 pixels swapped for minutes).  The SIZ
marker segment sits at a fixed place (right after SOC, ISO/IEC 15444-1 A.5.1) and costs
microseconds to read, so every frame is checked first: the number of components, the image
size, the subsampling, the bit depth and the tiling.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from ctvis.core.errors import LoadError

# JPEG 2000 (lossless, lossy) and High-Throughput JPEG 2000 transfer syntaxes.
J2K_SYNTAXES = {"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",
                "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
                "1.2.840.10008.1.2.4.203"}
SOC, SIZ = b"\xff\x4f", b"\xff\x51"
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
MAX_TILES = 65535            # Isot is 16 bits: a codestream cannot number more tiles


@dataclass(frozen=True)
class Siz:
    width: int                   # Xsiz - XOsiz: columns of the image on the reference grid
    height: int                  # Ysiz - YOsiz
    tiles: int
    components: tuple            # ((precision, signed, dx, dy), ...)


def _codestream_start(frame: bytes) -> int:
    """Offset of SOC: 0 for a bare codestream, inside the ``jp2c`` box of a JP2 file."""
    if frame[:2] == SOC:
        return 0
    if frame[:12] != JP2_SIGNATURE:
        raise LoadError("JPEG 2000 frame does not start with a codestream (no SOC marker)")
    pos = 0
    while pos + 8 <= len(frame):              # walk the top-level JP2 boxes to jp2c
        length, kind = struct.unpack_from(">I4s", frame, pos)
        header = 8
        if length == 1 and pos + 16 <= len(frame):
            length, header = struct.unpack_from(">Q", frame, pos + 8)[0], 16
        if kind == b"jp2c":
            return pos + header
        if length < header:                   # 0 = "to the end": no jp2c after it
            break
        pos += length
    raise LoadError("JP2 file without a codestream box (jp2c)")


def read_siz(frame: bytes) -> Siz:
    """The image the codestream describes; LoadError when SIZ is missing or inconsistent."""
    start = _codestream_start(frame)
    if frame[start:start + 2] != SOC or frame[start + 2:start + 4] != SIZ:
        raise LoadError("JPEG 2000 codestream does not begin with SOC and SIZ markers")
    fixed = ">HHIIIIIIIIH"                    # Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz
    if start + 4 + struct.calcsize(fixed) > len(frame):        # XTOsiz YTOsiz Csiz
        raise LoadError("JPEG 2000 codestream ends inside its SIZ marker")
    (lsiz, _rsiz, xsiz, ysiz, xo, yo, xt, yt, xto, yto,
     csiz) = struct.unpack_from(fixed, frame, start + 4)
    if csiz < 1 or lsiz != 38 + 3 * csiz or start + 4 + lsiz > len(frame):
        raise LoadError(f"JPEG 2000 SIZ marker is inconsistent (length {lsiz} for {csiz} "
                        f"component(s))")
    if not (xo < xsiz and yo < ysiz and xt and yt and xto <= xo and yto <= yo
            and xto + xt > xo and yto + yt > yo):
        raise LoadError(f"JPEG 2000 SIZ marker describes no valid image or tiling (image "
                        f"{xsiz}×{ysiz} from ({xo}, {yo}), tiles {xt}×{yt} from ({xto}, {yto}))")
    tiles = -(-(xsiz - xto) // xt) * -(-(ysiz - yto) // yt)
    components = []
    for c in range(csiz):
        ssiz, dx, dy = frame[start + 42 + 3 * c:start + 45 + 3 * c]
        components.append(((ssiz & 0x7F) + 1, bool(ssiz & 0x80), dx, dy))
    return Siz(width=xsiz - xo, height=ysiz - yo, tiles=tiles, components=tuple(components))


def check_frame(frame: bytes, rows: int, columns: int, samples: int, bits_allocated: int
                ) -> Siz:
    """LoadError naming the disagreement when the codestream is not the image the header
    describes (``rows`` × ``columns``, ``samples`` components of at most ``bits_allocated``
    bits, no subsampling), or when it is split into more tiles than a codestream can hold."""
    siz = read_siz(frame)
    n = len(siz.components)
    if n != samples:
        raise LoadError(f"JPEG 2000 codestream holds {n} component(s) but the header says "
                        f"SamplesPerPixel {samples}")
    if (siz.height, siz.width) != (rows, columns):
        raise LoadError(f"JPEG 2000 codestream is {siz.width}×{siz.height} pixels but the "
                        f"header says Columns {columns}, Rows {rows}")
    for precision, _signed, dx, dy in siz.components:
        if (dx, dy) != (1, 1):
            raise LoadError(f"JPEG 2000 codestream subsamples its component ({dx}×{dy}); a "
                            f"CT plane is never subsampled")
        if precision > bits_allocated:
            raise LoadError(f"JPEG 2000 codestream holds {precision}-bit samples but the "
                            f"header says BitsAllocated {bits_allocated}")
    if siz.tiles > MAX_TILES:
        raise LoadError(f"JPEG 2000 codestream claims {siz.tiles} tiles (at most "
                        f"{MAX_TILES} exist)")
    return siz
