"""What the process-source job and `contextd extract` take alike from the operator's settings."""

from __future__ import annotations

import ipaddress

from contextd.config import Settings
from contextd.pipeline.types import Document
from contextd.services.processing import llm_config, named, net_policy

LOOPBACK = ipaddress.ip_address("127.0.0.2")


def test_the_network_policy_is_the_operators() -> None:
    default = net_policy(Settings())
    private = net_policy(Settings(allow_private_urls=True))
    one_net = net_policy(Settings(allowed_networks=["127.0.0.2/32"], fetch_max_bytes=1000))
    blocked = net_policy(
        Settings(allow_private_urls=True, blocked_networks=["127.0.0.0/8"]), max_bytes=10
    )

    assert not default.permits(LOOPBACK)
    assert private.permits(LOOPBACK)
    assert one_net.permits(LOOPBACK) and one_net.max_bytes == 1000
    assert not blocked.permits(LOOPBACK) and blocked.max_bytes == 10


def test_the_llm_engine_only_when_asked_for_and_configured() -> None:
    url = "http://127.0.0.1:9/v1"

    assert llm_config(Settings()) is None
    assert llm_config(Settings(), "llm") is None  # a wish the service cannot grant
    assert llm_config(Settings(llm_url=url, llm_model="m")) is None  # configured, not chosen
    chosen = llm_config(Settings(llm_url=url, llm_model="m"), "llm")
    by_operator = llm_config(Settings(snapshot_engine="llm", llm_url=url, llm_model="m"))
    overruled = llm_config(Settings(snapshot_engine="llm", llm_url=url, llm_model="m"), "builtin")

    assert chosen is not None and chosen.model == "m"
    assert by_operator == chosen
    assert overruled is None


def test_a_name_titles_only_a_document_without_a_title() -> None:
    untitled = Document(text="x", format="text")
    titled = Document(text="x", format="html", title="Page")

    assert named(untitled, "notes.txt").title == "notes.txt"
    assert named(untitled, None) is untitled
    assert named(titled, "notes.txt") is titled
