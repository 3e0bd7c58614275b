"""The worker child's start: what its first source waits for, and the pre-forked child.

- The background loads come in two groups: what a source's snapshot needs (its model, the token
  counter), then, once no source is processed (`wait_first_source`), the rest (language
  models, search's model), so those never share the interpreter with the first source's stages.
- `prefork`: `contextd serve` forks its first worker child before it starts any thread; the
  child waits for its settings and exits quietly when the server ends first. Run in a child
  interpreter: forking needs a process with no other thread, which the suite's is not.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from contextd import runtime as runtime_module
from contextd.pipeline import embed
from contextd.runtime import Runtime
from contextd.search import foreground
from contextd.tasks import worker_process
from contextd.tasks.worker_process import wait_first_source
from tests.support.settings import make_settings


def test_the_later_loads_wait_for_what_the_first_source_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def load_model(purpose: embed.Purpose = "checks") -> object:
        calls.append(f"model {purpose}")
        return object()

    def load_stages(*, tokens: bool = False, languages: bool = False) -> None:
        calls.extend(name for name, on in (("tokens", tokens), ("languages", languages)) if on)

    monkeypatch.setattr(embed, "default_embedder", load_model)
    monkeypatch.setattr(runtime_module, "_load_stages", load_stages)
    runtime = Runtime.build(make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'w.db'}"))
    try:
        runtime.warm_embedders(until_idle=lambda: calls.append("until idle"))
        assert runtime.embedder_state == "ready"
    finally:
        runtime.close()
    assert calls == ["model checks", "tokens", "until idle", "languages", "model search"]


def test_without_a_hook_the_loads_run_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process worker (`serve` with `CONTEXTD_WORKER_PROCESS=false`) passes no hook."""
    calls: list[str] = []

    def load_model(purpose: embed.Purpose = "checks") -> object:
        calls.append(purpose)
        return object()

    monkeypatch.setattr(embed, "default_embedder", load_model)
    monkeypatch.setattr(
        runtime_module,
        "_load_stages",
        lambda *, tokens=False, languages=False: calls.append("tokens" if tokens else "languages"),
    )
    runtime = Runtime.build(make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'w.db'}"))
    try:
        runtime.warm_embedders()
    finally:
        runtime.close()
    assert calls == ["checks", "tokens", "languages", "search"]


def test_wait_first_source_returns_only_once_the_runner_started_and_no_source_is_processed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker_process, "FIRST_CLAIM_GRACE", 0.0)
    runner_started, stopping = threading.Event(), threading.Event()
    waiter = threading.Thread(target=wait_first_source, args=(runner_started, stopping))
    with foreground.processing():  # the first source's job
        waiter.start()
        waiter.join(0.3)
        assert waiter.is_alive()  # the runner has not started
        runner_started.set()
        waiter.join(0.3)
        assert waiter.is_alive()  # started, but a source is being processed
    waiter.join(30)
    assert not waiter.is_alive()


def test_wait_first_source_gives_up_under_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that is never idle still lowers its priority and loads the rest."""
    monkeypatch.setattr(worker_process, "FIRST_CLAIM_GRACE", 0.0)
    monkeypatch.setattr(worker_process, "FIRST_JOB_WAIT", 0.05)
    runner_started, stopping = threading.Event(), threading.Event()
    runner_started.set()
    with foreground.processing():
        wait_first_source(runner_started, stopping)
        assert foreground.running() == 1


FORK = """
import json, os, sys, threading
from contextd.tasks import worker_process

if sys.argv[1] == "thread":
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    print(json.dumps({"forked": worker_process.prefork()}))
    release.set()
    sys.exit(0)
forked = worker_process.prefork()
proc, status = worker_process._take_prepared()
assert proc.poll() is None  # waiting for its settings
assert proc.stdin is not None
proc.stdin.close()  # the server ends before its app starts: no settings come
code = proc.wait(60)
said = os.read(status, 100)  # the status pipe's end: the child said nothing
print(json.dumps({"forked": forked, "code": code, "status": said.decode()}))
"""


def _run_fork(mode: str) -> tuple[dict[str, object], str]:
    out = subprocess.run(
        [sys.executable, "-c", FORK, mode], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="prefork forks on Linux only")
def test_a_preforked_child_waits_for_its_settings_and_exits_quietly_without_them() -> None:
    result, stderr = _run_fork("alone")
    assert result == {"forked": True, "code": 0, "status": ""}
    assert "Traceback" not in stderr


@pytest.mark.skipif(sys.platform != "linux", reason="prefork forks on Linux only")
def test_prefork_refuses_once_a_thread_runs() -> None:
    """A thread's locks would be copied held: the first start then spawns, as a restart does."""
    result, _ = _run_fork("thread")
    assert result == {"forked": False}
