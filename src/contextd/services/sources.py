"""Source use-cases: create, read, update, and the lifecycle actions.

Every action that starts processing bumps `revision`, sets PENDING and enqueues the job in the
same transaction; the job later writes its results only if the revision is still its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    Insert,
    Row,
    Select,
    Table,
    bindparam,
    insert,
    literal_column,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from contextd.blobs.base import BlobStore
from contextd.domain.enums import SourceStatus, SourceType
from contextd.domain.errors import FieldError, InvalidState, NotFound, ValidationFailed
from contextd.domain.lifecycle import Action, require, require_refreshable
from contextd.jobs import queue
from contextd.pipeline.ingest import NetPolicy, check_url
from contextd.pipeline.types import BlockedURL, content_hash
from contextd.services.paging import paginate
from contextd.services.source_input import SourceInput, validate_input
from contextd.services.spaces import in_space, owned_space_id
from contextd.store.db import is_sqlite
from contextd.store.tables import PostbackDelivery, Source, Space, Turn, User, new_id, utcnow

S = TypeVar("S", Source, Row[Any])


@dataclass(frozen=True)
class SourceContext:
    """What source actions need besides the session."""

    blobs: BlobStore
    policy: NetPolicy
    postback_policy: NetPolicy
    max_attempts: int = 3
    # Where jobs go when written without a session (`create_source`): the runtime's engine
    # (procrastinate), else None for the `jobs` table. Sessions carry their own in `info`.
    jobs: queue.JobEngine | None = None


def raw_key(source_id: str) -> str:
    return f"sources/{source_id}/raw"


def get_source(session: Session, user: User, source_id: str, *, lock: bool = False) -> Source:
    """`lock`: read it with `FOR UPDATE` (PostgreSQL), as the lifecycle actions must: they check
    the status and then bump `revision`, and two concurrent requests that both read the old row
    would both pass the check, write the same revision and enqueue two jobs for it."""
    source = session.get(Source, source_id, with_for_update=True if lock else None)
    return _visible(source, user.id, source_id)


_ROW_COLUMNS = [c for c in cast(Table, Source.__table__).columns if c.key != "raw_inline"]
HEAD_FIELDS = ("id", "type", "title", "language", "version", "meta", "updated_at")
"""What a source's answer shows of each current artifact (never its content, which can be
large): the columns of `api.views`' heads query, and the order of `read_source`'s aggregate."""


def _heads_sql(sqlite: bool) -> str:
    """The current artifacts' heads of the row's source, oldest first, as one JSON array."""
    where = "{t}.source_id = sources.id AND {t}.is_current"
    if sqlite:  # a derived table keeps the order: no ORDER BY inside an aggregate before 3.44
        items = ", ".join(f"json(h.{f})" if f == "meta" else f"h.{f}" for f in HEAD_FIELDS)
        return (
            f"(SELECT json_group_array(json_array({items})) FROM (SELECT"
            f" {', '.join(HEAD_FIELDS)} FROM artifacts WHERE {where.format(t='artifacts')}"
            " ORDER BY created_at, id) AS h)"
        )
    items = ", ".join(f"a.{f}" for f in HEAD_FIELDS)
    return (
        f"(SELECT coalesce(json_agg(json_build_array({items}) ORDER BY a.created_at, a.id),"
        f" '[]'::json) FROM artifacts AS a WHERE {where.format(t='a')})"
    )


_ROW_WITH_HEADS: dict[bool, Select[Any]] = {
    sqlite: select(*_ROW_COLUMNS, literal_column(_heads_sql(sqlite)).label("heads")).where(
        Source.id == bindparam("id")
    )
    for sqlite in (True, False)
}


def read_source(connection: Connection, user_id: str, source_id: str) -> Row[Any]:
    """`get_source` as a row, for answers that only read it: no session, no ORM object. The
    row's keys are the `Source` attributes (the column names), and `heads`: its current
    artifacts' `HEAD_FIELDS`, oldest first, as JSON (`api.views` decodes them). One statement,
    not two: a second statement for the heads was about a quarter of get-source's own work
    (bench/README.md, issue 15 part 4)."""
    statement = _ROW_WITH_HEADS[is_sqlite(connection)]
    return _visible(connection.execute(statement, {"id": source_id}).first(), user_id, source_id)


def _visible(source: S | None, user_id: str, source_id: str) -> S:
    """The caller's own sources only (another user's is as unknown as a missing one), and never
    the temporary source that carries fast-forward data."""
    if source is None or source.user_id != user_id or source.fast_forward_target_id is not None:
        raise NotFound("source", source_id)
    return source


def validate_instructions(instructions: Any, policy: NetPolicy) -> dict[str, Any]:
    if not isinstance(instructions, dict):
        raise ValidationFailed(
            "instructions must be an object", [FieldError("instructions", "must be an object")]
        )
    instructions = dict(instructions)
    url = instructions.get("postback_url")
    if url is not None:
        field = "instructions.postback_url"
        if not isinstance(url, str):
            raise ValidationFailed(f"{field} must be a string", [FieldError(field, "not a string")])
        try:
            instructions = {
                **instructions,
                "postback_url": check_url(url, policy, require_https=True),
            }
        except BlockedURL as exc:
            raise ValidationFailed(f"{field}: {exc}", [FieldError(field, str(exc))]) from exc
    _check_number(instructions, "snapshot_ratio", 1.0, 100.0)
    _check_number(instructions, "snapshot_budget_tokens", 50, 1_000_000, integer=True)
    engine = instructions.get("snapshot_engine")
    if engine is not None and engine not in SNAPSHOT_ENGINES:
        field = "instructions.snapshot_engine"
        raise ValidationFailed(
            f"{field} must be one of {', '.join(SNAPSHOT_ENGINES)}",
            [FieldError(field, f"must be one of {', '.join(SNAPSHOT_ENGINES)}")],
        )
    return dict(instructions)


SNAPSHOT_ENGINES = ("builtin", "llm")


def _check_number(
    values: dict[str, Any], name: str, low: float, high: float, *, integer: bool = False
) -> None:
    """Our snapshot options are numbers in a sane range; a bool is not a number here."""
    value = values.get(name)
    if value is None:
        return
    if integer and isinstance(value, float) and value.is_integer():
        # The API's one rule for integers (as JSON Schema's): 195.0 is 195, 195.5 is refused.
        value = values[name] = int(value)
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or not low <= value <= high:
        kind = "an integer" if integer else "a number"
        field = f"instructions.{name}"
        message = f"must be {kind} from {low:g} to {high:g}"
        raise ValidationFailed(f"{field} {message}", [FieldError(field, message)])


def _check_collection(connection: Connection, space_id: str, collection_id: str | None) -> None:
    if collection_id is not None and not in_space(connection, space_id, collection_id):
        raise ValidationFailed(
            "collectionId must be a collection of the source's space",
            [FieldError("collectionId", "not a collection of this space")],
        )


def _start(session: Session, source: Source, ctx: SourceContext, payload: dict[str, Any]) -> None:
    """Move to PENDING under a new revision and enqueue its job, in the caller's transaction."""
    source.revision += 1
    source.status = SourceStatus.PENDING
    source.message = None
    source.started_at = None
    session.flush()
    queue.enqueue(
        session,
        queue.PROCESS_SOURCE,
        source_id=source.id,
        payload={**payload, "revision": source.revision},
        max_attempts=ctx.max_attempts,
    )


