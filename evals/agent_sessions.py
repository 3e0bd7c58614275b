"""How well does contextd keep what a real Claude Code session did, against its own summary?

    .venv/bin/python evals/agent_sessions.py            # per-session tables and totals
    .venv/bin/python evals/agent_sessions.py --json     # the same figures as JSON
    .venv/bin/python evals/agent_sessions.py --files a.jsonl b.jsonl.gz --no-throughput

The sessions (`evals/data/agent_sessions/`, provenance in SOURCE.md) are real Claude Code
transcripts committed to a public repository. A transcript that reached its context limit holds
its own reference: at a `compact_boundary` record Claude Code wrote a summary of everything
before it (the next record, `isCompactSummary`). For each session with a boundary the records
**before the first boundary** go through the service's stages (ingest, extract_artifacts,
build_snapshot) with the snapshot budget set to the summary's token count, and we measure:

* **turns** parsed from those records;
* **written-code blobs recovered**: every successful `Write` content and `Edit`/`MultiEdit`
  new text (read here from the raw records, not from the reader) must be found in an artifact
  of the same file (every non-blank line of the blob within the artifact's text, a diff's `+`
  and ` ` prefixes removed). Target >= 0.95;
* **language**: the artifact holding a blob has the language of the file's extension (a table
  here, independent of the product's). "strict" counts an edit kept as a diff (the file was
  unknown before the session, so its content cannot be known) as wrong; "whole files" scores
  only the blobs held in whole-file versions. Target >= 0.95;
* **junk** in the snapshot (target 0): the session's record ids (uuid, parentUuid, sessionId...,
  except an id the conversation itself quotes),
  bookkeeping JSON keys (`"parentUuid":`...), API ids (`toolu_`, `msg_`, `req_`) and
  base64 runs of 100+ characters (thinking signatures, images);
* **size**: snapshot tokens / summary tokens (target <= 1.1);
* **named things**: the summary's file paths, backticked identifiers and issue ids (`#123`)
  that also occur in the session before the boundary; the share present in the snapshot (goal
  >= 0.6). The same share for three baselines given the same budget: the first turns, the last
  turns and random turns (5 seeds), each cut to the budget.

Sessions without a boundary report turns, blob recovery and junk only. Throughput: the largest
stored session (> 3 MB) end to end (ingest, artifacts, snapshot), wall time and peak memory.
The LLM engine is not measured here (it needs a model endpoint); the figures are the builtin
engine's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import resource
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.ingest import ingest
from contextd.pipeline.snapshot import build_snapshot
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import ArtifactDraft, Fetched, Turn

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "evals" / "data" / "agent_sessions"
SEEDS = 5

# --- measures -------------------------------------------------------------------------------

UUID_RE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
JSON_KEY_RE = re.compile(
    r'"(?:parentUuid|logicalParentUuid|sessionId|isSidechain|userType|uuid|leafUuid|messageId|'
    r"requestId|toolUseResult|tool_use_id|sourceToolAssistantUUID|isCompactSummary|isMeta|"
    r'signature|cache_creation_input_tokens|cache_read_input_tokens|stop_reason|gitBranch)"\s*:'
)
API_ID_RE = re.compile(r"\b(?:toolu|msg|req)_[0-9A-Za-z]{20,}\b")
BASE64_RE = re.compile(r"[A-Za-z0-9+/]{100,}={0,2}")
ID_FIELDS = (
    "uuid",
    "parentUuid",
    "logicalParentUuid",
    "sessionId",
    "leafUuid",
    "messageId",
    "sourceToolAssistantUUID",
)

# File paths: something/with/slashes.ext or a bare name with a code extension.
_EXT = (
    "go|py|ts|tsx|js|jsx|mjs|cjs|rs|rb|java|kt|swift|c|h|cc|cpp|hpp|cs|php|sh|bash|zsh|md|mdx|json|"
    "jsonl|yaml|yml|toml|ini|cfg|sql|html|css|scss|txt|lock|mod|sum|proto|graphql|vue|svelte|xml"
)
PATH_RE = re.compile(
    rf"(?<![\w/.-])(?:~?/)?(?:[\w.@-]+/)+[\w.@-]+|(?<![\w/.-])[\w-]+(?:\.[\w-]+)*\.(?:{_EXT})\b"
)
BACKTICK_RE = re.compile(r"`([^`\n]{2,80})`")
ISSUE_RE = re.compile(r"(?<![\w&#])#\d{1,6}\b")

EXT_LANGUAGE = {
    "go": "go",
    "py": "python",
    "ts": "typescript",
    "tsx": "typescript",
    "js": "javascript",
    "jsx": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "rs": "rust",
    "rb": "ruby",
    "java": "java",
    "sh": "bash",
    "bash": "bash",
    "md": "markdown",
    "json": "json",
    "yaml": "yaml",
    "yml": "yaml",
    "toml": "toml",
    "sql": "sql",
    "html": "html",
    "css": "css",
}
# Names the same language goes by; compared after folding.
_FOLD = {"shell": "bash", "sh": "bash", "zsh": "bash", "tsx": "typescript", "jsx": "javascript"}


def junk_counts(text: str, record_ids: Iterable[str] = ()) -> dict[str, int]:
    """Bookkeeping that should never reach a snapshot, by kind. `record_ids` are the session's
    own record and session ids: a uuid the user typed in a prompt is content, not junk."""
    ids = set(record_ids)
    return {
        "record_ids": sum(1 for m in UUID_RE.findall(text) if m in ids),
        "json_keys": len(JSON_KEY_RE.findall(text)),
        "api_ids": len(API_ID_RE.findall(text)),
        "base64": len(BASE64_RE.findall(text)),
    }


def named_things(summary: str) -> set[str]:
    """File paths, backticked identifiers and issue ids named in a summary."""
    names: set[str] = set()
    for match in PATH_RE.finditer(summary):
        value = match.group(0).rstrip(".,:;)")
        if "/" in value and not re.search(r"[A-Za-z]", value):
            continue  # dates like 1/2/3
        if value.startswith(("http:", "https:")):
            continue
        names.add(value)
    for match in BACKTICK_RE.finditer(summary):
        value = match.group(1).strip()
        if value:
            names.add(value)
    names.update(ISSUE_RE.findall(summary))
    return names


def present(name: str, text: str, cwd: str | None) -> bool:
    """A name is present when it occurs in `text`; a path also counts in its cwd-relative form."""
    if name in text:
        return True
    if cwd and name.startswith(cwd.rstrip("/") + "/"):
        return name[len(cwd.rstrip("/")) + 1 :] in text
    return False


def share(names: set[str], text: str, cwd: str | None) -> float | None:
    if not names:
        return None
    return sum(1 for n in names if present(n, text, cwd)) / len(names)


# --- reading the raw records (independent of the product's reader) --------------------------


@dataclass
class Blob:
    path: str
    text: str


@dataclass
class RawSession:
    name: str
    before: bytes  # the records before the first compact_boundary (all records without one)
    whole: bytes
    summary: str | None
    cwd: str | None = None
    blobs: list[Blob] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)  # every string in the records' messages
    record_ids: set[str] = field(default_factory=set)


def load(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _records(data: bytes) -> Iterator[tuple[bytes, dict[str, Any] | None]]:
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            yield line, None
            continue
        yield line, record if isinstance(record, dict) else None


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def read_raw(name: str, data: bytes) -> RawSession:
    before: list[bytes] = []
    boundary = False
    summary: str | None = None
    session = RawSession(name=name, before=b"", whole=data, summary=None)
    uses: dict[str, list[Blob]] = {}
    failed: set[str] = set()
    for line, record in _records(data):
        if record is not None and record.get("subtype") == "compact_boundary":
            boundary = True
        if boundary:
            if record is not None and record.get("isCompactSummary"):
                summary = _text_of((record.get("message") or {}).get("content"))
                break
            continue
        before.append(line)
        if record is None:
            continue
        for key in ID_FIELDS:
            if isinstance(record.get(key), str):
                session.record_ids.add(record[key])
        session.cwd = session.cwd or record.get("cwd")
        message = record.get("message")
        if not isinstance(message, dict):
            continue
        session.strings.extend(_strings(message.get("content")))
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_result" and block.get("is_error"):
                failed.add(str(block.get("tool_use_id")))
            if block.get("type") == "tool_use":
                uses[str(block.get("id"))] = _blobs(block.get("name"), block.get("input"))
    # An id the conversation itself talks about (the agent inspecting its own session) is
    # content, not bookkeeping.
    said = "\n".join(session.strings)
    session.record_ids = {i for i in session.record_ids if i not in said}
    session.before = b"\n".join(before) + b"\n"
    session.summary = summary
    session.blobs = [b for use, blobs in uses.items() if use not in failed for b in blobs]
    return session


def _blobs(tool: object, args: object) -> list[Blob]:
    if not isinstance(args, dict):
        return []
    path = args.get("file_path")
    if not isinstance(path, str):
        return []
    if tool == "Write" and isinstance(args.get("content"), str):
        return [Blob(path, args["content"])]
    if tool == "Edit" and isinstance(args.get("new_string"), str):
        return [Blob(path, args["new_string"])]
    if tool == "MultiEdit" and isinstance(args.get("edits"), list):
        return [
            Blob(path, e["new_string"])
            for e in args["edits"]
            if isinstance(e, dict) and isinstance(e.get("new_string"), str)
        ]
    return []


# --- scoring --------------------------------------------------------------------------------


def _lines(text: str, *, diff: bool) -> set[str]:
    out = set()
    for line in text.splitlines():
        if diff and line[:1] in ("+", " ", "-") and not line.startswith(("+++", "---")):
            line = line[1:]
        if line.strip():
            out.add(line.strip())
    return out


def _file_artifacts(drafts: Sequence[ArtifactDraft], path: str) -> list[ArtifactDraft]:
    found = []
    for draft in drafts:
        key = str(draft.meta.get("key", ""))
        if key.startswith("path:"):
            rel = key[len("path:") :]
            if path == rel or path.endswith("/" + rel.lstrip("/")):
                found.append(draft)
    return found


def _fold(language: str | None) -> str | None:
    return _FOLD.get(language or "", language)


@dataclass
class BlobScore:
    blobs: int = 0
    recovered: int = 0
    language_gold: int = 0
    language_right: int = 0
    whole_gold: int = 0
    whole_right: int = 0


def score_blobs(blobs: Sequence[Blob], drafts: Sequence[ArtifactDraft]) -> BlobScore:
    score = BlobScore()
    for blob in blobs:
        wanted = _lines(blob.text, diff=False)
        if not wanted:
            continue  # an edit that only deletes text
        score.blobs += 1
        holder = None
        for draft in _file_artifacts(drafts, blob.path):
            # An edit may replace part of a line, so each line is looked for as a substring.
            kept = "\n".join(_lines(draft.content, diff=bool(draft.meta.get("partial"))))
            if all(line in kept for line in wanted):
                holder = draft
                break
        if holder is None:
            continue
        score.recovered += 1
        ext = PurePosixPath(blob.path).suffix.lstrip(".").lower()
        gold = EXT_LANGUAGE.get(ext)
        if gold is None:
            continue
        right = _fold(holder.language) == gold
        score.language_gold += 1
        score.language_right += right
        if not holder.meta.get("partial"):
            score.whole_gold += 1
            score.whole_right += right
    return score


def _turn_text(turn: Turn) -> str:
    calls = "\n".join(c.summary for c in turn.tool_calls if c.summary)
    return f"{turn.speaker}: {turn.text}\n{calls}".strip()


def cut_to_budget(texts: Sequence[str], budget: int) -> str:
    """Whole texts in order while they fit, then the head of the next one to fill the budget."""
    out: list[str] = []
    used = 0
    for text in texts:
        tokens = count_tokens(text)
        if used + tokens <= budget:
            out.append(text)
            used += tokens
            continue
        words = text.split(" ")
        lo, hi = 0, len(words)
        while lo < hi:  # the longest head that fits
            mid = (lo + hi + 1) // 2
            if used + count_tokens(" ".join(words[:mid])) <= budget:
                lo = mid
            else:
                hi = mid - 1
        if lo:
            out.append(" ".join(words[:lo]))
        break
    return "\n\n".join(out)


def baselines(turns: Sequence[Turn], budget: int) -> dict[str, list[str]]:
    texts = [_turn_text(t) for t in turns]
    randoms = []
    for seed in range(SEEDS):
        order = list(range(len(texts)))
        random.Random(seed).shuffle(order)
        chosen: list[int] = []
        used = 0
        for i in order:
            tokens = count_tokens(texts[i])
            if used + tokens > budget:
                continue
            chosen.append(i)
            used += tokens
        randoms.append("\n\n".join(texts[i] for i in sorted(chosen)))
    return {
        "first": [cut_to_budget(texts, budget)],
        "last": [cut_to_budget(texts[::-1], budget)],
        "random": randoms,
    }


def evaluate(raw: RawSession) -> dict[str, Any]:
    ingested = ingest(Fetched(content=raw.before, filename=f"{raw.name}.jsonl"))
    turns = ingested.turns
    drafts = extract_artifacts(ingested.document, turns)
    blobs = score_blobs(raw.blobs, drafts)
    row: dict[str, Any] = {
        "session": raw.name,
        "bytes": len(raw.before),
        "turns": len(turns),
        "artifacts": len(drafts),
        "blobs": blobs.__dict__,
        "boundary": raw.summary is not None,
    }
    if raw.summary is None:
        snapshot = build_snapshot(turns, ingested.document, drafts)
        row["junk"] = junk_counts(snapshot.markdown, raw.record_ids)
        return row
    summary_tokens = count_tokens(raw.summary)
    snapshot = build_snapshot(turns, ingested.document, drafts, budget_tokens=summary_tokens)
    session_text = "\n".join(raw.strings)
    names = {n for n in named_things(raw.summary) if n in session_text}
    row.update(
        summary_tokens=summary_tokens,
        snapshot_tokens=snapshot.tokens_after,
        size_ratio=snapshot.tokens_after / summary_tokens,
        junk=junk_counts(snapshot.markdown, raw.record_ids),
        names=len(names),
        named=share(names, snapshot.markdown, raw.cwd),
    )
    for label, texts in baselines(turns, summary_tokens).items():
        shares = [share(names, text, raw.cwd) for text in texts]
        row[f"named_{label}"] = None if shares[0] is None else sum(shares) / len(shares)  # type: ignore[arg-type]
    return row


def throughput(path: Path) -> dict[str, Any]:
    data = load(path)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    ingested = ingest(Fetched(content=data, filename=path.name.removesuffix(".gz")))
    drafts = extract_artifacts(ingested.document, ingested.turns)
    build_snapshot(ingested.turns, ingested.document, drafts)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "file": path.name,
        "mb": len(data) / 1e6,
        "turns": len(ingested.turns),
        "seconds": seconds,
        "peak_rss_mb": peak / 1024,
        "peak_rss_before_mb": peak_before / 1024,
    }


# --- report ---------------------------------------------------------------------------------


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def totals(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def blob_sum(key: str) -> int:
        return sum(int(r["blobs"][key]) for r in rows)

    with_b = [r for r in rows if r["boundary"]]
    out: dict[str, Any] = {
        "sessions": len(rows),
        "with_boundary": len(with_b),
        "turns": sum(r["turns"] for r in rows),
        "blobs": blob_sum("blobs"),
        "recovered": _ratio(blob_sum("recovered"), blob_sum("blobs")),
        "language_strict": _ratio(blob_sum("language_right"), blob_sum("language_gold")),
        "language_whole_files": _ratio(blob_sum("whole_right"), blob_sum("whole_gold")),
        "junk": sum(sum(r["junk"].values()) for r in rows),
    }
    if with_b:
        out["size_ratio_max"] = max(r["size_ratio"] for r in with_b)
        out["summary_tokens"] = sum(r["summary_tokens"] for r in with_b)
        out["snapshot_tokens"] = sum(r["snapshot_tokens"] for r in with_b)
        for key in ("named", "named_first", "named_last", "named_random"):
            values = [r[key] for r in with_b if r[key] is not None]
            out[key] = sum(values) / len(values) if values else None  # macro average
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def print_tables(rows: Sequence[dict[str, Any]], total: dict[str, Any]) -> None:
    print(
        "| session | turns | blobs | recovered % | language % (strict / whole files) | junk |"
        " summary tok | snapshot tok | size | names | snapshot % | first % | last % | random % |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        b = r["blobs"]
        lang = f"{_pct(_ratio(b['language_right'], b['language_gold']))} / " + _pct(
            _ratio(b["whole_right"], b["whole_gold"])
        )
        base = f"| {r['session']} | {r['turns']} | {b['blobs']} | "
        base += f"{_pct(_ratio(b['recovered'], b['blobs']))} | {lang} | {sum(r['junk'].values())} |"
        if r["boundary"]:
            base += (
                f" {r['summary_tokens']:,} | {r['snapshot_tokens']:,} | {r['size_ratio']:.2f} |"
                f" {r['names']} | {_pct(r['named'])} | {_pct(r['named_first'])} |"
                f" {_pct(r['named_last'])} | {_pct(r['named_random'])} |"
            )
        else:
            base += " - | - | - | - | - | - | - | - |"
        print(base)
    print()
    print(json.dumps(total, indent=2))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--files", nargs="*", type=Path, help="sessions (default: the data set)")
    parser.add_argument("--no-throughput", action="store_true")
    args = parser.parse_args(argv)
    files = args.files or sorted(DATA.glob("*.jsonl*"))
    result: dict[str, Any] = {}
    if not args.no_throughput:  # first, so its peak memory is not another session's
        biggest = max(files, key=lambda p: len(load(p)))
        result["throughput"] = throughput(biggest)
    rows = []
    for path in files:
        name = path.name.split(".jsonl")[0]
        rows.append(evaluate(read_raw(name, load(path))))
        print(f"  {name}: done", file=sys.stderr)
    total = totals(rows)
    result.update(sessions=rows, total=total)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_tables(rows, total)
        if "throughput" in result:
            t = result["throughput"]
            print(
                f"\nThroughput: {t['file']} ({t['mb']:.1f} MB, {t['turns']} turns) end to end in "
                f"{t['seconds']:.1f} s, peak RSS {t['peak_rss_mb']:.0f} MB"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
