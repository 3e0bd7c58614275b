"""`lower_priority`: the worker process loads its models at the priority it started with, then
lowers every one of its threads, those created before the call (ONNX Runtime's pool) included,
but the write thread it keeps at the server's priority.

Run in a child interpreter: a nice value cannot be raised back, and the suite's own threads must
keep theirs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="per-thread nice values: Linux"
)

CHILD = """
import json, os, threading
from pathlib import Path
from contextd.tasks.worker_process import lower_priority

def nice_of(tid):
    stat = (Path("/proc/self/task") / str(tid) / "stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])

def lowest():
    os.setpriority(os.PRIO_PROCESS, 0, 19)
    ready.set()
    release.wait()

release, ready = threading.Event(), threading.Event()
before = threading.Thread(target=release.wait)  # a pool thread made while the models loaded
before.start()
lowered_further = threading.Thread(target=lowest)
lowered_further.start()
kept = threading.Thread(target=release.wait)  # the write thread: stays where it was
kept.start()
ready.wait()
start = os.getpriority(os.PRIO_PROCESS, 0)
lower_priority(2, keep=[kept.native_id])
after = threading.Thread(target=release.wait)  # made after: inherits the lowered value
after.start()
threads = {"main": threading.get_native_id(), "before": before.native_id,
           "after": after.native_id, "lowered_further": lowered_further.native_id,
           "kept": kept.native_id}
print(json.dumps({"start": start, **{name: nice_of(tid) for name, tid in threads.items()}}))
release.set()
"""


def test_every_thread_drops_by_the_amount_and_none_rises() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, timeout=60
    )
    nice = json.loads(out.stdout)
    lowered = min(nice["start"] + 2, 19)
    assert (nice["main"], nice["before"], nice["after"]) == (lowered, lowered, lowered)
    assert nice["lowered_further"] == 19
    assert nice["kept"] == nice["start"]
