"""contextd as a library: the pipeline run on one input, offline, with the code the service runs.

`extract("page.html")` converts a file, a web page (`http(s)://`) or bytes to text, finds the
conversation's turns, extracts the artifacts and builds the context snapshot, as the
process-source job does for a source, but without a server, a database or a queue. The
`contextd extract` command is this function on each of its inputs.

The same code, not a copy of it: the stages are the pipeline's public functions
(`ingest`, `extract_artifacts`), and what the job decides from the operator's settings (the
network policy a URL must pass, the snapshot engine and its fallback, the default ratio) comes
from `services.processing`, which the job calls too. So a URL the service would refuse (a
loopback or private address, unless `CONTEXTD_ALLOW_PRIVATE_URLS` or `CONTEXTD_ALLOWED_NETWORKS`
allow it) is refused here, and `CONTEXTD_SNAPSHOT_ENGINE=llm` is honoured here as there.

The built-in snapshot engine embeds sentences with the process-wide model
(`all-MiniLM-L6-v2`, loaded on first use, then shared): it is loaded once per process, and only
when a snapshot is asked for. Artifacts are extracted only when artifacts or a snapshot (which
lists them) are asked for.

    from contextd.extraction import extract

    result = extract("notes.md", parts=("text", "artifacts"))
    for artifact in result.artifacts or ():
        print(artifact.language, artifact.title)

`contextd.extract` is the same function, loaded on first use so `import contextd` stays cheap.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contextd.config import Settings, load_settings
from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.ingest import fetch_url, ingest
from contextd.pipeline.types import ArtifactDraft, Document, Fetched, PipelineError, Turn
from contextd.services import processing

PARTS = ("text", "turns", "artifacts", "snapshot")
"""What can be asked for, in output order. `text` brings the page's links with it."""

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")

log = logging.getLogger(__name__)

__all__ = [
    "PARTS",
    "ExtractError",
    "ExtractedArtifact",
    "ExtractedSnapshot",
    "ExtractedTurn",
    "Extraction",
    "Extractor",
    "Link",
    "extract",
]


class ExtractError(Exception):
    """One input could not be read, fetched or converted; the message says why, in the user's
    terms ("unsupported file format: image/png", "...is not a public address")."""

    def __init__(self, input: str, message: str) -> None:
        super().__init__(f"{input}: {message}")
        self.input = input
        self.message = message

    def to_json(self) -> dict[str, Any]:
        """The line `contextd extract --json` prints for a failed input."""
        return {"input": self.input, "error": self.message}


@dataclass(frozen=True)
class Link:
    """A link of a web page: its target and the text it was written with."""

    url: str
    text: str


@dataclass(frozen=True)
class ExtractedTurn:
    index: int  # 0-based, in the order of the conversation
    speaker: str  # as written in the source ("User", "ChatGPT", "Alice")
    role: str  # "user" | "assistant" | "system" | "tool" | "other"
    text: str


@dataclass(frozen=True)
class ExtractedArtifact:
    type: str  # "CODE", "SCHEMA", "DIAGRAM", "COMMAND", ... (`ArtifactType`, as the API says)
    language: str | None
    title: str
    content: str
    turns: tuple[int, ...]  # the turns it was found in (empty for a document)


@dataclass(frozen=True)
class ExtractedSnapshot:
    content: str  # the Markdown to paste into a new chat
    tokens_before: int  # the whole source, o200k_base tokens
    tokens_after: int
    budget: int


