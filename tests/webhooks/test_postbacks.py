"""Postbacks: the documented payload, POSTed to a real HTTPS receiver, signed, and retried."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from contextd.jobs.queue import DELIVER_POSTBACK, PROCESS_SOURCE
from contextd.testing import drain_jobs
from tests.support.pages import PageServer
from tests.support.service import Client, Service

pytestmark = pytest.mark.all_engines  # processing: also under the procrastinate engine


class Receiver:
    """An HTTPS endpoint on 127.0.0.2 answering with scripted statuses, recording every call."""

    def __init__(self, tls: Any) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.httpd.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.issue_cert("127.0.0.2").configure_cert(context)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.2:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def receiver(tls: Any) -> Iterator[Receiver]:
    r = Receiver(tls)
    yield r
    r.httpd.shutdown()
    r.httpd.server_close()


def settle(service: Service, source: dict[str, Any]) -> None:
    """Until the source is processed and its postbacks are delivered or given up (the retries
    included): the receiver has then seen every call it will ever see."""
    drain_jobs(service, source_id=source["id"], kinds=[PROCESS_SOURCE, DELIVER_POSTBACK])


def _create(client: Client, receiver: Receiver, data: dict[str, Any]) -> dict[str, Any]:
    space = client.space()
    return client.source(space["id"], {**data, "instructions": {"postback_url": receiver.url}})


def test_completed_postback_is_signed_and_retried_until_delivered(
    client: Client, service: Service, receiver: Receiver
) -> None:
    secret = client.get("/v1/postbacks/secret").json()["secret"]
    receiver.statuses = [500, 503]
    source = _create(
        client, receiver, {"type": "CONTENT", "initial_data": {"data": "User: a\n\nAssistant: b"}}
    )
    settle(service, source)

    assert len(receiver.calls) == 3
    bodies = [json.loads(body) for _, body in receiver.calls]
    assert bodies[0] == {
        "event": "SourceStatusNotification",
        "sourceId": source["id"],
        "userId": client.user_id,
        "spaceId": source["spaceId"],
        "status": "COMPLETED",
    }
    assert bodies[0] == bodies[1] == bodies[2]
    ids = {headers["webhook-id"] for headers, _ in receiver.calls}
    assert len(ids) == 1  # one message, retried: receivers de-duplicate on it
    for headers, body in receiver.calls:
        assert headers["content-type"] == "application/json"
        Webhook(secret).verify(body, headers)
    headers, body = receiver.calls[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"COMPLETED", b"FAILED"), headers)

    deliveries = client.get("/v1/postbacks/deliveries", params={"sourceId": source["id"]}).json()
    [delivery] = deliveries["deliveries"]
    assert delivery["status"] == "delivered"
    assert delivery["attempts"] == 3
    assert delivery["last_status_code"] == 200


def test_failed_source_postback_carries_the_message(
    client: Client, service: Service, receiver: Receiver, pages: PageServer
) -> None:
    source = _create(client, receiver, {"type": "URI", "initial_data": {"url": pages.url("/gone")}})
    settle(service, source)
    assert len(receiver.calls) == 1
    body = json.loads(receiver.calls[0][1])
    assert body["status"] == "FAILED"
    assert body["sourceId"] == source["id"]
    assert "404" in body["message"]


def test_canceled_source_postback(
    client: Client, service: Service, receiver: Receiver, pages: PageServer
) -> None:
    url = pages.add("/slow-postback", "<html><body><p>slow</p></body></html>", delay=2)
    source = _create(client, receiver, {"type": "URI", "initial_data": {"url": url}})
    client.post(f"/v1/sources/{source['id']}/cancel")
    settle(service, source)  # the job finishes its fetch, sees the cancel, and sends nothing
    body = json.loads(receiver.calls[0][1])
    assert (body["status"], body["message"]) == ("CANCELED", "canceled by user")
    assert len(receiver.calls) == 1


def test_a_receiver_that_keeps_failing_is_given_up_after_the_attempt_limit(
    client: Client, service: Service, receiver: Receiver
) -> None:
    receiver.statuses = [500] * 10
    source = _create(client, receiver, {"type": "CONTENT", "initial_data": {"data": "x y z"}})
    settle(service, source)
    deliveries = client.get("/v1/postbacks/deliveries", params={"sourceId": source["id"]})
    [delivery] = deliveries.json()["deliveries"]
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 5
    assert delivery["last_error"] == "HTTP 500"
    assert len(receiver.calls) == 5


def test_rotating_the_secret(client: Client) -> None:
    before = client.get("/v1/postbacks/secret").json()["secret"]
    after = client.post("/v1/postbacks/secret/rotate").json()["secret"]
    assert before != after and after.startswith("whsec_")
    assert client.get("/v1/postbacks/secret").json()["secret"] == after
