"""Search over a space: lexical, vector and hybrid, with filters, scores and highlights."""

from __future__ import annotations

from tests.support.errors import assert_error
from tests.support.search import index, search, wait_embedded
from tests.support.service import Client


def test_lexical_search_finds_the_turn_with_highlights(client: Client) -> None:
    space, source = index(client)
    found = search(client, space["id"], "dead-letter retries", mode="lexical")
    top = found["results"][0]
    assert "dead-letter" in top["text"]
    assert top["sourceId"] == source["id"] and top["kind"] == "turn"
    assert top["turnStart"] is not None and top["speaker"]
    assert any("<mark>" in h for h in top["highlights"])
    assert top["scores"]["lexical"] is not None and top["scores"]["vector"] is None


def test_vector_and_hybrid_search_find_paraphrases(client: Client) -> None:
    space, _ = index(client)
    vector = wait_embedded(client, space["id"], "images should load only when visible")
    assert "lazy" in vector["results"][0]["text"]
    hybrid = search(client, space["id"], "payment events overwhelm the server")
    assert hybrid["mode"] == "hybrid"
    assert any("webhook" in r["text"].lower() for r in hybrid["results"][:3])


def test_code_artifacts_are_indexed_whole_and_filterable(client: Client) -> None:
    space, _ = index(client)
    found = search(
        client, space["id"], "handle_webhook enqueue", mode="lexical",
        filters={"kinds": ["artifact"], "languages": ["python"]},
    )  # fmt: skip
    [hit] = [r for r in found["results"] if r["artifactType"] == "CODE"]
    assert hit["text"].startswith("def handle_webhook")
    assert hit["artifactId"] and hit["language"] == "python"
    assert all(r["kind"] == "artifact" for r in found["results"])


def test_filters_by_source_pinned_and_deleted(client: Client) -> None:
    space, first = index(client)
    text = "User: webhook retries again\n\nAssistant: yes, webhook retries."
    second = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": text}})
    client.wait(second["id"])
    both = {
        r["sourceId"] for r in search(client, space["id"], "webhook", mode="lexical")["results"]
    }
    assert both == {first["id"], second["id"]}
    only = search(
        client, space["id"], "webhook", mode="lexical", filters={"sourceIds": [second["id"]]}
    )
    assert {r["sourceId"] for r in only["results"]} == {second["id"]}
    client.patch(f"/v1/sources/{first['id']}/toggle-pin")
    pinned = search(client, space["id"], "webhook", mode="lexical", filters={"pinned": True})
    assert {r["sourceId"] for r in pinned["results"]} == {first["id"]}
    client.delete(f"/v1/sources/{first['id']}")
    live = search(client, space["id"], "webhook", mode="lexical")
    assert {r["sourceId"] for r in live["results"]} == {second["id"]}


def test_reprocess_replaces_the_indexed_chunks(client: Client) -> None:
    space, source = index(client)
    before = search(client, space["id"], "thumbnails", mode="lexical")["results"]
    client.post(f"/v1/sources/{source['id']}/reprocess", json={})
    client.wait(source["id"])
    after = search(client, space["id"], "thumbnails", mode="lexical")["results"]
    assert len(after) == len(before)


def test_search_is_scoped_to_the_space_and_user(client: Client, other_client: Client) -> None:
    space, _ = index(client)
    other_space = other_client.space()
    assert search(other_client, other_space["id"], "webhook")["results"] == []
    assert_error(
        other_client.post(f"/v1/spaces/{space['id']}/search", json={"query": "webhook"}), 404
    )


def test_search_validation(client: Client) -> None:
    space = client.space()
    url = f"/v1/spaces/{space['id']}/search"
    assert_error(client.post(url, json={}), 400)
    assert_error(client.post(url, json={"query": ""}), 400)
    assert_error(client.post(url, json={"query": "x", "mode": "fuzzy"}), 400)
    assert_error(client.post(url, json={"query": "x", "top_k": 0}), 400)
    assert_error(client.post(url, json={"query": "x", "filters": {"kinds": ["page"]}}), 400)
    # Query text is never FTS syntax: quotes, operators and NEAR are just words.
    for tricky in ['"unbalanced', "a AND OR NOT", "NEAR(x y)", "*", "x:y", "-- ;"]:
        assert client.post(url, json={"query": tricky, "mode": "lexical"}).status_code == 200


def test_lexical_ranking_weighs_rare_terms_above_repeated_common_ones(client: Client) -> None:
    """On both backends a query's rare term counts for more than a common one said often (the
    PostgreSQL ranking is weighted by inverse document frequency, as FTS5's BM25 is)."""
    space = client.space()
    texts = [
        f"Melanie said Melanie and Melanie would call about the trip, note {i}." for i in range(6)
    ]
    texts.append("Melanie adopted two pets from the shelter.")
    for text in texts:
        source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": text}})
        assert client.wait(source["id"])["status"] == "COMPLETED"
    found = search(client, space["id"], "What pets does Melanie have?", mode="lexical")
    assert "pets" in found["results"][0]["text"]
