"""Processing first: the embedding lane waits while a source is being processed in this process.

On two cores, the lane embedding a large paste's turn chunks (float32, tens of thousands of
tokens) while the same paste's snapshot runs its checks (int8) and its lexical pass left each
with half the machine: the paste's COMPLETED came several times later than with the machine to
itself (`bench/paste.py`). A lane that also embedded the chunks the processing job then embedded
inline did that work twice. So a processing job holds `processing()` from its first stage to the
end of its inline embedding, and the lane (`embed_pending(..., yield_to_processing=True)`) waits
before each batch until no job holds it: search is usable lexically at COMPLETED, and the
vectors follow right after it (inline, or the lane's next batch).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_busy = threading.Condition()
_running = 0


@contextmanager
def processing() -> Iterator[None]:
    """Mark a processing job as running in this process until the block ends."""
    global _running
    with _busy:
        _running += 1
    try:
        yield
    finally:
        with _busy:
            _running -= 1
            if _running == 0:
                _busy.notify_all()


def running() -> int:
    """How many processing jobs of this process are inside `processing()`."""
    with _busy:
        return _running


def wait_idle(timeout: float | None = None) -> bool:
    """Block until no processing job runs in this process (or `timeout` seconds passed);
    whether none runs."""
    with _busy:
        return _busy.wait_for(lambda: _running == 0, timeout)
