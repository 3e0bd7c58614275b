"""The deliver-postback job: POST the notification, record the attempt, back off on failure.

`ingest.post_json` is looked up when a postback is sent, not imported with this module: the
package loads its HTTP side (httpx, ~0.2 s of imports) on first use, and a worker's start-up,
which imports every job's module, comes before its first source (bench/cold_start.py)."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from contextd.jobs.base import RetryLater
from contextd.pipeline import ingest
from contextd.pipeline.types import FetchError
from contextd.store.tables import PostbackDelivery, User, utcnow
from contextd.tasks.context import TaskContext
from contextd.webhooks.signing import sign


def run(ctx: TaskContext) -> None:
    settings = ctx.runtime.settings
    delivery_id = ctx.job.payload["delivery_id"]
    with ctx.runtime.db.read_session() as session:
        delivery = session.get(PostbackDelivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            return
        user = session.get(User, delivery.user_id)
        if user is None:
            return
        url, payload, secret = delivery.url, dict(delivery.payload), user.webhook_secret

    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = sign(secret, f"msg_{delivery_id}", utcnow(), body)
    status_code: int | None = None
    try:
        status_code = ingest.post_json(url, body, headers, ctx.runtime.postback_policy)
        error = None if 200 <= status_code < 300 else f"HTTP {status_code}"
    except FetchError as exc:
        error = str(exc)

    def record(session: Session) -> int | None:
        delivery = session.get(PostbackDelivery, delivery_id)
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        if error is None:
            delivery.status = "delivered"
            delivery.delivered_at = utcnow()
        elif delivery.attempts >= settings.postback_max_attempts:
            delivery.status = "failed"
        return delivery.attempts

    attempts = ctx.runtime.db.write(record)
    if attempts is None:
        return
    if error is not None and attempts < settings.postback_max_attempts:
        delay = settings.postback_backoff_seconds * 2 ** (attempts - 1)
        raise RetryLater(delay, error, counts_as_attempt=True)
