"""Where the first source's time goes after `contextd serve` starts: a timeline of the worker child.

Usage: `PYTHONPATH=src:bench .venv/bin/python bench/child_trace.py [--repeat 2] [--runtime onnx]
[--src DIR]`

Why this design:

- **The real server, unchanged code**: a `sitecustomize` written to a temporary directory (first
  on the server's `PYTHONPATH`) wraps, in the server and its worker child only, the functions
  whose ends are the milestones: the server spawning the child; the child's interpreter up, its
  imports, `Runtime.build`, the runner's start; the background loads (each model, the token
  counter, the language models); each job and each stage of `process_source`. Nothing in
  `src/` knows about it, so the same trace runs against any checkout (`--src`).
- **Wall clock across processes**: every event is `time.time()` in the process it happened in,
  written to one file per process; the timeline is relative to the server's spawn of the child.
  Each event also carries the process's CPU seconds so far, to tell waiting from working.
- **First against warm**: as in `cold_start.py`, a 2,000-word source is posted as soon as
  `/health` answers and a second one once the first's vectors are in; the stage table puts the
  two side by side, so what the first one pays for the start-up is the difference per stage.
- The wrappers cost a few microseconds a call (stages and loads are called a few times): the
  figures are for locating time, `cold_start.py` is the measurement.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from cold_start import health_seconds
from paste import conversation, paste, wait_vectors
from sqlalchemy import create_engine

from contextd.pipeline.embed_onnx import ensure_models
from contextd.testing import ServerProcess

SITECUSTOMIZE = r'''
import importlib.machinery, json, os, sys, threading, time

_DIR = os.environ.get("CONTEXTD_TRACE_DIR")
_CMD = open("/proc/self/cmdline", "rb").read().split(b"\0")
_ROLE = ("child" if b"contextd.tasks.worker_process" in _CMD
         else "server" if b"serve" in _CMD else None)
_OUT = open(os.path.join(_DIR, f"{_ROLE}-{os.getpid()}.jsonl"), "a") if _DIR and _ROLE else None
_LOCK = threading.Lock()


def event(name, **extra):
    rec = {"t": time.time(), "cpu": time.process_time(), "thread": threading.current_thread().name,
           "event": name, **extra}
    with _LOCK:
        _OUT.write(json.dumps(rec) + "\n")
        _OUT.flush()


def wrap(owner, attr, label, args_label=None):
    fn = getattr(owner, attr)
    if getattr(fn, "_traced", False):
        return
    def traced(*args, **kwargs):
        extra = args_label(args, kwargs) if args_label else {}
        event(f"{label} start", **extra)
        try:
            return fn(*args, **kwargs)
        finally:
            event(f"{label} end", **extra)
    traced._traced = True
    if isinstance(owner, type) and isinstance(owner.__dict__.get(attr), classmethod):
        setattr(owner, attr, classmethod(lambda cls, *a, **k: traced(*a, **k)))  # fn is bound
    else:
        setattr(owner, attr, traced)


def _job(args, kwargs):
    job = args[1] if len(args) > 1 else kwargs.get("job")
    return {"kind": getattr(job, "kind", "?"), "source": getattr(job, "source_id", None)}


def _purpose(args, kwargs):
    return {"purpose": str(args[2]) if len(args) > 2 else "?"}


_sampling = False


def _start_sampler():
    global _sampling
    if not _sampling:
        _sampling = True
        threading.Thread(target=_sample, name="trace-sampler", daemon=True).start()


def _patch_server(name, module):
    if name == "contextd.tasks.worker_process":
        wrap(module.WorkerProcess, "_spawn", "spawn")
        prefork = getattr(module, "prefork", None)
        if prefork is None:  # a checkout without it: the child is spawned at the lifespan
            _start_sampler()
            return
        def traced_prefork():
            # The sampler thread starts after it: `prefork` forks only a single-threaded server.
            event("prefork start")
            try:
                return prefork()
            finally:
                event("prefork end")
                _start_sampler()
        module.prefork = traced_prefork
    elif name == "contextd.runtime":
        wrap(module.Runtime, "warm_embedders", "warm_embedders")


def _forked():
    """In a child forked by `prefork`: its own file, role and hooks (its modules were imported
    by the server, so the child's hooks are put on them here)."""
    global _ROLE, _OUT, _sampling
    _ROLE = "child"
    _OUT = open(os.path.join(_DIR, f"child-{os.getpid()}.jsonl"), "a")
    _sampling = False
    event("forked")
    for name in list(_WATCH["child"]):
        module = sys.modules.get(name)
        if module is not None:
            _patch_child(name, module)
    _start_sampler()


def _sample():
    """The process's CPU every 50 ms for its first 15 s: who used the cores when."""
    for _ in range(300):
        event("cpu sample")
        time.sleep(0.05)


def _patch_child(name, module):
    if name == "contextd.runtime":
        wrap(module.Runtime, "build", "Runtime.build")
        wrap(module.Runtime, "warm_embedders", "warm_embedders")
        wrap(module, "_load_stages", "load_stages")
    elif name == "contextd.pipeline.embed":
        wrap(module, "_load", "model load", _purpose)
    elif name == "contextd.pipeline.tokens":
        wrap(module, "load", "tokens.load")
    elif name == "contextd.jobs.worker":
        wrap(module.Worker, "start", "runner start")
        wrap(module.Worker, "_run", "job", _job)
    elif name == "contextd.tasks.process_source":
        for stage in ("_begin", "fetch_base", "ingest", "stage_text", "extract_artifacts",
                      "build_snapshot", "source_tokens", "commit", "_embed_inline"):
            wrap(module, stage, f"stage {stage}")


_WATCH = {
    "server": {"contextd.tasks.worker_process", "contextd.runtime"},  # also the child's:
    "child": {"contextd.config", "contextd.runtime", "contextd.pipeline.embed",
              "contextd.pipeline.tokens", "contextd.jobs.worker", "contextd.tasks.handlers",
              "contextd.tasks.process_source", "sqlalchemy", "sqlalchemy.orm", "numpy",
              "pydantic", "onnxruntime"},
}


class _Finder:
    def find_spec(self, name, path=None, target=None):
        if name not in _WATCH["server"] | _WATCH["child"]:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader_exec = spec.loader.exec_module
        def exec_module(module):
            event(f"import {name} start")
            loader_exec(module)
            event(f"import {name} end")
            if name in _WATCH[_ROLE]:
                (_patch_server if _ROLE == "server" else _patch_child)(name, module)
        spec.loader.exec_module = exec_module
        return spec


if _OUT is not None:
    event("interpreter up")
    sys.meta_path.insert(0, _Finder())
    if _ROLE == "child":
        _start_sampler()
    else:
        os.register_at_fork(after_in_child=_forked)
'''


def one_run(runtime: str, models: Path, texts: tuple[str, str], src: str) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="contextd-trace-") as tmp:
        site, trace = Path(tmp) / "site", Path(tmp) / "trace"
        site.mkdir()
        trace.mkdir()
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
        env = {
            **os.environ,
            "PYTHONPATH": f"{site}:{src}",
            "CONTEXTD_TRACE_DIR": str(trace),
            "CONTEXTD_EMBEDDING_RUNTIME": runtime,
            "CONTEXTD_MODEL_DIR": str(models),
            "CONTEXTD_JOB_POLL_SECONDS": "0.02",
            "CONTEXTD_RATE_LIMIT_PER_MINUTE": "100000",
        }
        server = ServerProcess(Path(tmp) / "data", env)
        server.data_dir.mkdir(parents=True)
        key = server.cli("keys", "create", "--name", "bench").strip().splitlines()[-1]
        for stale in trace.iterdir():  # `keys create` is no server: nothing of it is wanted
            stale.unlink()
        server = ServerProcess(Path(tmp) / "data", env)
        engine = create_engine(f"sqlite:///{server.data_dir / 'contextd.db'}")
        marks: list[dict[str, Any]] = []
        try:
            health_seconds(server)
            marks.append({"t": time.time(), "event": "/health answered", "role": "bench"})
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=600
            ) as client:
                space = client.post("/v1/spaces", json={"name": "bench"}).json()["id"]
                for label, text in (("first", texts[0]), ("warm", texts[1])):
                    marks.append({"t": time.time(), "event": f"POST {label}", "role": "bench"})
                    _seconds, source_id = paste(client, space, text)
                    marks.append(
                        {"t": time.time(), "event": f"{label} COMPLETED seen", "role": "bench"}
                    )
                    wait_vectors(engine, source_id)
                    marks.append({"t": time.time(), "event": f"{label} vectors", "role": "bench"})
        finally:
            server.stop()
            engine.dispose()
        events = list(marks)
        for path in trace.iterdir():
            role = path.name.split("-")[0]
            for line in path.read_text().splitlines():
                events.append({**json.loads(line), "role": role})
    return sorted(events, key=lambda e: e["t"])


def report(events: list[dict[str, Any]]) -> None:
    spawn = next(e["t"] for e in events if e["event"] == "spawn start")
    print(f"{'+s':>7} {'cpu':>6}  {'role':6} {'thread':16} event")
    for e in events:
        if e["event"].startswith(("stage ", "import sqlalchemy.orm", "cpu sample")):
            continue  # the stage table and the CPU windows below
        cpu = f"{e['cpu']:6.2f}" if "cpu" in e else " " * 6
        extra = " ".join(f"{k}={e[k]}" for k in ("kind", "purpose") if k in e)
        print(
            f"{e['t'] - spawn:7.3f} {cpu}  {e['role']:6} {e.get('thread', ''):16.16} "
            f"{e['event']} {extra}"
        )
    windows(events, spawn)
    # Stage durations per job, in the order the jobs ran.
    jobs: list[dict[str, float]] = []
    current: dict[str, float] | None = None
    starts: dict[str, float] = {}
    for e in events:
        name = e["event"]
        if name == "job start" and e.get("kind") == "process_source":
            current = {}
            jobs.append(current)
            starts = {"job": e["t"]}
        elif current is not None and name.startswith("stage "):
            stage, edge = name[6:].rsplit(" ", 1)
            if edge == "start":
                starts[stage] = e["t"]
            else:
                current[stage] = current.get(stage, 0.0) + e["t"] - starts[stage]
        elif current is not None and name == "job end" and e.get("kind") == "process_source":
            current["whole job"] = e["t"] - starts["job"]
            current = None
    if len(jobs) >= 2:
        print(f"\n{'stage':22} {'first':>7} {'warm':>7} {'diff':>7}")
        for stage in jobs[0]:
            first, warm = jobs[0][stage], jobs[1].get(stage, 0.0)
            print(f"{stage:22} {first:7.3f} {warm:7.3f} {first - warm:+7.3f}")


def windows(events: list[dict[str, Any]], spawn: float) -> None:
    """CPU seconds each process used between the milestones (from the samplers: 50 ms
    resolution), against the wall time of the window: who held the two cores."""

    def at(name: str) -> float | None:
        return next((e["t"] for e in events if e["event"] == name), None)

    first_job = next(
        (e["t"] for e in events if e["event"] == "job start" and e.get("kind") == "process_source"),
        None,
    )
    marks = [
        ("spawn", spawn),
        ("POST first", at("POST first")),
        ("first job claimed", first_job),
        ("first COMPLETED seen", at("first COMPLETED seen")),
    ]
    points = [(n, t) for n, t in marks if t is not None]
    print(f"\n{'window':44} {'wall':>6} {'server CPU':>10} {'child CPU':>9}")
    for (a, ta), (b, tb) in itertools.pairwise(points):
        used = {}
        for role in ("server", "child"):
            samples = [
                (e["t"], e["cpu"])
                for e in events
                if e["event"] == "cpu sample" and e["role"] == role
            ]
            before = [c for t, c in samples if t <= ta] or [0.0]
            upto = [c for t, c in samples if t <= tb] or [0.0]
            used[role] = upto[-1] - before[-1]
        print(f"{a + ' -> ' + b:44} {tb - ta:6.3f} {used['server']:10.3f} {used['child']:9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--runtime", default="onnx")
    parser.add_argument("--src", default="src", help="the server's package (a src dir)")
    parser.add_argument("--json", action="store_true", help="the raw events, one run per line")
    args = parser.parse_args()
    texts = (conversation(2000), conversation(2000, offset=1000))
    with tempfile.TemporaryDirectory(prefix="contextd-models-") as tmp:
        models = Path(tmp)
        ensure_models(models)
        for i in range(args.repeat):
            events = one_run(args.runtime, models, texts, str(Path(args.src).resolve()))
            if args.json:
                print(json.dumps(events))
                continue
            print(f"\n=== run {i + 1}, load average {os.getloadavg()[0]:.1f}")
            report(events)


if __name__ == "__main__":
    main()