INLINE_RAW_MAX = 3072
"""CONTENT up to this many bytes is kept in the source's row (`raw_inline`), not as a blob: the
request then writes no file (a directory, a temporary file and a rename were about a fifth of
create-source's CPU in-process; bench/README.md, issue 15 part 4, eighth change), and the row
still fits in one page of SQLite's b-tree, so the worker's status UPDATEs rewrite no overflow
pages. Larger bodies go to the blob store as before."""


def has_raw(blobs: BlobStore, source: Source) -> bool:
    """Whether the bytes the source was made from are still stored (inline or as a blob)."""
    if source.raw_key:
        return blobs.exists(source.raw_key)
    return source.raw_inline is not None


def _staged(ctx: SourceContext, source_id: str, data: SourceInput) -> dict[str, Any]:
    """Keep the bytes a source was created from, so reprocess never needs the client again:
    the source's `raw_*` columns, with small CONTENT in the row itself (`INLINE_RAW_MAX`) and
    larger bytes written to the blob store first (before the row that names them, so a source
    never points at missing bytes)."""
    if data.inline is not None and len(data.inline) <= INLINE_RAW_MAX:
        return {
            "raw_inline": data.inline,
            "raw_hash": content_hash(data.inline),
            "raw_content_type": "text/plain",
        }
    if data.inline is not None:
        key = raw_key(source_id)
        ctx.blobs.put(key, data.inline)
        return {
            "raw_key": key,
            "raw_hash": content_hash(data.inline),
            "raw_content_type": "text/plain",
        }
    if data.upload is not None:
        return {
            "raw_key": data.upload.file_key,
            "raw_content_type": data.upload.content_type,
            "raw_filename": data.upload.filename,
        }
    return {}


