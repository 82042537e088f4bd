"""Compressed pixel data of one DICOM file, decoded so that no decoder can end the process.

A decoder written in C trusts the bytes it is given.  GDCM throws a C++ exception nobody
catches when a JPEG 2000 header and codestream disagree (SIGABRT: the viewer would vanish
with the user's work), and a codestream claiming a huge image made it allocate until the
machine swapped.  So, before any decoder runs:

- the header must describe a monochrome plane (``PhotometricInterpretation`` MONOCHROME1/2
  for SamplesPerPixel 1), and every JPEG 2000 frame's SIZ marker must agree with Rows,
  Columns, SamplesPerPixel and BitsAllocated (``j2k.check_frame``);
- decoders that report bad data as Python exceptions run in this process: pylibjpeg
  (OpenJPEG, the only one used for JPEG 2000), pydicom's own RLE, Pillow for baseline JPEG;
- GDCM, needed for JPEG lossless and JPEG-LS, runs only in a child process
  (``ChildDecoder``) with a memory cap: if it aborts, that file is reported and the next one
  gets a new child.

A failure is a ``LoadError`` whose message names the problem; the caller adds the file.
"""
from __future__ import annotations

import json
import logging
import os
import select
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from ctvis.core.errors import LoadError
from ctvis.core.io import j2k
from ctvis.core.io.walk import open_regular

log = logging.getLogger(__name__)

MONOCHROME = ("MONOCHROME1", "MONOCHROME2")
# In-process decoders, in the order tried: they raise Python exceptions on bad data.
SAFE_PLUGINS = ("pylibjpeg", "pydicom", "pillow")
J2K_PLUGINS = ("pylibjpeg",)        # Pillow would also reach OpenJPEG, with colour guesses
CHILD_PLUGINS = ("gdcm",)
CHILD_SECONDS = 60.0                 # one file's decode in the child, start-up included
CHILD_ALLOWANCE = 512 * 2**20        # memory beyond the decoded frames' own size


class DecodeError(LoadError):
    """A decoder raised on the file's pixel data (the data is corrupt or unsupported)."""


def decode_file(path: str, n_frames: int, child: "ChildDecoder") -> np.ndarray:
    """All frames of one file, as pydicom returns them (BitsStored and sign applied)."""
    import pydicom
    from pydicom.pixels import pixel_array
    from pydicom.uid import UID

    with open_regular(path) as fp:
        ds = pydicom.dcmread(fp)
    ts = UID(str(ds.file_meta.get("TransferSyntaxUID", "1.2.840.10008.1.2")))
    if not ts.is_compressed:
        return ds.pixel_array            # big endian, deflated ...: pydicom's own numpy code
    check_header(ds, str(ts), n_frames)
    if "PhotometricInterpretation" not in ds:
        ds.PhotometricInterpretation = "MONOCHROME2"      # checked: one component
    available = _plugins(str(ts))
    safe = [p for p in (J2K_PLUGINS if ts in j2k.J2K_SYNTAXES else SAFE_PLUGINS)
            if p in available]
    for plugin in safe:
        try:
            return pixel_array(ds, decoding_plugin=plugin)
        except MemoryError:
            raise
        except Exception as exc:      # noqa: BLE001 - corrupt data, in whatever words
            # A safe decoder refused the data: corrupt, and GDCM is not given the chance
            # to abort on it.
            raise DecodeError(f"pixel data compressed as {ts.name} is corrupt "
                              f"({plugin}: {_reason(exc)})") from None
    child_plugins = [p for p in CHILD_PLUGINS if p in available]
    if child_plugins:
        frame_bytes = int(ds.Rows) * int(ds.Columns) * 8       # decoders may use 64 bits
        return child.decode(path, child_plugins[0],
                            CHILD_ALLOWANCE + 3 * frame_bytes * max(n_frames, 1))
    return ds.pixel_array            # no decoder: pydicom says which to install


