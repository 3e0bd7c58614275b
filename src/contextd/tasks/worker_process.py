"""The embedded worker in a child process of `contextd serve` (`CONTEXTD_WORKER_PROCESS`).

Why a process: a job (the pipeline, the ONNX model) holds the interpreter lock for most of its
run, and in the server's process every request waits for it (bench/api.py measured get-source
at 0.2-0.4x a bare endpoint with the worker busy). A child has its own lock, and runs at a lower
OS priority (`CONTEXTD_WORKER_NICE`), so request handling wins the cores as well; only its
start-up and its first source (which waits for that start-up) run at the server's.

`contextd serve` forks the first child (`prefork`) after its own imports, before it starts any
thread: the child then has the pipeline's modules already, and the first source posted after
/health waits for a few loads rather than for ~0.7 CPU-s of imports (bench/child_trace.py). A
restart spawns a new interpreter (`python -m contextd.tasks.worker_process`), as other servers
built on `WorkerProcess` (tests) do for every child.

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
import traceback
from collections.abc import Collection
from pathlib import Path
from typing import IO, Protocol

from contextd.config import Settings
from contextd.runtime import Runtime
from contextd.search import foreground

log = logging.getLogger("contextd.worker")

RUNNING = b"running\n"
RESTART_DELAY = 1.0  # seconds before restarting a child that died; doubled while it keeps dying
MAX_RESTART_DELAY = 30.0
STABLE_SECONDS = 30.0  # a child that ran this long before dying restarts after RESTART_DELAY
# The child's later model loads and its priority drop wait, after its runner starts, this long
# for the first claim, then at most FIRST_JOB_WAIT seconds for no source being processed.
FIRST_CLAIM_GRACE = 0.2
FIRST_JOB_WAIT = 10.0


class _Child(Protocol):
    """What the supervisor uses of its child: `subprocess.Popen`'s, or `_Forked`'s."""

    pid: int
    stdin: IO[bytes] | None

    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...


class _Forked:
    """A child made by `prefork`, with the few `Popen` methods the supervisor calls."""

    def __init__(self, pid: int, stdin: IO[bytes]) -> None:
        self.pid = pid
        self.stdin: IO[bytes] | None = stdin
        self.returncode: int | None = None
        self._lock = threading.Lock()  # one waitpid at a time (supervisor and stop)

    def poll(self) -> int | None:
        with self._lock:
            if self.returncode is None:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"worker process {self.pid}", timeout or 0.0)
            time.sleep(0.02)
        return code

    def _signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)


_prepared: tuple[_Forked, int] | None = None  # the pre-forked child, its status pipe's read end
_prepared_lock = threading.Lock()


def prefork() -> bool:
    """Fork the embedded worker's child now, from `contextd serve` after its imports and before
    it starts any thread; the child waits for its settings, which `WorkerProcess` sends when
    the app starts (its first start only; a restart spawns a new interpreter, as before).

    Why: a spawned child imports the whole pipeline (SQLAlchemy, numpy, pydantic, ~0.7 CPU-s)
    after the server already has, and the first source waits for those imports
    (bench/child_trace.py). A fork shares them. Forking before any thread, socket or database
    connection exists is what makes it safe: the child holds no lock another thread had, and
    nothing of the server's it could use by mistake (the one native thread by then, numpy's
    OpenBLAS pool, is rebuilt in a forked child by OpenBLAS's own fork handlers). It does
    nothing until its settings come, so the server's own start-up (/health) keeps both cores;
    when the server exits before that, the child sees its stdin end and exits quietly. Linux
    only (elsewhere fork is unsafe or missing); False when not forked (then the first start
    spawns, as a restart does)."""
    global _prepared
    if sys.platform != "linux" or threading.active_count() != 1 or _prepared is not None:
        return False
    stdin_read, stdin_write = os.pipe()
    status_read, status_write = os.pipe()
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
        with contextlib.suppress(Exception):
            stream.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the server's code
        code = 1
        try:
            os.close(stdin_write)
            os.close(status_read)
            code = child_main(status_write, os.fdopen(stdin_read, "rb"))
        except BaseException:
            traceback.print_exc()
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    os.close(stdin_read)
    os.close(status_write)
    _prepared = (_Forked(pid, os.fdopen(stdin_write, "wb")), status_read)
    return True


def _take_prepared() -> tuple[_Forked, int] | None:
    global _prepared
    with _prepared_lock:
        prepared, _prepared = _prepared, None
    return prepared


class WorkerProcess:
    """Starts, supervises and stops the child; a `jobs.base.Runner` for `contextd serve`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.proc: _Child | None = None
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

    def _spawn(self) -> tuple[_Child, IO[bytes]]:
        prepared = _take_prepared()
        if prepared is not None:  # forked by `serve` (`prefork`): it waits for its settings
            forked, status_read = prepared
            self._send_settings(forked)
            return forked, os.fdopen(status_read, "rb")
        status_read, status_write = os.pipe()
        argv = [sys.executable, "-m", "contextd.tasks.worker_process", str(status_write)]
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, pass_fds=(status_write,))
        except BaseException:
            os.close(status_read)
            raise
        finally:
            os.close(status_write)
        self._send_settings(proc)
        return proc, os.fdopen(status_read, "rb")

    def _send_settings(self, proc: _Child) -> None:
        assert proc.stdin is not None
        settings = self.runtime.settings.model_copy(update={"auto_migrate": False})
        try:  # the child reads its settings first; nothing else is written before them
            proc.stdin.write(base64.b64encode(pickle.dumps(settings)) + b"\n")
            proc.stdin.flush()
        except OSError:
            pass  # it died already: the supervisor sees it exit
        os.set_blocking(proc.stdin.fileno(), False)

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


