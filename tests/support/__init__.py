"""Plain helpers shared by the test modules; the fixtures that use them live in conftest files.

Test modules import from here, never from each other or from a conftest. What the benchmarks
and evaluations need too (servers, processes, the fake embedder, draining the job queue) is in
`contextd.testing` instead.
"""
