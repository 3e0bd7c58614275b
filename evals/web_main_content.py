"""Does the HTML converter keep a page's main content and drop its chrome, as fast as trafilatura?

    .venv/bin/python evals/web_main_content.py --wcxb PATH                 # dev split
    .venv/bin/python evals/web_main_content.py --wcxb PATH --split test    # held-out split
    .venv/bin/python evals/web_main_content.py --wcxb PATH --every 5 --systems contextd

The corpus is WCXB, the Web Content eXtraction Benchmark (Murrough Foley, CC-BY-4.0): pages of
seven kinds (articles, forums, products, collections, listings, documentation, service pages),
each a gzipped HTML file with a human-reviewed `main_content`. It is read where it lies (`--wcxb`
names a checkout; nothing is copied here); without it the script says so and exits 0.

Each system reads the page's bytes: `contextd` is the service's own converter (`convert`, which
decodes, parses and writes Markdown), `trafilatura` is trafilatura's `extract` with its defaults
(plain text, comments included), the open extractor the benchmark ranks best. Scores, averaged
over pages as the benchmark does:

* **word F1**: precision and recall of the multiset of lower-cased `\\w+` tokens, the benchmark's
  own measure (its `evaluate.py`);
* **4-gram F1**: the same over 4-token shingles, which also punishes text put in the wrong order
  or words glued across blocks.

Speed is pages per CPU-second of this process over the same pages in the same run (the systems
take turns on each page, so a change of load falls on all), and the ratio to trafilatura's; the
machine's load is printed beside it, since timing is noisy on a shared machine. trafilatura
gives no links; `contextd+links` is the conversion with the page's links read as well (the
service stores them with the source), so their cost is measured apart.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura
import trafilatura.external

from contextd.pipeline.ingest.convert import convert
from contextd.pipeline.types import Fetched, UnsupportedFormat

Extractor = Callable[[bytes], str]


@dataclass(frozen=True)
class Page:
    file_id: str
    kind: str
    html: bytes
    reference: str


def load(root: Path, split: str, limit: int | None, every: int = 1) -> list[Page]:
    pages = []
    for path in sorted((root / split / "ground-truth").glob("*.json"))[::every][:limit]:
        data = json.loads(path.read_text(encoding="utf-8"))
        truth = data.get("ground_truth") or {}
        if not isinstance(truth, dict):
            continue
        kind = ((data.get("_internal") or {}).get("page_type") or {}).get("primary", "article")
        html_path = root / split / "html" / f"{path.stem}.html.gz"
        if not html_path.exists():
            continue
        pages.append(
            Page(
                file_id=path.stem,
                kind="collection" if kind == "category" else str(kind),
                html=gzip.decompress(html_path.read_bytes()),
                reference=str(truth.get("main_content") or ""),
            )
        )
    return pages


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def f1(predicted: list[object], reference: list[object]) -> tuple[float, float, float]:
    """Precision, recall and F1 of two multisets, as the benchmark scores an empty page."""
    if not reference:
        return (1.0, 1.0, 1.0) if not predicted else (0.0, 0.0, 0.0)
    if not predicted:
        return 0.0, 0.0, 0.0
    overlap = sum((Counter(predicted) & Counter(reference)).values())
    p, r = overlap / len(predicted), overlap / len(reference)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def shingles(words: list[str], n: int = 4) -> list[object]:
    if len(words) < n:
        return [tuple(words)] if words else []
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def run_contextd(html: bytes) -> str:
    try:
        return convert(Fetched(content=html, content_type="text/html")).text
    except UnsupportedFormat:
        return ""


def run_contextd_links(html: bytes) -> str:
    """The conversion with the page's links read too, as the service does when it stores them
    with the source (they are matched to the written text only when asked for)."""
    try:
        document = convert(Fetched(content=html, content_type="text/html"))
    except UnsupportedFormat:
        return ""
    document.meta.get("links")
    return document.text


def run_trafilatura(html: bytes) -> str:
    return trafilatura.extract(html) or ""


SYSTEMS: dict[str, Extractor] = {
    "contextd": run_contextd,
    "contextd+links": run_contextd_links,
    "trafilatura": run_trafilatura,
}


@dataclass
class Scores:
    word: list[float]
    precision: list[float]
    recall: list[float]
    shingle: list[float]
    seconds: float


def score(pages: list[Page], names: list[str]) -> dict[str, tuple[Scores, dict[str, list[float]]]]:
    """Every system on each page in turn, so a change of load on the machine falls on all."""
    results: dict[str, tuple[Scores, dict[str, list[float]]]] = {
        name: (Scores([], [], [], [], 0.0), defaultdict(list)) for name in names
    }
    for page in pages:
        reference = tokens(page.reference)
        for name in names:
            scores, by_kind = results[name]
            started = time.process_time()
            text = SYSTEMS[name](page.html)
            scores.seconds += time.process_time() - started
            words = tokens(text)
            p, r, word_f1 = f1(list(words), list(reference))
            scores.word.append(word_f1)
            scores.precision.append(p)
            scores.recall.append(r)
            scores.shingle.append(f1(shingles(words), shingles(reference))[2])
            by_kind[page.kind].append(word_f1)
    return results


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wcxb", type=Path, default=os.environ.get("WCXB_DIR"))
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument(
        "--every", type=int, default=1, help="every Nth page (the files are grouped by kind)"
    )
    parser.add_argument("--systems", default="contextd,trafilatura")
    parser.add_argument("--per-kind", action="store_true", help="word F1 by page kind")
    args = parser.parse_args()
    if args.wcxb is None or not (Path(args.wcxb) / args.split / "ground-truth").is_dir():
        print("WCXB checkout not found: pass --wcxb PATH (or set WCXB_DIR); nothing to do")
        return 0
    pages = load(Path(args.wcxb), args.split, args.limit, args.every)
    names = [name.strip() for name in args.systems.split(",") if name.strip()]
    print(f"WCXB {args.split}: {len(pages)} pages; load average {os.getloadavg()[0]:.2f}")
    print(f"{'system':<14} {'word F1':>8} {'P':>6} {'R':>6} {'4-gram F1':>10} {'pages/s':>8}")
    # trafilatura reads justext's stop lists on first use (about a second): read them before
    # the clock starts, so the one-off cost falls on neither system.
    getattr(trafilatura.external, "jt_stoplist_init", lambda: None)()
    results = score(pages, names)
    for name in names:
        scores = results[name][0]
        rate = len(pages) / scores.seconds if scores.seconds else 0.0
        print(
            f"{name:<14} {mean(scores.word):8.4f} {mean(scores.precision):6.3f} "
            f"{mean(scores.recall):6.3f} {mean(scores.shingle):10.4f} {rate:8.1f}"
        )
    theirs = results["trafilatura"][0] if "trafilatura" in results else None
    for name in ("contextd", "contextd+links"):
        if name in results and theirs is not None:
            ours = results[name][0]
            print(
                f"{name}/trafilatura: word F1 {mean(ours.word) / mean(theirs.word):.4f}x, "
                f"4-gram F1 {mean(ours.shingle) / mean(theirs.shingle):.4f}x, "
                f"speed {theirs.seconds / ours.seconds:.3f}x"
            )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if args.per_kind:
        kinds = sorted({page.kind for page in pages})
        print(f"{'kind':<14} {'n':>4} " + " ".join(f"{name:>12}" for name in names))
        for kind in kinds:
            row = [mean(results[name][1][kind]) for name in names]
            n = len(results[names[0]][1][kind])
            print(f"{kind:<14} {n:>4} " + " ".join(f"{value:12.3f}" for value in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
