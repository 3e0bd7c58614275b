"""The web dashboard: a single-page app in plain JavaScript, served by the API itself.

`GET /` answers `index.html`; the scripts, styles and vendored libraries are under `/web/`.
Nothing else is routed, so no API path (`/v1/...`, `/health`, `/metrics`, `/docs`, ...) is
shadowed, whatever order routers are added in. The page calls the same REST API as any client,
with the user's API key as a bearer token; the server keeps no session.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS_PATH = "/web"

# Only our own scripts and styles run: an injected <script>, inline handler or foreign origin is
# refused by the browser even if some text ever slipped past the page's escaping.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


async def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=SECURITY_HEADERS)


def mount(app: FastAPI) -> None:
    """Serve the dashboard at `/` and its files under `/web/`."""
    app.add_api_route("/", index, methods=["GET"], include_in_schema=False)
    app.mount(ASSETS_PATH, StaticFiles(directory=STATIC_DIR), name="web")
