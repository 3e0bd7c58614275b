"""How much of a document does its snapshot keep, against random sentences and the lead?

    PYTHONPATH=src .venv/bin/python evals/snapshot_documents.py               # ratios 4 and 8
    PYTHONPATH=src .venv/bin/python evals/snapshot_documents.py --formats markdown,html,pdf
    PYTHONPATH=src .venv/bin/python evals/snapshot_documents.py --show oci-image-manifest.md

The documents (`evals/data/documents/`, provenance and licences in SOURCE.md) are public
specifications: OCI image and runtime specs and CloudEvents (Markdown, Apache-2.0) and Python
PEPs (reStructuredText, public domain). `tuning/` was used to choose the engine's weights;
`report/` was not looked at while tuning, and is reported apart.

Each document goes through the service's own ingest (`contextd.pipeline.ingest`) as uploaded
(`markdown`: the file itself, `.rst` as plain text), and optionally rendered first to HTML
(markdown-it) or to PDF (that HTML printed by Chromium through Playwright), where the
converters decide what survives of the headings. Its snapshot is built at `--ratios`; the
baselines get the snapshot's exact budget, with the same header and the same bullet format
("- sentence [p3]", headings as "## heading"), counted with the same tokenizer:

* **lead**: the document's sentences and headings in order, up to the budget (its first N tokens);
* **random**: whole sentences drawn at random until nothing more fits, shown in document order
  (mean of `--seeds` draws).

Measured by content, the same way for all three, from lists made from the *source file* before
any output is seen (`facts`, `headings` below, not the engine's code):

* **facts kept**: requirement sentences (a BCP 14 key word in capitals: MUST, SHOULD NOT, MAY...),
  definitions ("X is a ...", "means", "is defined as", "refers to") and sentences with a number;
  a fact is kept when one line of the output holds at least 2/3 of its content words;
* **requirements kept**: the same, for the BCP 14 sentences only;
* **sentences kept**: the same test over every sentence of 4+ content words (blind to kind);
* **outline**: the share of the source's headings (Markdown `#`, reST underlined; the title
  aside) present as a heading line of the output.

Pooled per set (kept / all, over the set's documents). Run with the repository's `src` on
PYTHONPATH to measure this checkout; the conversation-sections engine it replaced is measured
by the same script on an older checkout.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from contextd.pipeline.ingest import ingest
from contextd.pipeline.snapshot import build_snapshot, split_sentences
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import Document, Fetched

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "evals" / "data" / "documents"
SETS = ("tuning", "report")
KEPT_SHARE = 2 / 3
MIN_WORDS = 4

_WORD_RE = re.compile(r"[a-z0-9][a-z0-9_.\-]*[a-z0-9]|[a-z0-9]")
_STOP_TEXT = """a an the and or but if then of to in on at by for with from into as is are was were
be been being it its this that these those there here not no do does did have has had will
would shall should can could may might must also any all each which who what when where how
than such other only more most some same both very so"""
_STOP = frozenset(_STOP_TEXT.split())
_BCP14_RE = re.compile(
    r"\b(?:MUST(?: NOT)?|SHALL(?: NOT)?|SHOULD(?: NOT)?|(?:NOT )?RECOMMENDED|REQUIRED|MAY"
    r"|OPTIONAL)\b"
)
_DEFINITION_RE = re.compile(
    r"\b(?:is|are) (?:a|an|the)\b|\bmeans\b|\bis defined as\b|\brefers to\b", re.IGNORECASE
)
_NUMBER_RE = re.compile(r"(?<![\w/#.-])\d+(?:\.\d+)?(?![\w/-])")
_ATX_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_UNDERLINE_RE = re.compile(r"^([=\-~^])\1{2,}\s*$")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD_RE.findall(text.lower()) if w not in _STOP and len(w) > 2)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


# --- what the source holds, listed before any output is seen ----------------------------------


def source_sentences(raw: str) -> list[str]:
    return [
        s.text for s in split_sentences(raw) if not s.heading and len(words(s.text)) >= MIN_WORDS
    ]


def facts(raw: str) -> dict[str, list[str]]:
    """The source's facts by kind; a sentence counts once, under its first kind."""
    kinds: dict[str, list[str]] = {"requirement": [], "definition": [], "number": []}
    for sentence in source_sentences(raw):
        if _BCP14_RE.search(sentence):
            kinds["requirement"].append(sentence)
        elif _DEFINITION_RE.search(sentence):
            kinds["definition"].append(sentence)
        elif _NUMBER_RE.search(sentence):
            kinds["number"].append(sentence)
    return kinds