@dataclass(frozen=True)
class Extraction:
    """What the pipeline made of one input. A part that was not asked for is empty (`text`,
    `links`, `turns`) or None (`artifacts`, `snapshot`), and `to_json` leaves it out."""

    input: str  # as given: the path, the URL, or "-" for bytes without a file name
    format: str  # "html", "pdf", "docx", "markdown", "text", "chatgpt", "claude-code", ...
    title: str | None
    parts: tuple[str, ...]
    text: str = ""
    links: tuple[Link, ...] = ()
    turns: tuple[ExtractedTurn, ...] = ()
    artifacts: tuple[ExtractedArtifact, ...] | None = None
    snapshot: ExtractedSnapshot | None = None

    def to_json(self) -> dict[str, Any]:
        """The line `contextd extract --json` prints: the parts asked for, and `error: null`."""
        out: dict[str, Any] = {"input": self.input, "format": self.format, "title": self.title}
        if "text" in self.parts:
            out["text"] = self.text
            out["links"] = [{"url": link.url, "text": link.text} for link in self.links]
        if "turns" in self.parts:
            out["turns"] = [
                {"index": t.index, "speaker": t.speaker, "role": t.role, "text": t.text}
                for t in self.turns
            ]
        if self.artifacts is not None:
            out["artifacts"] = [
                {
                    "type": a.type,
                    "language": a.language,
                    "title": a.title,
                    "content": a.content,
                    "turns": list(a.turns),
                }
                for a in self.artifacts
            ]
        if self.snapshot is not None:
            s = self.snapshot
            out["snapshot"] = {
                "content": s.content,
                "tokens_before": s.tokens_before,
                "tokens_after": s.tokens_after,
                "budget": s.budget,
            }
        out["error"] = None
        return out


class Extractor:
    """The options and the operator's settings, read once, for any number of inputs.

    `parts` is a subset of `PARTS` (or a comma-separated string of them); `ratio` (default
    `CONTEXTD_SNAPSHOT_RATIO`) or `budget` (tokens) sizes the snapshot, as a source's
    instructions do. `settings` default to the environment's (`CONTEXTD_*`), which is where the
    network policy and the snapshot engine come from. Raises ValueError for unknown parts or
    invalid sizes, and `config.SettingsError` for an invalid environment.
    """

    def __init__(
        self,
        *,
        parts: Iterable[str] = PARTS,
        ratio: float | None = None,
        budget: int | None = None,
        settings: Settings | None = None,
    ) -> None:
        asked = set(parts.split(",") if isinstance(parts, str) else parts)
        unknown = sorted(asked - set(PARTS))
        if unknown or not asked:
            raise ValueError(f"parts must be among {', '.join(PARTS)} (got {sorted(asked)})")
        if ratio is not None and budget is not None:
            raise ValueError("give a ratio or a budget for the snapshot, not both")
        if ratio is not None and not ratio > 0:
            raise ValueError(f"the ratio must be positive (got {ratio})")
        if budget is not None and budget < 1:
            raise ValueError(f"the budget must be at least 1 token (got {budget})")
        self.parts = tuple(p for p in PARTS if p in asked)
        self.settings = settings if settings is not None else load_settings()
        self.ratio = ratio if ratio is not None else self.settings.snapshot_ratio
        self.budget = budget
        self.policy = processing.net_policy(self.settings)
        self.llm = processing.llm_config(self.settings)
        # The snapshot's model runs where and as these settings say (ONNX files in their dir).
        from contextd.pipeline.embed import configure as configure_embedding

        configure_embedding(self.settings.embedding_runtime, self.settings.resolved_model_dir)

    def __call__(
        self, source: str | os.PathLike[str] | bytes, *, filename: str | None = None
    ) -> Extraction:
        """Run the pipeline on a path, an http(s) URL, or bytes (`filename`, when known, says
        their format as a file name would). Raises `ExtractError` when the input cannot be
        read."""
        label = _label(source, filename)
        try:
            fetched, name = self._fetch(source, filename)
            ingested = ingest(fetched)
            return self._process(label, ingested.document, ingested.turns, name)
        except PipelineError as exc:
            raise ExtractError(label, str(exc)) from exc
        except OSError as exc:
            raise ExtractError(label, exc.strerror or str(exc)) from exc
        except Exception as exc:
            # A bug met on one input must not end a batch: the service, too, fails the source
            # with the error's message rather than stopping. The traceback goes to the log.
            log.exception("extracting %s failed", label)
            raise ExtractError(label, f"processing failed: {type(exc).__name__}: {exc}") from exc

    def _fetch(
        self, source: str | os.PathLike[str] | bytes, filename: str | None
    ) -> tuple[Fetched, str | None]:
        """The input's bytes, and the name a snapshot may take as title (a file's name)."""
        if isinstance(source, bytes):
            return Fetched(content=source, filename=filename), filename
        if isinstance(source, str) and _URL.match(source):
            if not source.lower().startswith(("http://", "https://")):
                raise PipelineError("only http:// and https:// URLs can be fetched")
            return fetch_url(source, self.policy), None
        path = Path(source).expanduser()
        if path.is_dir():
            raise PipelineError("is a folder, not a file")
        name = filename or path.name
        return Fetched(content=path.read_bytes(), filename=name), name

    def _process(
        self, label: str, document: Document, turns: tuple[Turn, ...], name: str | None
    ) -> Extraction:
        drafts: list[ArtifactDraft] | None = None
        if "artifacts" in self.parts or "snapshot" in self.parts:
            drafts = extract_artifacts(document, turns)
        snapshot = None
        if "snapshot" in self.parts:
            draft = processing.source_snapshot(
                turns,
                processing.named(document, name),
                drafts or [],
                config=self.llm,
                budget_tokens=self.budget,
                ratio=self.ratio,
                label=label,
            )
            snapshot = ExtractedSnapshot(
                draft.markdown, draft.tokens_before, draft.tokens_after, draft.budget
            )
        return Extraction(
            input=label,
            format=document.format,
            title=document.title,
            parts=self.parts,
            text=document.text if "text" in self.parts else "",
            links=links_of(document) if "text" in self.parts else (),
            turns=tuple(_turn(t) for t in turns) if "turns" in self.parts else (),
            artifacts=(
                tuple(_artifact(d) for d in drafts or []) if "artifacts" in self.parts else None
            ),
            snapshot=snapshot,
        )


