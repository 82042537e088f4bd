"""Keep what decoder libraries print on file descriptor 2 out of the user's terminal.

GDCM and OpenJPEG write diagnostics ("Failed to decode tile 1/1") straight to fd 2 from C,
below Python's ``sys.stderr``; a corrupt slice would spill them into the output of a command
that handles the slice cleanly.  The text goes to the log instead (``ctvis -v`` shows it).
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile

log = logging.getLogger(__name__)


@contextlib.contextmanager
def c_stderr_to_log(what: str):
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):         # no fd 2 (embedded, closed): nothing to hide
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text = sink.read(64 * 1024).decode("utf-8", "replace").strip()
            if text:
                log.info("%s printed:\n%s", what, text)