def headings(raw: str) -> list[str]:
    """The source's headings (Markdown ATX or reST underlined), without its title."""
    lines = raw.split("\n")
    found: list[tuple[int, str]] = []
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE_RE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        atx = _ATX_RE.match(line)
        if atx:
            found.append((len(atx.group(1)), atx.group(2)))
        elif (
            i + 1 < len(lines)
            and line.strip()
            and _UNDERLINE_RE.match(lines[i + 1])
            and len(lines[i + 1].strip()) >= len(line.strip())
            and not (i > 0 and lines[i - 1].strip() and not _UNDERLINE_RE.match(lines[i - 1]))
        ):
            found.append((2, line.strip()))
    if found and found[0][0] == 1 and sum(1 for level, _ in found if level == 1) == 1:
        found = found[1:]  # the Markdown title
    return [re.sub(r"<[^<>]*>|[`*_]", "", title) for _, title in found]


# --- judging an output -------------------------------------------------------------------------


def kept(items: Sequence[str], output: str) -> int:
    lines = [words(line) for line in output.splitlines() if line.strip()]
    count = 0
    for item in items:
        need = words(item)
        if need and any(len(need & line) >= KEPT_SHARE * len(need) for line in lines):
            count += 1
    return count


def outline_kept(titles: Sequence[str], output: str) -> int:
    shown = {_norm(line.lstrip("#")) for line in output.splitlines()[1:] if line.startswith("#")}
    return sum(1 for title in titles if _norm(title) in shown)


# --- the baselines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    order: int
    text: str
    line: str
    heading: bool


def units(document: Document) -> list[Unit]:
    result: list[Unit] = []
    for order, sentence in enumerate(split_sentences(document.text)):
        if sentence.heading:
            result.append(Unit(order, sentence.text, f"\n## {sentence.text}", True))
        else:
            result.append(
                Unit(order, sentence.text, f"- {sentence.text} [p{sentence.paragraph}]", False)
            )
    return result


def render(header: str, chosen: Iterable[Unit]) -> str:
    return header + "\n" + "".join(u.line + "\n" for u in sorted(chosen, key=lambda u: u.order))


def lead(header: str, pool: Sequence[Unit], budget: int) -> str:
    chosen: list[Unit] = []
    for unit in pool:
        if count_tokens(render(header, [*chosen, unit])) > budget:
            break
        chosen.append(unit)
    return render(header, chosen)


def random_sentences(header: str, pool: Sequence[Unit], budget: int, rng: random.Random) -> str:
    order = [u for u in pool if not u.heading]
    rng.shuffle(order)
    chosen: list[Unit] = []
    used = count_tokens(header + "\n")
    for unit in order:
        cost = count_tokens(unit.line + "\n")
        if used + cost <= budget:
            chosen.append(unit)
            used += cost
    text = render(header, chosen)
    while count_tokens(text) > budget and chosen:
        chosen.pop()
        text = render(header, chosen)
    return text


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Tally:
    kept: dict[str, float] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, kept_: float, total: int) -> None:
        """`kept_` of `total` items of one document (a mean over draws for the random one)."""
        self.kept[key] = self.kept.get(key, 0.0) + kept_
        self.total[key] = self.total.get(key, 0) + total

    def share(self, key: str) -> str:
        total = self.total.get(key, 0)
        return f"{100 * self.kept.get(key, 0.0) / total:5.1f}%" if total else "    -"


MEASURES = ("facts", "requirements", "sentences", "outline")
SYSTEMS = ("snapshot", "lead", "random")


