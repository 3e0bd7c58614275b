"""Prometheus metrics, exposed at `GET /metrics`."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter("contextd_http_requests_total", "HTTP requests", ["method", "route", "status"])
REQUEST_LATENCY = Histogram(
    "contextd_http_request_seconds", "HTTP request latency", ["method", "route"]
)
