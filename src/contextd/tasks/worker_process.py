"""The embedded worker in a child process of `contextd serve` (`CONTEXTD_WORKER_PROCESS`).

Why a process: a job (the pipeline, the ONNX model) holds the interpreter lock for most of its
run, and in the server's process every request waits for it (bench/api.py measured get-source
at 0.2-0.4x a bare endpoint with the worker busy). A child has its own lock, and runs at a lower
OS priority (`CONTEXTD_WORKER_NICE`), so request handling wins the cores as well; only its
start-up (imports, the models' load, which the first source waits for) runs at the server's.

It is still one command and no other service: the server starts the child with its own settings
(pickled through the child's stdin, so an override such as `serve --host` or a test's settings
object reaches it as they are), restarts it when it dies, and stops it on shutdown. The child
runs the same runner as `contextd worker` (`build_worker`): the same lanes, leases and fences,
on the same database and queue; SQLite runs in WAL mode with a busy timeout (store/db.py), as it
already does for standalone workers.

The pipes between the two:
- the child's stdin: after the settings, one byte per "work was queued" (`notify`), so a new
  source starts at once rather than at the next poll; its end (EOF) tells the child that the
  server is gone without stopping it (killed): the child then exits at once, and its jobs are
  taken back by the next worker, which sees their owner's pid is gone (jobs/worker.py);
- a status pipe from the child: `running` once its runner has started (shown by /health).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from contextd.config import Settings
from contextd.runtime import Runtime

log = logging.getLogger("contextd.worker")

RUNNING = b"running\n"
RESTART_DELAY = 1.0  # seconds before restarting a child that died; doubled while it keeps dying
MAX_RESTART_DELAY = 30.0
STABLE_SECONDS = 30.0  # a child that ran this long before dying restarts after RESTART_DELAY


class WorkerProcess:
    """Starts, supervises and stops the child; a `jobs.base.Runner` for `contextd serve`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards `proc` between the supervisor and notify/stop
        self._thread = threading.Thread(target=self._supervise, name="worker-process", daemon=True)

    @property
    def worker_id(self) -> str:
        proc = self.proc
        return f"process:{proc.pid if proc else '-'}"

    def start(self) -> None:
        self.runtime.worker_state = "starting"
        self._thread.start()

    def notify(self) -> None:
        """Wake the child's idle threads; never blocks (a full pipe already says "wake up")."""
        proc = self.proc
        if proc is None or proc.stdin is None:
            return
        # Through the file object, not its descriptor: it refuses once closed (ValueError), so
        # a byte never lands in a file that reused the number of a dead child's pipe.
        with contextlib.suppress(OSError, ValueError):  # full, closed, or the child just died
            proc.stdin.write(b"!")
            proc.stdin.flush()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM: the child stops its runner (running jobs get `timeout` to finish, as the
        in-process worker's threads do) and exits; SIGKILL if it has not a little later."""
        self._stopping.set()
        with self._lock:
            proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout + 5)
            except subprocess.TimeoutExpired:
                log.warning("the worker process did not stop in time: killed")
                proc.kill()
                proc.wait()
        self._thread.join(timeout + 10)
        if proc is not None and proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()

    def _spawn(self) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
        status_read, status_write = os.pipe()
        argv = [sys.executable, "-m", "contextd.tasks.worker_process", str(status_write)]
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, pass_fds=(status_write,))
        except BaseException:
            os.close(status_read)
            raise
        finally:
            os.close(status_write)
        assert proc.stdin is not None
        settings = self.runtime.settings.model_copy(update={"auto_migrate": False})
        try:  # the child reads its settings first; nothing else is written before them
            proc.stdin.write(base64.b64encode(pickle.dumps(settings)) + b"\n")
            proc.stdin.flush()
        except OSError:
            pass  # it died already: the supervisor sees it exit
        os.set_blocking(proc.stdin.fileno(), False)
        return proc, os.fdopen(status_read, "rb")

    def _supervise(self) -> None:
        delay = RESTART_DELAY
        while not self._stopping.is_set():
            started = time.monotonic()
            with self._lock:
                if self._stopping.is_set():
                    return
                try:
                    self.proc, status = self._spawn()
                except OSError:
                    log.exception("the worker process could not start")
                    self.runtime.worker_state = "failed"
                    self._stopping.wait(delay)
                    delay = min(delay * 2, MAX_RESTART_DELAY)
                    continue
            proc, ran = self.proc, False
            with status:
                for line in status:  # until the child exits (its end of the pipe closes)
                    if line == RUNNING:
                        ran = True
                        self.runtime.worker_state = "running"
                        log.info("embedded worker running in process %s", proc.pid)
            code = proc.wait()
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            if self._stopping.is_set():
                return
            self.restarts += 1
            lived = time.monotonic() - started
            delay = RESTART_DELAY if lived >= STABLE_SECONDS else delay
            self.runtime.worker_state = "starting" if ran else "failed"
            log.error(
                "the worker process %s exited (%s); restarting in %.0f s", proc.pid, code, delay
            )
            self._stopping.wait(delay)
            delay = min(delay * 2, MAX_RESTART_DELAY)


