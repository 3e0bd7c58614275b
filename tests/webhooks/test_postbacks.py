"""Postbacks: the documented payload, POSTed to a real HTTPS receiver, signed, and retried."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.conftest import Client, PageServer

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

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count:
            assert time.monotonic() < deadline, f"{len(self.calls)} of {count} postbacks arrived"
            time.sleep(0.02)


@pytest.fixture
def receiver(tls: Any) -> Iterator[Receiver]:
    r = Receiver(tls)
    yield r
    r.httpd.shutdown()
    r.httpd.server_close()


def _create(client: Client, receiver: Receiver, data: dict[str, Any]) -> dict[str, Any]:
    space = client.space()
    return client.source(space["id"], {**data, "instructions": {"postback_url": receiver.url}})


def test_completed_postback_is_signed_and_retried_until_delivered(
    client: Client, receiver: Receiver
) -> None:
    secret = client.get("/v1/postbacks/secret").json()["secret"]
    receiver.statuses = [500, 503]
    source = _create(
        client, receiver, {"type": "CONTENT", "initial_data": {"data": "User: a\n\nAssistant: b"}}
    )
    receiver.wait_for(3)

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
    client: Client, receiver: Receiver, pages: PageServer
) -> None:
    source = _create(client, receiver, {"type": "URI", "initial_data": {"url": pages.url("/gone")}})
    receiver.wait_for(1)
    body = json.loads(receiver.calls[0][1])
    assert body["status"] == "FAILED"
    assert body["sourceId"] == source["id"]
    assert "404" in body["message"]


def test_canceled_source_postback(client: Client, receiver: Receiver, pages: PageServer) -> None:
    url = pages.add("/slow-postback", "<html><body><p>slow</p></body></html>", delay=2)
    source = _create(client, receiver, {"type": "URI", "initial_data": {"url": url}})
    client.post(f"/v1/sources/{source['id']}/cancel")
    receiver.wait_for(1)
    body = json.loads(receiver.calls[0][1])
    assert (body["status"], body["message"]) == ("CANCELED", "canceled by user")
    time.sleep(2.5)  # the job finishes its fetch, sees the cancel, and sends nothing more
    assert len(receiver.calls) == 1


def test_a_receiver_that_keeps_failing_is_given_up_after_the_attempt_limit(
    client: Client, receiver: Receiver
) -> None:
    receiver.statuses = [500] * 10
    source = _create(client, receiver, {"type": "CONTENT", "initial_data": {"data": "x y z"}})
    receiver.wait_for(5)
    deadline = time.monotonic() + 10
    while True:
        deliveries = client.get("/v1/postbacks/deliveries", params={"sourceId": source["id"]})
        [delivery] = deliveries.json()["deliveries"]
        if delivery["status"] != "pending" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 5
    assert delivery["last_error"] == "HTTP 500"
    time.sleep(0.5)
    assert len(receiver.calls) == 5


def test_rotating_the_secret(client: Client) -> None:
    before = client.get("/v1/postbacks/secret").json()["secret"]
    after = client.post("/v1/postbacks/secret/rotate").json()["secret"]
    assert before != after and after.startswith("whsec_")
    assert client.get("/v1/postbacks/secret").json()["secret"] == after
