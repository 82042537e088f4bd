"""The child process that runs GDCM (see ``dicom_decode.ChildDecoder``); imports no ctvis.

Requests and replies on stdin/stdout are framed as a 4-byte little-endian length and JSON;
a reply that carries pixels is followed by their raw bytes.  Each request names a file and a
memory allowance: the address space is capped at what the process uses plus that allowance
while the file is decoded, so a header that claims a huge image fails here with an error
instead of swapping the machine.  If GDCM aborts, only this process dies.
"""

import json
import os
import resource
import struct
import sys


def _send(out, obj: dict, payload: bytes = b"") -> None:
    data = json.dumps(obj).encode()
    out.write(struct.pack("<I", len(data)) + data)
    if payload:
        out.write(payload)
    out.flush()


def _read_exact(inp, n: int) -> bytes:
    data = inp.read(n)
    return data if data is not None else b""


def _address_space() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    import numpy as np
    import pydicom
    from pydicom.pixels import pixel_array

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr                  # nothing but replies on the reply pipe
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    while True:
        head = _read_exact(inp, 4)
        if len(head) < 4:
            return                          # the parent closed the pipe: done
        request = json.loads(_read_exact(inp, struct.unpack("<I", head)[0]))
        try:
            cap = _address_space() + int(request["allowance"])
            if hard == resource.RLIM_INFINITY or cap < hard:
                resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
            try:
                with open(request["path"], "rb") as fp:
                    ds = pydicom.dcmread(fp)
                    if "PhotometricInterpretation" not in ds:
                        ds.PhotometricInterpretation = "MONOCHROME2"
                    pixels = np.ascontiguousarray(
                        pixel_array(ds, decoding_plugin=request["plugin"]))
            finally:
                resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        except MemoryError:
            _send(out, {"error": "MemoryError", "text": "the image needs more memory than "
                                                         "its header allows"})
            continue
        except Exception as exc:             # noqa: BLE001 - everything goes back as text
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            _send(out, {"error": type(exc).__name__, "text": text})
            continue
        _send(out, {"dtype": pixels.dtype.str, "shape": list(pixels.shape)},
              pixels.tobytes())


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        os._exit(0)