def check_header(ds, ts: str, n_frames: int) -> None:
    """LoadError when the header and the compressed frames cannot be the same CT plane."""
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
    if samples == 1 and photometric not in MONOCHROME:
        raise LoadError(f"PhotometricInterpretation {photometric} is a colour encoding but "
                        f"the header says SamplesPerPixel 1 (a CT plane is MONOCHROME1 or "
                        f"MONOCHROME2): header and pixel data disagree")
    if ts not in j2k.J2K_SYNTAXES:
        return
    from pydicom.encaps import generate_frames

    rows, columns = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    bits = int(ds.get("BitsAllocated", 16) or 16)
    try:
        frames = generate_frames(ds.PixelData, number_of_frames=max(n_frames, 1))
        count = 0
        for frame in frames:
            j2k.check_frame(frame, rows, columns, samples, bits)
            count += 1
    except LoadError:
        raise
    except Exception as exc:          # noqa: BLE001 - broken encapsulation
        raise LoadError(f"encapsulated pixel data is broken ({_first_line(exc)})") from None
    if count < max(n_frames, 1):
        raise LoadError(f"encapsulated pixel data holds {count} of {n_frames} frame(s)")


def _plugins(ts: str) -> tuple:
    try:
        from pydicom.pixels.decoders.base import get_decoder

        return tuple(get_decoder(ts).available_plugins)
    except Exception:                 # noqa: BLE001 - an unknown syntax: no decoder
        return ()


def _reason(exc: Exception) -> str:
    """The decoder's own words: pydicom wraps them as "raised by all available plugins:"
    followed by one "  plugin: reason" line per plugin."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if len(lines) > 1 and "raised by all" in lines[0]:
        return lines[-1].split(": ", 1)[-1]
    return _first_line(exc)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


class ChildDecoder:
    """GDCM in one child process, started at the first file that needs it and reused.

    If the child dies (an uncaught C++ exception is SIGABRT), takes longer than
    ``seconds``, or needs more memory than its allowance, that file fails with a LoadError
    and the next request starts a new child.  ``close()`` ends it; use as a context manager.
    """

    def __init__(self, seconds: float = CHILD_SECONDS):
        self.seconds = seconds
        self._proc: subprocess.Popen | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            source = Path(__file__).with_name("_decode_child.py").read_text()
            # No script folder or current folder on the child's path: only installed packages.
            code = "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]\n" \
                + source
            self._proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, close_fds=True)
        return self._proc

    def decode(self, path: str, plugin: str, allowance: int) -> np.ndarray:
        proc = self._start()
        deadline = time.monotonic() + self.seconds
        request = json.dumps({"path": str(path), "plugin": plugin,
                              "allowance": int(allowance)}).encode()
        try:
            os.write(proc.stdin.fileno(), struct.pack("<I", len(request)) + request)
            size = struct.unpack("<I", self._read(4, deadline))[0]
            reply = json.loads(self._read(size, deadline))
            if "error" in reply:
                text = f": {reply['text']}" if reply.get("text") else ""
                raise DecodeError(f"pixel data is corrupt ({plugin}: {reply['error']}{text})")
            dtype = np.dtype(reply["dtype"])
            shape = tuple(int(n) for n in reply["shape"])
            data = self._read(int(np.prod(shape)) * dtype.itemsize, deadline)
            return np.frombuffer(data, dtype).reshape(shape).copy()
        except TimeoutError:              # before OSError, of which it is a kind
            self._kill()
            raise DecodeError(f"the {plugin} decoder took longer than {self.seconds:g} s on "
                              f"this file's pixel data and was stopped") from None
        except (OSError, EOFError) as exc:
            why = self._ended(exc)
            raise DecodeError(f"the {plugin} decoder {why} on this file's pixel data") from None

    def _read(self, n: int, deadline: float) -> bytes:
        fd = self._proc.stdout.fileno()
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _ended(self, exc) -> str:
        """How the child ended, for the message; the child is reaped."""
        proc, self._proc = self._proc, None
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        finally:
            for pipe in (proc.stdin, proc.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"crashed ({name})"
        log.debug("decoder child ended with %s after %r", code, exc)
        return f"stopped (exit code {code})"

    def _kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
        self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        try:
            proc.stdout.close()
        except OSError:
            pass
