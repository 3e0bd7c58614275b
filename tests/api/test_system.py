"""Unauthenticated system routes outside /v1, and the OpenAPI document."""

from __future__ import annotations

import httpx

from tests.support.service import Client, Service


def test_health_checks_database_and_storage(service: Service) -> None:
    response = httpx.get(f"{service.url}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["dependencies"]["database"]["status"] == "ok"
    assert body["dependencies"]["storage"]["status"] == "ok"
    assert response.headers["x-request-id"].startswith("req_")


def test_metrics_are_prometheus_text(service: Service, client: Client) -> None:
    client.get("/v1/spaces")
    response = httpx.get(f"{service.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert (
        'contextd_http_requests_total{method="GET",route="/v1/spaces",status="200"}'
        in response.text
    )


def test_openapi_describes_the_api_and_marks_extensions(service: Service) -> None:
    spec = httpx.get(f"{service.url}/openapi.json").json()
    paths = spec["paths"]
    documented = {
        ("post", "/v1/api-keys"), ("get", "/v1/api-keys"), ("delete", "/v1/api-keys/{keyId}"),
        ("post", "/v1/spaces"), ("get", "/v1/spaces"), ("get", "/v1/spaces/{spaceId}"),
        ("put", "/v1/spaces/{spaceId}"), ("delete", "/v1/spaces/{spaceId}"),
        ("post", "/v1/spaces/{spaceId}/collections"), ("get", "/v1/spaces/{spaceId}/collections"),
        ("post", "/v1/spaces/{spaceId}/sources"), ("get", "/v1/sources/{sourceId}"),
        ("patch", "/v1/sources/{sourceId}"), ("delete", "/v1/sources/{sourceId}"),
        ("patch", "/v1/sources/{sourceId}/toggle-pin"), ("post", "/v1/sources/{sourceId}/restore"),
        ("post", "/v1/sources/{sourceId}/cancel"), ("post", "/v1/sources/{sourceId}/refresh"),
        ("post", "/v1/sources/{sourceId}/reprocess"),
        ("post", "/v1/sources/{sourceId}/fast-forward"),
        ("post", "/v1/upload/s3"), ("get", "/health"), ("get", "/metrics"),
        ("get", "/v1/spaces/{spaceId}/artifacts"), ("get", "/v1/artifacts/{artifactId}"),
        ("get", "/v1/sources/{sourceId}/snapshot"),
    }  # fmt: skip
    for method, path in documented:
        assert method in paths.get(path, {}), (method, path)
    artifacts = paths["/v1/spaces/{spaceId}/artifacts"]["get"]
    assert "extension" in " ".join(artifacts["tags"]).lower()
    snapshot = paths["/v1/sources/{sourceId}/snapshot"]["get"]
    assert "Extension" in snapshot["description"]
    source = spec["components"]["schemas"]["SourceOut"]["properties"]
    assert {"spaceId", "collectionId", "initial_data", "instructions", "status"} <= set(source)