@dataclass(frozen=True)
class NewSource:
    """A source validated, and its inline bytes written, before its transaction
    (`prepare_source`); `create_source` writes it."""

    user_id: str
    space_id: str
    collection_id: str | None
    row: dict[str, Any]  # every column, by attribute name; empty when `refused`
    refused: ValidationFailed | None = None  # reported after the space and collection checks
    written: str | None = None  # the blob prefix written for it, removed if it is not created


def prepare_source(
    ctx: SourceContext,
    user_id: str,
    space_id: str,
    *,
    source_type: SourceType,
    initial_data: dict[str, Any],
    instructions: dict[str, Any],
    name: str | None = None,
    description: str | None = None,
    collection_id: str | None = None,
    session: Session | None = None,
) -> NewSource:
    """Everything of create-source that needs no lock: validation, the row, and the raw bytes
    of a CONTENT source larger than `INLINE_RAW_MAX` written to their own new key (smaller ones
    go into the row and are written with it). On SQLite the write transaction holds the
    one writer's lock, and each file-system call made under it (a directory, a temporary file,
    a rename) would hold back every other write, the worker's included (bench/api.py).
    `session` is needed only to validate FILE and COMPOSITION inputs
    (`source_input.SESSIONLESS`), in the transaction that `create_source` then writes in."""
    try:
        instructions = validate_instructions(instructions, ctx.postback_policy)
        data = validate_input(
            session, user_id, space_id, source_type, initial_data, ctx.policy, blobs=ctx.blobs
        )
    except ValidationFailed as exc:
        return NewSource(user_id, space_id, collection_id, {}, refused=exc)
    now = utcnow()
    row: dict[str, Any] = dict.fromkeys(_SOURCE_KEYS)  # the columns left unset are NULL
    row.update(
        id=new_id(),
        user_id=user_id,
        space_id=space_id,
        collection_id=collection_id,
        type=source_type,
        name=name,
        description=description,
        status=SourceStatus.PENDING,
        pinned=False,
        initial_data=data.initial_data,
        instructions=instructions,
        revision=1,
        turn_count=0,
        token_count=0,
        created_at=now,
        updated_at=now,
    )
    row.update(_staged(ctx, row["id"], data))
    # Only a blob written here for it (not an upload's, not bytes kept in the row).
    blob = data.inline is not None and row["raw_key"] is not None
    written = f"sources/{row['id']}" if blob else None
    return NewSource(user_id, space_id, collection_id, row, written=written)


def create_source(connection: Connection, ctx: SourceContext, new: NewSource) -> dict[str, Any]:
    """Write the prepared source, PENDING with its job queued, and return its row.

    The checks keep their order of old (the space, the collection, then the input's refusal).
    Written on `connection` without an ORM session: create-source is the API's most frequent
    write, and a session's set-up, the ORM's flush of a new object and its tear-down cost more
    than the two prebuilt INSERTs themselves (bench/api_app.py). When any of it fails, the bytes
    `prepare_source` wrote are removed (a failed commit may still leave them, as before)."""
    try:
        if new.collection_id is None and new.refused is None:  # the space's check is the INSERT's
            if connection.execute(_insert_owned(connection), new.row).rowcount != 1:
                raise NotFound("space", new.space_id)
        else:
            owned_space_id(connection, new.user_id, new.space_id)
            _check_collection(connection, new.space_id, new.collection_id)
            if new.refused is not None:
                raise new.refused
            connection.execute(_INSERT_SOURCE, new.row)
        queue.enqueue_on(
            connection,
            ctx.jobs,
            queue.PROCESS_SOURCE,
            source_id=new.row["id"],
            payload={"mode": "process", "revision": 1},
            max_attempts=ctx.max_attempts,
        )
    except BaseException:
        if new.written is not None:
            ctx.blobs.delete_prefix(new.written)
        raise
    return new.row


