"""The same-run baseline for `bench/api.py`: the smallest FastAPI app, one GET route.

The route is a plain `def`, like contextd's handlers, so both run through FastAPI's threadpool
and the ratio measures contextd's own work (middleware, auth, rate limit, database), not the
dispatch mode. `bench/api.py` serves it with `python -m uvicorn` and the same options as
`contextd serve` (log level warning, no access log).
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(title="bare")


@app.get("/ping")
def ping() -> dict[str, str]:
    """A small constant JSON body."""
    return {"status": "ok", "service": "bare"}
