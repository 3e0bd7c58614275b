"""How `make test` (`pytest -n 2 --dist loadfile`) hands test files to its two workers.

xdist's loadfile sends whole files, the files with the most tests first. Here the cost is not in
the number of tests: a handful of files with one to four tests each (the schemathesis run, the
real multi-process clusters, a first model export) take minutes, and sorted by test count they
came last, so one worker ran them one after another while the other had finished. Two changes,
nothing else (each file's tests still run together on one worker, in collection order, so
module fixtures are set up once):

- the files in `HEAVY` go first, the most expensive first (longest-processing-time-first: the
  cheap files then fill in around them on both workers);
- the tests of the files in `PER_TEST` are work units of their own, so the two workers can share
  such a file: the schemathesis run is one test per backend, each minutes long, and they share no
  module fixture.

A file missing from these lists is scheduled as before. The costs behind the order are in the
durations report (`--durations`); a new slow file belongs in `HEAVY`.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadFileScheduling

# Most expensive first: seconds per file from `--durations` (a loaded run; the order is what
# counts). The schemathesis file comes apart (`PER_TEST`): its two tests start on both workers.
HEAVY = (
    "tests/api/test_fuzz_openapi.py",  # ~300 on SQLite, ~160 on PostgreSQL
    "tests/api/test_lifecycle.py",  # 42 tests on three engines, 15-40 each
    "tests/api/test_startup.py",  # ~160: a first model export
    "tests/e2e/test_workers.py",  # ~150
    "tests/api/test_processing.py",  # ~150
    "tests/e2e/test_crash_recovery.py",  # ~115
    "tests/e2e/test_procrastinate_workers.py",  # ~115
    "tests/pipeline/test_embed_onnx.py",  # ~120: torch and the export
    "tests/e2e/test_readme_flow.py",  # ~80
    "tests/pipeline/snapshot/test_snapshot.py",  # ~75
    "tests/test_docs.py",  # ~70
)
PER_TEST = frozenset({"tests/api/test_fuzz_openapi.py"})


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


class HeavyFirstFileScheduling(LoadFileScheduling):  # type: ignore[misc]  # xdist is untyped
    """`--dist loadfile` with the `HEAVY` files first and the `PER_TEST` files split by test."""

    def __init__(self, config: Any, log: Any = None) -> None:
        super().__init__(config, log)
        self._ordered = False

    def _split_scope(self, nodeid: str) -> str:
        path = _file(nodeid)
        return nodeid if path in PER_TEST else path

    def _assign_work_unit(self, node: Any) -> None:
        # The queue is complete when the first unit is assigned (xdist builds it, then assigns).
        if not self._ordered:
            self._ordered = True
            for heavy in reversed(HEAVY):
                for scope in [s for s in self.workqueue if _file(s) == heavy][::-1]:
                    self.workqueue.move_to_end(scope, last=False)
        super()._assign_work_unit(node)
