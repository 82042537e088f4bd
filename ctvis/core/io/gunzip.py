"""Decompress a whole .gz file with its checks: every member's CRC-32 and size.

nibabel reads a .nii.gz only until it has the voxels, so the stream's CRC-32 (at its end) is
never checked: a damaged byte in the middle can decode to wrong voxels without a word.
Reading the whole stream here checks it, and costs no more than nibabel's own decompression.
"""
from __future__ import annotations

import zlib

from ctvis.core.errors import LoadError

CHUNK = 1 << 22


def gunzip(path, limit: int) -> tuple[bytes, str | None]:
    """The decompressed bytes of ``path`` and a warning when the stream's end is missing.

    Raises LoadError naming the file when the data is damaged (a CRC-32 or size mismatch,
    an invalid deflate stream) or decompresses to more than ``limit`` bytes (what the header
    says the file holds, plus a margin: a "gzip bomb" stops there).
    """
    parts: list[bytes] = []
    total = 0
    d = zlib.decompressobj(wbits=31)                   # gzip wrapper: checks CRC and size
    with open(path, "rb") as f:
        pending = f.read(CHUNK)
        while pending:
            try:
                out = d.decompress(pending, max(limit + 1 - total, 1))
            except zlib.error as exc:
                raise LoadError(f"{path}: the compressed data is damaged ({_reason(exc)}); "
                                f"its voxels cannot be trusted") from None
            parts.append(out)
            total += len(out)
            if total > limit:
                raise LoadError(f"{path}: decompresses to more than the {limit} bytes its "
                                f"header accounts for")
            if d.unconsumed_tail:
                pending = d.unconsumed_tail
            elif d.eof:
                # Another gzip member may follow; zero padding after the last one is allowed.
                rest = d.unused_data or f.read(CHUNK)
                while rest and not rest.strip(b"\0"):
                    rest = f.read(CHUNK)
                if not rest:
                    break
                if not rest.startswith(b"\x1f\x8b"):
                    return b"".join(parts), "bytes after the gzip stream's end were ignored"
                d = zlib.decompressobj(wbits=31)
                pending = rest
            else:
                pending = f.read(CHUNK)
    data = b"".join(parts)
    if not d.eof:
        return data, "the gzip stream's end is missing (the file was cut short)"
    return data, None


def _reason(exc: zlib.error) -> str:
    """zlib's "Error -3 while decompressing data: incorrect data check" → the part after
    the colon."""
    text = str(exc)
    return text.split(": ", 1)[1] if ": " in text else text
