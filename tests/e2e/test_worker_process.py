"""`contextd serve` runs its embedded worker in a child process (the default): real processes,
a real SQLite database shared by the two.

The first child is forked by `serve` (with the server's imports); a restarted one is spawned. The
child loads its models at the server's priority, then lowers every thread of its own but its
write thread; the
server says `running` on /health once the child's
runner has started; a source posted to the server is processed by the child end to end; a
killed child is replaced and the next source completes; stopping the server stops the child,
and a server that dies without stopping it (SIGKILL) takes the child with it.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from contextd.testing import ServerProcess
from tests.support.cluster import server_process
from tests.support.factories import transcript
from tests.support.service import Client

pytestmark = pytest.mark.slow

WAIT = 120.0  # generous: the machine may be busy; no test asserts a duration


def _children(pid: int) -> list[int]:
    """The worker children of `pid` (Linux /proc): forked by `prefork` (the server's own command
    line) or spawned after a restart; not a helper a library runs for a moment (`ldconfig`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ours = {b"contextd", b"contextd.tasks.worker_process"} & set(cmdline[:3])
        if int(stat[1]) == pid and stat[0] != "Z" and ours:
            found.append(int(entry.name))
    return found


def _spawned(pid: int) -> bool:
    """A child started as `python -m contextd.tasks.worker_process`, not forked."""
    return b"contextd.tasks.worker_process" in Path(f"/proc/{pid}/cmdline").read_bytes()


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _threads_nice(pid: int) -> list[int]:
    """Each thread's own nice value (on Linux a thread has its own)."""
    values = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            values.append(int((task / "stat").read_text().rsplit(")", 1)[1].split()[16]))
        except OSError:
            continue  # a thread that just ended
    return values


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes (its parent has not reaped it yet).
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.1)


def _worker_state(server: ServerProcess) -> str:
    body = httpx.get(f"{server.url}/health", timeout=10).json()
    return str(body["dependencies"].get("worker", {}).get("state"))


def _running_child(server: ServerProcess, not_pid: int | None = None) -> int:
    """The one worker child, once /health says it runs (and it is not `not_pid`)."""
    _until(
        lambda: (
            _worker_state(server) == "running"
            and [p for p in _children(server.pid) if p != not_pid]
        ),
        "the worker process running",
    )
    (child,) = _children(server.pid)
    return child


def _process_one(client: Client, space_id: str, turns: int) -> None:
    source = client.source(
        space_id,
        {"type": "CONTENT", "instructions": {}, "initial_data": {"data": transcript(turns)}},
    )
    done = client.wait(source["id"], timeout=WAIT)
    assert done["status"] == "COMPLETED", done["message"]
    snapshot = client.get(f"/v1/sources/{source['id']}/snapshot").json()
    assert snapshot["tokens_after"] < snapshot["tokens_before"]


def test_the_child_processes_sources_is_restarted_when_killed_and_stops_with_the_server(
    tmp_path: Path,
) -> None:
    server = server_process(tmp_path / "data")
    key = server.cli("keys", "create", "--name", "me").strip().splitlines()[-1]
    server.start()
    try:
        child = _running_child(server)
        assert not _spawned(child)  # the first child is forked by `serve`, with its imports

        # Requests win the cores once the child has loaded its models (at the server's
        # priority: the first source waits for them), ONNX Runtime's pool threads included;
        # all but one, the thread its jobs hand their write transactions to
        # (`store.write_thread`), which stays at the server's priority.
        def all_but_the_write_thread_lowered() -> bool:
            values, server_nice = _threads_nice(child), _nice(server.pid)
            at_server = [n for n in values if n <= server_nice]
            return at_server == [server_nice] and len(values) > 1

        _until(all_but_the_write_thread_lowered, "every worker thread but the write thread lowered")
        with Client(server.url, key, "") as client:
            space = client.space()
            _process_one(client, space["id"], 40)

            os.kill(child, signal.SIGKILL)  # a crash of the worker alone
            _until(lambda: not _alive(child), "the killed child reaped")
            replacement = _running_child(server, not_pid=child)
            assert replacement != child
            assert _spawned(replacement)  # a restart starts a new interpreter
            _process_one(client, space["id"], 30)  # the new child takes the queue over
    finally:
        server.stop()  # SIGTERM: the server's shutdown stops the child
    _until(lambda: not _alive(replacement), "the child stopped with the server")


def test_a_killed_server_takes_its_worker_process_with_it(tmp_path: Path) -> None:
    server = server_process(tmp_path / "data").start()
    try:
        child = _running_child(server)
    finally:
        server.kill()  # SIGKILL: no shutdown hook runs
    # The child sees its stdin close and exits (its jobs' owner is then a dead pid: the next
    # worker takes them back at once, tests/e2e/test_crash_recovery.py).
    _until(lambda: not _alive(child), "the orphaned child exited")
