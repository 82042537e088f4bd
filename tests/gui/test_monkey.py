"""The window under a monkey (issue 18, item 10): a fixed sample of 300 seeded random user
actions (tests/gui/monkey.py) on the real window under Xvfb — open good and bad paths, scroll,
drag window/level, click crosshairs, layouts, presets, segment and cancel, drag in 3D, the
bone threshold, sessions, dialogs; markups (placed, dragged, deleted, the dock's rename, CSV
and .mrk.json), slabs and colour maps (keys, the corner menu), cine, Save movie, the Lesion
tool and reports.  It fails on a Python traceback (in a slot, a thread, or
logged by a worker), a Qt or VTK warning, work that never ends, or the GUI thread frozen for
more than 5 s (a stall guard, not a speed limit: ``benchmarks/bench_monkey.py`` measures
speed).  A crash ends pytest itself.
"""
from __future__ import annotations

import random
import time

import pytest
from PyQt5.QtTest import QTest

from ctvis.gui.main_window import MainWindow
from tests.gui.monkey import ACTIONS, Monkey, Watch, answering, prepare

pytestmark = [pytest.mark.gui, pytest.mark.data, pytest.mark.slow,
              pytest.mark.timeout(300, method="thread")]

SEED = 18
ACTIONS_N = 300
STALL_S = 5.0
# The kinds a 300-action sample must have tried, whatever the window's timing.
MUST_TRY = ("open_good", "open_bad", "scroll", "window_level_drag", "crosshair_click",
            "layout", "window_preset", "segment", "cancel_segment", "drag_3d", "bone",
            "save_session", "open_session", "place_markup", "slab_keys", "cine", "lesion")


def describe(monkey: Monkey, watch: Watch, seconds: float) -> str:
    tail = "\n".join(f"  #{n} {name}: {detail}" for n, name, detail in monkey.log[-15:])
    return (f"{len(monkey.log)} actions in {seconds:.0f} s, longest freeze "
            f"{watch.longest_gap * 1000:.0f} ms after {watch.gap_after}; last actions:\n"
            f"{tail}")


def test_the_window_survives_a_monkey(qtbot, data_dir, tmp_path):
    # The actions as they start, in the test's tmp folder (a crash leaves no other trace).
    paths = prepare(tmp_path, data_dir)
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitActive(window)
    start = time.perf_counter()
    with Watch() as watch:
        monkey = Monkey(window, random.Random(SEED), tmp_path, paths, watch,
                        trace=open(tmp_path / "actions.txt", "w"))
        with answering(monkey):
            with qtbot.waitSignal(window.volume_opened, timeout=60000):
                window.open_path(paths.good[0][0])           # the small phantom
            monkey.run(ACTIONS_N)
            watch.action = "settle"
            settled = monkey.settle(timeout_s=120)
            monkey.stop_trace()
            watch.action = "close"
            window.close()
            QTest.qWait(50)
    seconds = time.perf_counter() - start
    print(describe(monkey, watch, seconds))
    print("actions:", dict(sorted(monkey.counts.items())))
    assert not watch.problems(), "\n".join(watch.problems()) + "\n" + describe(monkey, watch,
                                                                               seconds)
    assert settled, "work still running 120 s after the last action\n" + describe(
        monkey, watch, seconds)
    assert watch.longest_gap < STALL_S, describe(monkey, watch, seconds)
    assert sum(monkey.counts[k] for k in ACTIONS) >= ACTIONS_N
    missing = [k for k in MUST_TRY if not monkey.counts[k]]
    assert not missing, missing
