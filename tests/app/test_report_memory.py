"""A report frees what it made: the ViewerStates it draws from (the lungs', the 3D pictures',
the bone picture's with its masked copy of the volume) go with it, though they showed label
maps the window keeps (issue 25, item 2)."""
from __future__ import annotations

import gc
import weakref

import numpy as np

from ctvis.app.pipeline import segment
from ctvis.app.report import write_report
from ctvis.core.phantom import make_phantom
from ctvis.model import state as state_module
from ctvis.model.labelmap import LabelMap, Segment


def test_reports_leave_no_state_and_no_slot_on_the_windows_label_maps(tmp_path, monkeypatch):
    phantom = make_phantom(shape=(24, 64, 64))
    volume = phantom.volume
    lungs = segment(volume, method="kmeans")
    lesion = np.zeros(volume.shape, np.uint8)
    lesion[10:13, 20:24, 14:18] = 1
    kept = LabelMap(lesion, (Segment("nodule", 1, (255, 0, 0)),), "tumour")   # the window's
    slots = (len(kept.events.changed), len(kept.events.segments))
    made = []
    init = state_module.ViewerState.__init__

    def tracked(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(weakref.ref(self))
    monkeypatch.setattr(state_module.ViewerState, "__init__", tracked)
    for n in range(2):
        out = write_report(volume, lungs, tmp_path / f"r{n}.html", labelmaps=(kept,))
        assert "tumour" in out["html"].read_text()
    gc.collect()
    assert len(made) >= 6                        # the report's, the pictures' (two each)
    assert [ref() for ref in made] == [None] * len(made)
    assert (len(kept.events.changed), len(kept.events.segments)) == slots
