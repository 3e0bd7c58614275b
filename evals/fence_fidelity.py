"""Is every fenced code block of real Markdown stored byte for byte?

    .venv/bin/python evals/fence_fidelity.py            # summary and every failure
    .venv/bin/python evals/fence_fidelity.py --limit 50 # the first 50 documents only
    .venv/bin/python evals/fence_fidelity.py --alpaca-eval DIR  # chat answers instead

`--alpaca-eval DIR` (a checkout of tatsu-lab/alpaca_eval, read where it lies: CC BY-NC) checks
chat answers instead: every model directory under `DIR/results` (or `--alpaca-models a,b`),
each answer a Markdown document.

The corpus is every Markdown document installed on the machine, read where it lies (nothing is
copied): the `*.md` files under the virtual environment's site-packages, the Markdown long
descriptions of its packages (`*.dist-info/METADATA`), and the `*.md` / `*.md.gz` files under
`/usr/share/doc` and `/usr/lib/node_modules`. Each document goes through the service's own path,
`ingest` (conversion, turn detection) and then `extract_artifacts`.

The reference is an independent CommonMark parser, markdown-it-py: each of its `fence` tokens is
a block, and its content (without the final line break) is the fence body. A block counts as
**stored** when some artifact's content equals the body exactly, or equals it with nothing but
prompt markers (`$ `, `# `, `> `, `user@host:~$ `, `PS C:\\> `) removed from some lines. The
other blocks are listed, in these groups:

* **too small**: no line has 3 non-blank characters (`}`, `ok`): never an artifact, by design;
  not counted in the rate;
* **repeat**: the body equals an earlier block's up to trailing spaces and surrounding blank
  lines, and that earlier block was stored: one artifact stands for both (as for a chat that
  shows the same code twice); counted as stored;
* **changed**: an artifact holds the same code up to whitespace, but not byte for byte;
* **missing**: no artifact holds it (the pipeline did not see a fence there).
"""

from __future__ import annotations

import argparse
import email
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.ingest import ingest
from contextd.pipeline.types import Fetched

PYTHON = f"python{sys.version_info[0]}.{sys.version_info[1]}"
SITE = Path(sys.prefix) / "lib" / PYTHON / "site-packages"
SYSTEM_DIRS = (Path("/usr/share/doc"), Path("/usr/lib/node_modules"))
MAX_DOC_BYTES = 2_000_000
# What may precede a command on a prompted line: "$ ", "# ", "> ", "user@host:~/x$ ",
# "(venv) $ ", "PS C:\dir> ", "C:\dir> ".
_MARKER_RE = re.compile(
    r"^[ \t]*(?:\([\w.-]+\)[ \t]+)?(?:\S*@\S*[ \t]?|\[[^\]]*\])?[$#>][ \t]$"
    r"|^[ \t]*(?:PS(?:[ \t][^>]*)?|[A-Z]:\\[^>]*)>[ \t]$"
)


@dataclass(frozen=True)
class Doc:
    name: str
    text: str


@dataclass(frozen=True)
class Failure:
    group: str
    doc: str
    line: int
    info: str
    body: str
    closest: str | None


def documents() -> Iterator[Doc]:
    for path in sorted(SITE.rglob("*.md")):
        yield from _read(path, path.relative_to(SITE).as_posix())
    for meta in sorted(SITE.glob("*.dist-info/METADATA")):
        message = email.message_from_string(meta.read_text("utf-8", errors="replace"))
        body = message.get_payload()
        if "markdown" in (message.get("Description-Content-Type") or "") and isinstance(body, str):
            yield Doc(f"{meta.parent.name} (long description)", body)
    for root in SYSTEM_DIRS:
        for path in sorted([*root.rglob("*.md"), *root.rglob("*.md.gz")]):
            yield from _read(path, str(path))


def alpaca_documents(directory: Path, models: list[str]) -> Iterator[Doc]:
    """Every answer of the chosen models (all under `results/` when none is named)."""
    results = directory / "results"
    names = models or sorted(p.parent.name for p in results.glob("*/model_outputs.json"))
    for model in names:
        records = json.loads((results / model / "model_outputs.json").read_text())
        for index, record in enumerate(records):
            yield Doc(f"{model}#{index}", str(record["output"]))


