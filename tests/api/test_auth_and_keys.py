"""API keys: shown once, stored hashed, revocable, expiring; anything else is a 401."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from contextd.services.keys import hash_key
from contextd.store.tables import ApiKey
from tests.support.errors import assert_error
from tests.support.service import Client, Service

UNAUTHORIZED = "Authentication required. Please provide a valid API token"


def test_create_key_shows_the_raw_key_once_and_stores_only_its_hash(
    client: Client, service: Service
) -> None:
    response = client.post("/v1/api-keys", json={"name": "ci", "expiration_date": None})
    assert response.status_code == 201
    created = response.json()
    assert set(created) >= {
        "id",
        "key_prefix",
        "name",
        "expiration_date",
        "created_at",
        "revoked_at",
        "api_key",
    }
    assert created["api_key"].startswith(created["key_prefix"])
    with service.runtime.db.session() as session:
        row = session.get(ApiKey, created["id"])
        assert row is not None
        assert row.key_hash == hash_key(created["api_key"])
        assert created["api_key"] not in (row.key_hash, row.key_prefix)

    listed = client.get("/v1/api-keys").json()
    assert set(listed) == {"api_keys", "pagination"}
    assert listed["pagination"] == {"page": 1, "per_page": 25, "total": 2, "pages": 1}
    assert all("api_key" not in k for k in listed["api_keys"])


def test_the_new_key_works_and_revoking_it_gives_401(client: Client) -> None:
    created = client.post("/v1/api-keys", json={"name": "temp"}).json()
    with Client(str(client.base_url), created["api_key"], client.user_id) as other:
        assert other.get("/v1/spaces").status_code == 200
        revoked = client.delete(f"/v1/api-keys/{created['id']}")
        assert revoked.status_code == 200
        assert revoked.json()["revoked_at"] is not None
        assert_error(other.get("/v1/spaces"), 401)


def test_expired_key_gets_401(client: Client, service: Service) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    created = client.post("/v1/api-keys", json={"expiration_date": soon}).json()
    assert created["expiration_date"] is not None
    with service.runtime.db.session() as session:
        session.execute(
            update(ApiKey)
            .where(ApiKey.id == created["id"])
            .values(expiration_date=datetime.now(UTC) - timedelta(seconds=1))
        )
    with Client(str(client.base_url), created["api_key"], client.user_id) as other:
        assert_error(other.get("/v1/spaces"), 401, contains="expired")


def test_expiration_in_the_past_is_refused(client: Client) -> None:
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert_error(client.post("/v1/api-keys", json={"expiration_date": past}), 400)


def test_missing_or_malformed_authorization_is_401_with_the_documented_body(
    service: Service,
) -> None:
    _, raw = service.new_user()
    cases = [
        {},
        {"Authorization": raw},
        {"Authorization": f"bearer {raw}"},
        {"Authorization": f"Bearer  {raw}"},
        {"Authorization": f"Token {raw}"},
        {"Authorization": f"Bearer {raw}x"},
        {"X-API-Key": raw},
    ]
    for headers in cases:
        response = httpx.get(f"{service.url}/v1/spaces", headers=headers)
        body = assert_error(response, 401)
        assert body["error"] == "Unauthorized"
        assert body["message"] in (UNAUTHORIZED, "API key has expired")


def test_another_users_key_cannot_be_revoked(client: Client, other_client: Client) -> None:
    mine = client.post("/v1/api-keys", json={"name": "mine"}).json()
    assert_error(other_client.delete(f"/v1/api-keys/{mine['id']}"), 404)
    assert client.get("/v1/spaces").status_code == 200


def test_keys_are_never_stored_raw(client: Client, service: Service) -> None:
    with service.runtime.db.session() as session:
        hashes = session.scalars(select(ApiKey.key_hash)).all()
    assert client.key not in hashes
    assert hash_key(client.key) in hashes


def test_a_key_used_moments_ago_still_expires_on_time(client: Client) -> None:
    """Verified keys are cached for a few seconds; the expiration date is checked on every hit."""
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    created = client.post("/v1/api-keys", json={"expiration_date": soon}).json()
    with Client(str(client.base_url), created["api_key"], client.user_id) as other:
        assert other.get("/v1/spaces").status_code == 200  # verified, now cached
        time.sleep(max(0.0, datetime.fromisoformat(soon).timestamp() - time.time()) + 0.2)
        assert_error(other.get("/v1/spaces"), 401, contains="expired")