# --- the child --------------------------------------------------------------------------------


def _read_settings(stdin: IO[bytes]) -> Settings:
    settings = pickle.loads(base64.b64decode(stdin.readline()))  # from our parent: trusted
    if not isinstance(settings, Settings):
        raise TypeError(f"expected Settings, got {type(settings).__name__}")
    return settings


def _watch_parent(stdin: IO[bytes], wake: threading.Event, stopping: threading.Event) -> None:
    """Each byte from the server wakes the runner; the end of stdin without a SIGTERM first
    means the server died: exit at once, as the in-process worker would have died with it."""
    fd = stdin.fileno()
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            if not stopping.is_set():
                os._exit(1)
            return
        wake.set()


def lower_priority(by: int) -> None:
    """Every thread of this process `by` steps lower in the OS scheduler than the main thread's
    nice value at the call's start.

    On Linux a nice value belongs to a thread, not to the process, and a new thread inherits its
    creator's: lowering only the calling thread would leave the ONNX Runtime pool threads,
    created while the models loaded, at the old priority. So each thread is set, and the list is
    read again until no new thread appeared meanwhile. Elsewhere the value is the process's."""
    target = min(os.getpriority(os.PRIO_PROCESS, 0) + by, 19)
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        os.setpriority(os.PRIO_PROCESS, 0, max(target, os.getpriority(os.PRIO_PROCESS, 0)))
        return
    done: set[int] = set()
    while fresh := {int(task.name) for task in tasks.iterdir()} - done:
        for tid in fresh:
            with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                # Never higher: a thread someone lowered further stays where it is.
                os.setpriority(
                    os.PRIO_PROCESS, tid, max(target, os.getpriority(os.PRIO_PROCESS, tid))
                )
        done |= fresh


def child_main(status_fd: int) -> int:
    """Run the worker until SIGTERM; the server gave us its settings on stdin."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops us
    stopping, wake = threading.Event(), threading.Event()

    def on_term(*_: object) -> None:
        stopping.set()
        wake.set()

    signal.signal(signal.SIGTERM, on_term)
    settings = _read_settings(sys.stdin.buffer)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runtime = Runtime.build(settings)

    def warm() -> None:
        """Load the models now, not in the first job, at the priority the server started us
        with: the first source waits for them (bench/cold_start.py). Only then, and whatever
        happened, does the whole process drop to `worker_nice`."""
        try:
            runtime.warm_embedders()
        finally:
            if settings.worker_nice:
                started_at = os.getpriority(os.PRIO_PROCESS, 0)
                lower_priority(settings.worker_nice)
                if settings.worker_boost_writes:
                    runtime.db.boost_writers(started_at)

    try:
        threading.Thread(target=warm, name="warm-embedder", daemon=True).start()
        from contextd.tasks.handlers import build_worker  # beside the load: mostly imports

        worker = build_worker(runtime)
        threading.Thread(
            target=_watch_parent, args=(sys.stdin.buffer, wake, stopping), daemon=True
        ).start()
        worker.start()
        with os.fdopen(status_fd, "wb", buffering=0) as status:
            status.write(RUNNING)
            while not stopping.is_set():
                if wake.wait(0.5):
                    wake.clear()
                    worker.notify()
        worker.stop()
    finally:
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(child_main(int(sys.argv[1])))