def _read(path: Path, name: str) -> Iterator[Doc]:
    if not path.is_file() or path.stat().st_size > MAX_DOC_BYTES:
        return
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    yield Doc(name, data.decode("utf-8", errors="replace"))


def fence_bodies(parser: MarkdownIt, text: str) -> list[tuple[int, str, str]]:
    """(line number, info string, body) of every fenced block CommonMark finds."""
    found = []
    for token in parser.parse(text):
        if token.type == "fence":
            body = token.content[:-1] if token.content.endswith("\n") else token.content
            found.append(((token.map or [0])[0] + 1, token.info, body))
    return found


def without_markers(body: str, content: str) -> bool:
    """True when `content` is `body` with prompt markers removed from some of its lines."""
    body_lines, lines = body.split("\n"), content.split("\n")
    if len(body_lines) != len(lines):
        return False
    for original, kept in zip(body_lines, lines, strict=True):
        if original == kept:
            continue
        marker = original[: len(original) - len(kept)]
        if not original.endswith(kept) or not _MARKER_RE.match(marker):
            return False
    return True


def loose(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def small(body: str) -> bool:
    return not any(len(line.strip()) >= 3 for line in body.split("\n"))


def check(doc: Doc, parser: MarkdownIt, counts: Counter[str]) -> list[Failure]:
    blocks = fence_bodies(parser, doc.text)
    if not blocks:
        return []
    ingested = ingest(Fetched(doc.text.encode(), "text/markdown", filename="doc.md"))
    artifacts = extract_artifacts(ingested.document, ingested.turns)
    contents = {a.content for a in artifacts}
    by_loose = {loose(a.content): a.content for a in artifacts}
    stored_loose: set[str] = set()
    failures = []
    for line, info, body in blocks:
        counts["blocks"] += 1
        if small(body):
            counts["too small"] += 1
            continue
        exact = body in contents
        if exact or any(without_markers(body, c) for c in contents):
            counts["stored"] += 1
            counts["unmarked"] += not exact
            stored_loose.add(loose(body))
            continue
        if loose(body) in stored_loose:
            counts["repeat"] += 1
            continue
        closest = by_loose.get(loose(body))
        group = "changed" if closest is not None else "missing"
        counts[group] += 1
        failures.append(Failure(group, doc.name, line, info, body, closest))
    return failures


def main() -> None:
    parser_ = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser_.add_argument("--limit", type=int, default=0, help="check only the first N documents")
    parser_.add_argument("--show", type=int, default=400, help="characters shown per failure")
    parser_.add_argument("--alpaca-eval", type=Path, metavar="DIR", help="AlpacaEval answers")
    parser_.add_argument("--alpaca-models", default="", help="comma-separated, default: all")
    args = parser_.parse_args()
    models = [m for m in args.alpaca_models.split(",") if m]
    parser = MarkdownIt("commonmark")
    counts: Counter[str] = Counter()
    failures: list[Failure] = []
    started = time.perf_counter()
    docs = 0
    corpus = documents() if args.alpaca_eval is None else alpaca_documents(args.alpaca_eval, models)
    for doc in corpus:
        if args.limit and docs >= args.limit:
            break
        docs += 1
        failures += check(doc, parser, counts)
    elapsed = time.perf_counter() - started
    counted = counts["blocks"] - counts["too small"]
    kept = counts["stored"] + counts["repeat"]
    print(f"documents: {docs}, fenced blocks: {counts['blocks']}, {elapsed:.0f} s")
    print(f"too small to be an artifact (not counted): {counts['too small']}")
    rate = kept / max(counted, 1)
    print(f"stored byte for byte (prompt markers aside): {kept}/{counted} = {rate:.4f}")
    print(f"  of which with prompt markers removed: {counts['unmarked']}")
    print(f"  of which a repeat of an earlier block, stored once: {counts['repeat']}")
    print(f"changed: {counts['changed']}, missing: {counts['missing']}")
    for failure in failures:
        print(f"\n--- {failure.group}: {failure.doc}:{failure.line} info={failure.info!r}")
        print(repr(failure.body[: args.show]))
        if failure.closest is not None:
            print("stored as:", repr(failure.closest[: args.show]))


if __name__ == "__main__":
    main()