_SOURCES = cast(Table, Source.__table__)
_INSERT_SOURCE = insert(_SOURCES)
_SOURCE_KEYS = tuple(c.key for c in _SOURCES.columns)


def _owned_insert(typed: bool) -> Insert:
    """`INSERT INTO sources (...) SELECT <the row's values> FROM spaces WHERE spaces.id =
    <its space> AND spaces.user_id = <its user>`: the row is written only if the caller owns
    the space, and no row written says the space is not the caller's (404, as
    `owned_space_id` says). One statement instead of a SELECT and an INSERT on create-source,
    the API's most frequent write, whose statements run under SQLite's one writer's lock
    (bench/README.md, issue 15 part 4). PostgreSQL types the values of a SELECT list from the
    parameters alone, not from the columns they go to (a JSON column refuses text), so there
    each value is cast to its column's type (`typed`); SQLite takes them as they are (a cast to
    JSON there would turn the text into a number)."""
    params = {c.key: bindparam(c.key, type_=c.type) for c in _SOURCES.columns}
    values = [sql_cast(p, p.type) if typed else p for p in params.values()]
    owned = select(*values).where(
        Space.id == params["space_id"], Space.user_id == params["user_id"]
    )
    statement = insert(_SOURCES).from_select(list(_SOURCES.columns), owned)
    # SQLAlchemy keeps an INSERT's row count only when asked (PostgreSQL's read -1 without it).
    return statement.execution_options(preserve_rowcount=True)


_OWNED_INSERT = {False: _owned_insert(typed=False), True: _owned_insert(typed=True)}


def _insert_owned(connection: Connection) -> Insert:
    return _OWNED_INSERT[not is_sqlite(connection)]


def list_sources(
    session: Session,
    space: Space,
    *,
    page: int,
    per_page: int,
    status: SourceStatus | None = None,
    source_type: SourceType | None = None,
    collection_id: str | None = None,
    pinned: bool | None = None,
    deleted: bool | None = False,
) -> tuple[list[Source], int]:
    query: Select[Source] = select(Source).where(
        Source.space_id == space.id, Source.fast_forward_target_id.is_(None)
    )
    if status is not None:
        query = query.where(Source.status == status)
    if source_type is not None:
        query = query.where(Source.type == source_type)
    if collection_id is not None:
        query = query.where(Source.collection_id == collection_id)
    if pinned is not None:
        query = query.where(Source.pinned.is_(pinned))
    if deleted is True:
        query = query.where(Source.deleted_at.is_not(None))
    elif deleted is False:
        query = query.where(Source.deleted_at.is_(None))
    query = query.order_by(Source.pinned.desc(), Source.created_at.desc(), Source.id)
    return paginate(session, query, page, per_page)


def list_turns(
    session: Session, source: Source, *, page: int, per_page: int
) -> tuple[list[Turn], int]:
    """The conversation turns parsed from the source, in order."""
    query = select(Turn).where(Turn.source_id == source.id).order_by(Turn.idx)
    return paginate(session, query, page, per_page)


def _require_live(source: Source) -> None:
    if source.deleted_at is not None:
        raise InvalidState("the source is deleted; restore it first")


def patch_source(
    session: Session, ctx: SourceContext, source: Source, changes: dict[str, Any]
) -> Source:
    if "collectionId" in changes:
        _check_collection(session.connection(), source.space_id, changes["collectionId"])
        source.collection_id = changes["collectionId"]
    if "name" in changes:
        source.name = changes["name"]
    if "description" in changes:
        source.description = changes["description"]
    if "instructions" in changes:
        source.instructions = validate_instructions(changes["instructions"], ctx.postback_policy)
    session.flush()
    return source


def delete_source(session: Session, source: Source) -> Source:
    if source.deleted_at is not None:
        raise InvalidState("the source is already deleted")
    source.deleted_at = utcnow()
    return source


def restore_source(session: Session, source: Source) -> Source:
    if source.deleted_at is None:
        raise InvalidState("the source is not deleted")
    source.deleted_at = None
    return source


def toggle_pin(session: Session, source: Source) -> Source:
    source.pinned = not source.pinned
    return source


