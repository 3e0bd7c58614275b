"""Test support shipped with the package, for the test suite, the benchmarks and the evaluations.

It sits above every other layer: it may import anything of contextd, and nothing in the server
imports it. Everything here starts real things (a uvicorn server in a thread, `contextd serve`
as a process, a throwaway PostgreSQL database) or stands in for a slow one (the embedding
model), and waits for background work by draining the job queue, never on a fixed delay.
"""

from contextd.testing.database import scratch_database
from contextd.testing.embedder import FakeEmbedder
from contextd.testing.jobs import drain_jobs
from contextd.testing.process import ChildProcess, ServerProcess, contextd_argv
from contextd.testing.server import ThreadedServer, free_port, free_socket

__all__ = [
    "ChildProcess",
    "FakeEmbedder",
    "ServerProcess",
    "ThreadedServer",
    "contextd_argv",
    "drain_jobs",
    "free_port",
    "free_socket",
    "scratch_database",
]
