"""The worker Task: results, progress, errors and cancellation come back as Qt signals."""
from __future__ import annotations

import threading
import time

import pytest

from ctvis.core.errors import CtvisError
from ctvis.core.progress import Progress
from ctvis.gui.worker import Task

pytestmark = pytest.mark.gui


def work(n, progress=None, cancel=None):
    tick = Progress(progress, cancel)
    for i in range(n):
        tick(i / n, f"step {i}")
        time.sleep(0.01)
    return n * 2


def test_result_and_progress_arrive_on_the_gui_thread(qtbot):
    task = Task(work, 5)
    seen, threads = [], []
    task.signals.progress.connect(lambda f, m: (seen.append(m),
                                                threads.append(threading.current_thread())))
    with qtbot.waitSignal(task.signals.finished, timeout=5000) as blocker:
        task.start()
    assert blocker.args == [10]
    assert seen == [f"step {i}" for i in range(5)]
    assert set(threads) == {threading.main_thread()}


def test_a_core_error_becomes_its_message(qtbot):
    def fails(progress=None, cancel=None):
        raise CtvisError("scan.dcm: truncated header")

    task = Task(fails)
    with qtbot.waitSignal(task.signals.failed, timeout=5000) as blocker:
        task.start()
    assert blocker.args == ["scan.dcm: truncated header"]


def test_a_bug_is_reported_not_raised(qtbot):
    def buggy(progress=None, cancel=None):
        return 1 / 0

    task = Task(buggy)
    with qtbot.waitSignal(task.signals.failed, timeout=5000) as blocker:
        task.start()
    assert "ZeroDivisionError" in blocker.args[0]


def test_cancel_stops_the_work(qtbot):
    task = Task(work, 1000)
    finished = []
    task.signals.finished.connect(finished.append)
    with qtbot.waitSignal(task.signals.cancelled, timeout=5000):
        task.start()
        time.sleep(0.05)
        task.cancel()
    assert finished == []


DROPPED = """
import gc, sys, time
from PyQt5.QtWidgets import QApplication
from PyQt5.QtTest import QTest
app = QApplication([])
from ctvis.gui.worker import Task

got = []
def work(progress=None, cancel=None):
    time.sleep(0.3)
    return 42

task = Task(work)
task.signals.finished.connect(got.append)
task.start()
del task                     # a caller that replaced it (a second export, a second session)
gc.collect()
QTest.qWait(1500)
print(got)
"""


def test_a_task_its_caller_dropped_runs_to_the_end(tmp_path):
    """Found by the monkey (tests/gui/test_monkey.py): the last reference to a running task
    dropped (``window._record_task`` replaced by a second session) deleted the QRunnable
    under its thread, and the process died with a segmentation fault."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", DROPPED], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert result.stdout.strip() == "[42]"


def test_tasks_run_after_the_application_that_made_their_pool_is_gone():
    """Qt deletes ctvis's task pool with the QApplication it was made under; a second
    application (a script, a benchmark, a test process) gets a new pool, not a dead one."""
    import subprocess
    import sys

    code = """
import gc
from PyQt5.QtWidgets import QApplication
from ctvis.gui.worker import Task, task_pool
first = QApplication([])
task_pool()
del first
gc.collect()
app = QApplication([])
task = Task(lambda progress=None, cancel=None: 42)
task.signals.finished.connect(lambda value: (print("result", value), app.quit()))
task.start()
app.exec_()
"""
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "result 42" in result.stdout
