"""Postback signatures, following the Standard Webhooks convention.

Headers `webhook-id` (stable across retries, for de-duplication), `webhook-timestamp` and
`webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the user's secret),
so receivers can verify with any Standard Webhooks library.
"""

from __future__ import annotations

from datetime import datetime

from standardwebhooks.webhooks import Webhook


def sign(secret: str, message_id: str, timestamp: datetime, body: bytes) -> dict[str, str]:
    signature = Webhook(secret).sign(message_id, timestamp, body.decode())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "contextd-postback/0.1",
    }


def verify(secret: str, body: bytes, headers: dict[str, str]) -> object:
    """Raise if the signature does not match (used by tests and by SDK users)."""
    return Webhook(secret).verify(body.decode(), headers)
