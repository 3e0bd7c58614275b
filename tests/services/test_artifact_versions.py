"""Artifact lineages: revisions of one file become versions; reprocess semantics keep them sane."""

from __future__ import annotations

from sqlalchemy import select

from contextd.domain.enums import ArtifactType
from contextd.pipeline.types import ArtifactDraft
from contextd.services.artifacts import fence_languages, save_artifacts
from contextd.store.tables import Artifact, Source
from tests.support.service import Client, Service


def draft(content: str, turn: int, key: str | None = "file:app/main.py") -> ArtifactDraft:
    meta: dict[str, object] = {"key": key} if key else {}
    return ArtifactDraft(ArtifactType.CODE, "app/main.py", content, "python", (turn,), meta)


def stored(service: Service, source_id: str) -> list[Artifact]:
    with service.runtime.db.session() as session:
        return list(
            session.scalars(
                select(Artifact)
                .where(Artifact.source_id == source_id, Artifact.type != "CONTEXT")
                .order_by(Artifact.lineage_key, Artifact.version)
            )
        )


def save(service: Service, source_id: str, drafts: list[ArtifactDraft], **flags: bool) -> None:
    with service.runtime.db.session() as session:
        source = session.get(Source, source_id)
        assert source is not None
        source.revision += 1
        save_artifacts(session, source, drafts, update_existing=flags.get("update_existing", True),
                       append=flags.get("append", False))  # fmt: skip


def new_source(client: Client) -> str:
    space = client.space()
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": "no code"}})
    client.wait(source["id"])
    return str(source["id"])


def test_revisions_of_one_file_are_versions_with_the_latest_current(
    client: Client, service: Service
) -> None:
    sid = new_source(client)
    save(
        service,
        sid,
        [draft("v1", 3), draft("v2", 40), draft("other", 5, key=None), draft("v3", 90)],
    )
    rows = [r for r in stored(service, sid) if r.lineage_key == "file:app/main.py"]
    assert [(r.content, r.version, r.is_current) for r in rows] == [
        ("v1", 1, False), ("v2", 2, False), ("v3", 3, True)
    ]  # fmt: skip
    assert rows[0].previous_version_id is None
    assert rows[1].previous_version_id == rows[0].id
    assert rows[2].previous_version_id == rows[1].id

    versions = client.get(f"/v1/artifacts/{rows[0].id}/versions").json()["versions"]
    assert [v["content"] for v in versions] == ["v1", "v2", "v3"]
    assert versions[-1]["is_current"] and versions[-1]["key"] == "file:app/main.py"
    current = client.get(
        f"/v1/spaces/{versions[0]['spaceId']}/artifacts", params={"sourceId": sid, "type": "CODE"}
    ).json()["artifacts"]
    assert sorted(a["content"] for a in current) == ["other", "v3"]


def test_update_existing_keeps_ids_of_unchanged_content_and_drops_the_rest(
    client: Client, service: Service
) -> None:
    sid = new_source(client)
    save(service, sid, [draft("v1", 1), draft("v2", 2), draft("gone", 3, key=None)])
    before = {r.content: r.id for r in stored(service, sid)}
    save(service, sid, [draft("v1", 1), draft("v2b", 2)], update_existing=True)
    after = stored(service, sid)
    assert [(r.content, r.version, r.is_current) for r in after] == [
        ("v1", 1, False),
        ("v2b", 2, True),
    ]
    assert after[0].id == before["v1"]
    assert before["gone"] not in {r.id for r in after}


def test_update_existing_false_keeps_everything_and_continues_the_lineage(
    client: Client, service: Service
) -> None:
    sid = new_source(client)
    save(service, sid, [draft("v1", 1), draft("v2", 2)])
    save(service, sid, [draft("v2", 2)], update_existing=False)
    rows = stored(service, sid)
    assert [(r.content, r.version, r.is_current) for r in rows] == [
        ("v1", 1, False), ("v2", 2, False), ("v2", 3, True)
    ]  # fmt: skip
    assert rows[2].previous_version_id == rows[1].id


def test_fast_forward_append_adds_a_version_only_when_content_changed(
    client: Client, service: Service
) -> None:
    sid = new_source(client)
    save(service, sid, [draft("v1", 1)])
    save(service, sid, [draft("v1", 7)], append=True)
    [row] = stored(service, sid)
    assert row.turn_indexes == [1, 7] and row.version == 1
    save(service, sid, [draft("v2", 9)], append=True)
    rows = stored(service, sid)
    assert [(r.content, r.version, r.is_current) for r in rows] == [
        ("v1", 1, False),
        ("v2", 2, True),
    ]


def test_fence_languages_are_those_of_the_current_fenced_artifacts(
    client: Client, service: Service
) -> None:
    sid = new_source(client)

    def code(content: str, language: str | None, **meta: object) -> ArtifactDraft:
        return ArtifactDraft(ArtifactType.CODE, content, content, language, (0,), dict(meta))

    drafts = [
        code("fenced go", "go", fence_language="go"),
        code("bare fence", "go"),
        code("unfenced", "python", unfenced=True),
        code("inline", "bash", inline=True),
        code("agent file", "rust", agent=True, key="path:a.rs", path="a.rs"),
        code("no language", None),
    ]
    save(service, sid, drafts)
    with service.runtime.db.session() as session:
        assert sorted(fence_languages(session, sid)) == ["go", "go"]