def measure(raw: str, output: str) -> dict[str, tuple[int, int]]:
    found = facts(raw)
    every = [s for kind in found.values() for s in kind]
    titles = headings(raw)
    sentences = source_sentences(raw)
    return {
        "facts": (kept(every, output), len(every)),
        "requirements": (kept(found["requirement"], output), len(found["requirement"])),
        "sentences": (kept(sentences, output), len(sentences)),
        "outline": (outline_kept(titles, output), len(titles)),
    }


def fetched_as(path: Path, kind: str) -> Fetched:
    raw = path.read_bytes()
    if kind == "markdown":
        media = "text/markdown" if path.suffix == ".md" else "text/plain"
        return Fetched(content=raw, content_type=media, filename=path.name)
    html = _html(path)
    if kind == "html":
        return Fetched(
            content=html.encode(), content_type="text/html", filename=path.stem + ".html"
        )
    return Fetched(content=_pdf(html), content_type="application/pdf", filename=path.stem + ".pdf")


def _html(path: Path) -> str:
    from markdown_it import MarkdownIt

    text = path.read_text(encoding="utf-8")
    if path.suffix == ".rst":  # underlined titles as Markdown headings, literal blocks as code
        text = re.sub(r"^(.+)\n([=\-~^])\2{2,}\s*$", lambda m: "## " + m.group(1), text, flags=re.M)
    body = MarkdownIt("commonmark").enable("table").render(text)
    head = f"<head><title>{path.stem}</title></head>"
    return f"<!doctype html><html>{head}<body><article>{body}</article></body></html>"


def _pdf(html: str) -> bytes:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CONTEXTD_CHROMIUM") or shutil.which("chromium") or None
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.set_content(html)
            return page.pdf(format="A4")
        finally:
            browser.close()


def run(args: argparse.Namespace) -> int:
    seeds = range(args.seeds)
    for kind in args.formats.split(","):
        for ratio in args.ratios:
            print(f"\n=== {kind}, ratio {ratio:g}x ===")
            for name in args.sets.split(","):
                tallies = {system: Tally() for system in SYSTEMS}
                paths = sorted((DATA / name).glob("*.*"))
                if kind != "markdown":  # reST is not Markdown: only .md files are rendered
                    paths = [p for p in paths if p.suffix == ".md"]
                if args.only:
                    paths = [p for p in paths if p.name in args.only]
                for path in paths:
                    raw = path.read_text(encoding="utf-8")
                    document = ingest(fetched_as(path, kind)).document
                    draft = build_snapshot((), document, (), ratio=ratio)
                    header = draft.markdown.split("\n", 1)[0]
                    pool = units(document)
                    outputs = {
                        "snapshot": [draft.markdown],
                        "lead": [lead(header, pool, draft.budget)],
                        "random": [
                            random_sentences(header, pool, draft.budget, random.Random(s))
                            for s in seeds
                        ],
                    }
                    if args.show and path.name in args.show:
                        print(draft.markdown)
                    row = [f"{path.name:34s} {draft.tokens_before:6d} -> {draft.budget:5d}"]
                    for system, texts in outputs.items():
                        assert all(count_tokens(t) <= draft.budget for t in texts), system
                        scores = [measure(raw, text) for text in texts]
                        for key in MEASURES:
                            got = sum(score[key][0] for score in scores) / len(scores)
                            tallies[system].add(key, got, scores[0][key][1])
                        got, total = measure(raw, texts[0])["facts"]
                        row.append(f"{system} {got}/{total}")
                    if args.verbose:
                        print("  " + "  ".join(row))
                print(f"-- {name} ({len(paths)} documents)")
                print(f"   {'':10s}" + "".join(f"{m:>14s}" for m in MEASURES))
                for system in SYSTEMS:
                    cells = "".join(f"{tallies[system].share(m):>14s}" for m in MEASURES)
                    print(f"   {system:10s}{cells}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ratios", type=float, nargs="+", default=[4.0, 8.0])
    parser.add_argument("--formats", default="markdown", help="markdown,html,pdf")
    parser.add_argument("--sets", default=",".join(SETS), help="tuning,report")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=[], help="file names to run")
    parser.add_argument("--show", nargs="*", default=[], help="file names whose snapshot to print")
    parser.add_argument("-v", "--verbose", action="store_true", help="one row per document")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