def extract(
    source: str | os.PathLike[str] | bytes,
    *,
    parts: Collection[str] = PARTS,
    ratio: float | None = None,
    budget: int | None = None,
    filename: str | None = None,
    settings: Settings | None = None,
) -> Extraction:
    """Convert `source` (a path, an http(s) URL, or bytes) and run the pipeline on it.

    Returns the `parts` asked for (`PARTS`: text and links, turns, artifacts, snapshot). The
    snapshot takes `budget` tokens, or its source's size divided by `ratio`. Raises
    `ExtractError` when the input cannot be read, fetched or converted, ValueError for invalid
    options. For many inputs, build one `Extractor` and call it on each.
    """
    extractor = Extractor(parts=parts, ratio=ratio, budget=budget, settings=settings)
    return extractor(source, filename=filename)


def links_of(document: Document) -> tuple[Link, ...]:
    """The page's links, when the converter recorded them in the document's metadata (`links`:
    a list of `{"url", "text"}`); none otherwise."""
    found = document.meta.get("links")
    if not isinstance(found, list):
        return ()
    links = []
    for item in found:
        if isinstance(item, Mapping) and isinstance(item.get("url"), str):
            text = item.get("text")
            links.append(Link(str(item["url"]), text if isinstance(text, str) else ""))
    return tuple(links)


def _label(source: str | os.PathLike[str] | bytes, filename: str | None) -> str:
    if isinstance(source, bytes):
        return filename or "-"
    return os.fspath(source)


def _turn(turn: Turn) -> ExtractedTurn:
    return ExtractedTurn(turn.index, turn.speaker, turn.role, turn.text)


def _artifact(draft: ArtifactDraft) -> ExtractedArtifact:
    return ExtractedArtifact(
        type=str(draft.type),
        language=draft.language,
        title=draft.title,
        content=draft.content,
        turns=draft.turn_indexes,
    )
