"""The context a task runs in: the queue's `JobContext`, carrying this process's `Runtime`."""

from __future__ import annotations

from contextd.jobs.base import JobContext
from contextd.runtime import Runtime

TaskContext = JobContext[Runtime]