def _read_settings(stdin: IO[bytes]) -> Settings | None:
    """The server's settings; None when its end closed first (it exited before its app
    started: a pre-forked child then has nothing to do)."""
    line = stdin.readline()
    if not line.strip():
        return None
    settings = pickle.loads(base64.b64decode(line))  # from our parent: trusted
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


def lower_priority(by: int, keep: Collection[int] = ()) -> None:
    """Every thread of this process but those in `keep` (OS thread ids) `by` steps lower in the
    OS scheduler than the main thread's nice value at the call's start.

    On Linux a nice value belongs to a thread, not to the process, and a new thread inherits its
    creator's: lowering only the calling thread would leave the ONNX Runtime pool threads,
    created while the models loaded, at the old priority. So each thread is set, and the list is
    read again until no new thread appeared meanwhile. Elsewhere the value is the process's."""
    target = min(os.getpriority(os.PRIO_PROCESS, 0) + by, 19)
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        os.setpriority(os.PRIO_PROCESS, 0, max(target, os.getpriority(os.PRIO_PROCESS, 0)))
        return
    done = set(keep)
    while fresh := {int(task.name) for task in tasks.iterdir()} - done:
        for tid in fresh:
            with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                # Never higher: a thread someone lowered further stays where it is.
                os.setpriority(
                    os.PRIO_PROCESS, tid, max(target, os.getpriority(os.PRIO_PROCESS, tid))
                )
        done |= fresh


def wait_first_source(runner_started: threading.Event, stopping: threading.Event) -> None:
    """Returns once the runner has started, has had a moment to claim what was queued
    meanwhile (the first source, often posted while the child started), and no source is being
    processed; or after `FIRST_JOB_WAIT` seconds whatever runs: a batch at start-up must not keep
    the later loads, and the priority drop before them, waiting."""
    runner_started.wait()
    stopping.wait(FIRST_CLAIM_GRACE)
    foreground.wait_idle(FIRST_JOB_WAIT)


def child_main(status_fd: int, stdin: IO[bytes] | None = None) -> int:
    """Run the worker until SIGTERM; the server gives us its settings on `stdin` (ours, when
    spawned; a pipe, when forked by `prefork`)."""
    stdin = sys.stdin.buffer if stdin is None else stdin
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops us
    stopping, wake = threading.Event(), threading.Event()

    def on_term(*_: object) -> None:
        stopping.set()
        wake.set()

    signal.signal(signal.SIGTERM, on_term)
    settings = _read_settings(stdin)
    if settings is None:
        os.close(status_fd)
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runtime = Runtime.build(settings)
    runner_started = threading.Event()
    # The jobs' write transactions run on a thread left at the server's priority: on SQLite a
    # niced writer is preempted while it holds the lock requests wait for (`store.write_thread`).
    writer = runtime.db.start_write_thread() if settings.worker_nice else None
    keep = () if writer is None else (writer,)

    def warm() -> None:
        """Load what the first source's stages need now, not in its job, at the priority the
        server started us with: the first source waits for them (bench/cold_start.py). Then,
        once that source is processed (`wait_first_source`), the of the process drops to
        `worker_nice`, and the loads no first source waits for follow at that priority."""
        dropped = False

        def drop() -> None:
            nonlocal dropped
            wait_first_source(runner_started, stopping)
            if settings.worker_nice:
                lower_priority(settings.worker_nice, keep)
            dropped = True

        try:
            runtime.warm_embedders(until_idle=drop)
        finally:
            if settings.worker_nice and not dropped:  # a load failed before the drop
                lower_priority(settings.worker_nice, keep)

    try:
        threading.Thread(target=warm, name="warm-embedder", daemon=True).start()
        from contextd.tasks.handlers import build_worker  # beside the load: mostly imports

        worker = build_worker(runtime)
        threading.Thread(target=_watch_parent, args=(stdin, wake, stopping), daemon=True).start()
        worker.start()
        runner_started.set()
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
