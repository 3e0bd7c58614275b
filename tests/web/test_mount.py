"""The dashboard's files are served at / and /web/ without shadowing any API route, and the
package ships every one of them (no browser needed)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import httpx

from contextd.web.dashboard import STATIC_DIR
from tests.support.service import Service

REPO = Path(__file__).resolve().parents[2]


def test_index_and_assets_are_served(web_service: Service) -> None:
    with httpx.Client(base_url=web_service.url) as http:
        index = http.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in index.headers["content-security-policy"]
        assert index.headers["x-content-type-options"] == "nosniff"
        assert '<script type="module" src="web/app.js">' in index.text
        for path, kind in [
            ("/web/app.js", "javascript"),
            ("/web/api.js", "javascript"),
            ("/web/dom.js", "javascript"),
            ("/web/app.css", "text/css"),
            ("/web/vendor/highlight.min.js", "javascript"),
            ("/web/vendor/highlight-github.min.css", "text/css"),
        ]:
            response = http.get(path)
            assert response.status_code == 200, path
            assert kind in response.headers["content-type"], path
        missing = http.get("/web/nothing.js")
        assert missing.status_code == 404
        assert set(missing.json()) == {"error", "message", "code", "requestId"}
        assert http.get("/web/../dashboard.py").status_code == 404


def test_api_routes_are_not_shadowed(web_service: Service) -> None:
    with httpx.Client(base_url=web_service.url) as http:
        assert http.get("/health").json()["status"]
        assert http.get("/openapi.json").json()["info"]["title"] == "contextd"
        assert "/" not in http.get("/openapi.json").json()["paths"]
        assert http.get("/docs").status_code == 200
        assert http.get("/metrics").status_code == 200
        unauthorized = http.get("/v1/spaces")
        assert unauthorized.status_code == 401
        assert unauthorized.json()["code"] == 401
        assert http.get("/v1/nothing").headers["content-type"] == "application/json"


def test_package_data_ships_every_static_file() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["contextd"]
    package = STATIC_DIR.parents[1]
    files = [p.relative_to(package).as_posix() for p in STATIC_DIR.rglob("*") if p.is_file()]
    assert files
    # setuptools globs do not cross folders: "web/static/*" ships no file of web/static/vendor/.
    unshipped = [
        f
        for f in files
        if not any(
            Path(f).parent == Path(p).parent and fnmatch.fnmatch(Path(f).name, Path(p).name)
            for p in patterns
        )
    ]
    assert not unshipped, f"add to [tool.setuptools.package-data]: {unshipped}"