def cancel_source(session: Session, source: Source) -> Source:
    _require_live(source)
    require(Action.CANCEL, SourceStatus(source.status))
    source.status = SourceStatus.CANCELED
    source.message = "canceled by user"
    source.processed_at = utcnow()
    enqueue_postback(session, source)
    return source


def refresh_source(
    session: Session, ctx: SourceContext, source: Source, flags: dict[str, bool]
) -> Source:
    _require_live(source)
    require_refreshable(SourceType(source.type))
    require(Action.REFRESH, SourceStatus(source.status))
    _start(session, source, ctx, {"mode": "refresh", **flags})
    return source


SNAPSHOT_OPTIONS = ("snapshot_ratio", "snapshot_budget_tokens")
"""The instructions a reprocess may replace (see `reprocess_source`)."""


def reprocess_source(
    session: Session,
    ctx: SourceContext,
    source: Source,
    flags: dict[str, bool],
    *,
    snapshot_ratio: float | None = None,
    snapshot_budget_tokens: int | None = None,
) -> Source:
    """Run the pipeline again on the stored content. A new `snapshot_ratio` or
    `snapshot_budget_tokens` replaces both earlier choices in the source's instructions, so this
    run and later ones (refresh, fast-forward) build the snapshot the same way."""
    _require_live(source)
    require(Action.REPROCESS, SourceStatus(source.status))
    if source.type != SourceType.COMPOSITION and not has_raw(ctx.blobs, source):
        raise InvalidState("the source has no stored content to reprocess; refresh it instead")
    chosen = {"snapshot_ratio": snapshot_ratio, "snapshot_budget_tokens": snapshot_budget_tokens}
    if any(v is not None for v in chosen.values()):
        kept = {k: v for k, v in source.instructions.items() if k not in SNAPSHOT_OPTIONS}
        source.instructions = {**kept, **{k: v for k, v in chosen.items() if v is not None}}
    _start(session, source, ctx, {"mode": "reprocess", **flags})
    return source


def fast_forward_source(
    session: Session,
    ctx: SourceContext,
    user: User,
    target: Source,
    *,
    source_type: SourceType,
    initial_data: dict[str, Any],
    instructions: dict[str, Any] | None,
) -> tuple[Source, Source]:
    """Attach new data to a finished source; the target's job appends it to what it has."""
    _require_live(target)
    require(Action.FAST_FORWARD, SourceStatus(target.status))
    if source_type is SourceType.COMPOSITION:
        raise ValidationFailed(
            "fast-forward data must be URI, FILE or CONTENT",
            [FieldError("type", "must be URI, FILE or CONTENT")],
        )
    data = validate_input(
        session, user.id, target.space_id, source_type, initial_data, ctx.policy, blobs=ctx.blobs
    )
    if instructions:
        target.instructions = {
            **target.instructions,
            **validate_instructions(instructions, ctx.postback_policy),
        }
    temp = Source(
        user_id=user.id,
        space_id=target.space_id,
        type=source_type,
        name=f"fast-forward of {target.id}",
        status=SourceStatus.PENDING,
        initial_data=data.initial_data,
        instructions={},
        revision=1,
        fast_forward_target_id=target.id,
    )
    session.add(temp)
    session.flush()
    for column, value in _staged(ctx, temp.id, data).items():
        setattr(temp, column, value)
    _start(session, target, ctx, {"mode": "fast_forward", "part_id": temp.id})
    return target, temp


def enqueue_postback(session: Session, source: Source) -> None:
    """Record and queue the documented SourceStatusNotification, when the source asked for one.

    The delivery row is written in the same transaction as the final status, so a postback is
    never lost between the status change and its sending.
    """
    url = (source.instructions or {}).get("postback_url")
    if not url or source.fast_forward_target_id is not None:
        return
    payload: dict[str, Any] = {
        "event": "SourceStatusNotification",
        "sourceId": source.id,
        "userId": source.user_id,
        "spaceId": source.space_id,
        "status": str(source.status),
    }
    if source.status != SourceStatus.COMPLETED and source.message:
        payload["message"] = source.message
    delivery = PostbackDelivery(
        user_id=source.user_id, source_id=source.id, url=url, payload=payload
    )
    session.add(delivery)
    session.flush()
    queue.enqueue(
        session,
        queue.DELIVER_POSTBACK,
        source_id=source.id,
        payload={"delivery_id": delivery.id},
        max_attempts=1000,
    )
