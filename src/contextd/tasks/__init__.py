"""The application's jobs: what runs when the queue hands one over.

Above `services/` (a handler uses them to write its results) and below the front ends that
start a runner (`contextd serve`, `contextd worker`). The queue in `jobs/` knows none of this:
`handlers.build_worker` hands it the registry and the `Runtime`.
"""
