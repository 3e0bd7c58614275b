"""The web dashboard: a single-page app in plain JavaScript, served by the API itself.

`GET /` answers `index.html`; the scripts, styles and vendored libraries are under `/web/`.
Nothing else is routed, so no API path (`/v1/...`, `/health`, `/metrics`, `/docs`, ...) is
shadowed, whatever order routers are added in. The page calls the same REST API as any client,
with the user's API key as a bearer token; the server keeps no session.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS_PATH = "/web"


def content_security_policy(upload_origins: Iterable[str] = ()) -> str:
    """Only our own scripts and styles run: an injected <script>, inline handler or foreign origin
    is refused by the browser even if some text ever slipped past the page's escaping. The one
    foreign destination allowed is where the browser PUTs an upload (an S3-compatible store, or
    the public URL when it differs from the page's origin)."""
    connect = " ".join(["'self'", *sorted(set(upload_origins))])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(upload_origins: Iterable[str] = ()) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(upload_origins),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, as a CSP source; None otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def mount(app: FastAPI, upload_origins: Iterable[str] = ()) -> None:
    """Serve the dashboard at `/` and its files under `/web/`."""
    headers = security_headers(upload_origins)

    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=headers)

    app.add_api_route("/", index, methods=["GET"], include_in_schema=False)
    app.mount(ASSETS_PATH, StaticFiles(directory=STATIC_DIR), name="web")
