"""The prose before a fence as evidence of its language: tuning figures for the mention rule.

Reads the labelled fences of a documentation tree laid out like `langid_corpus.py`'s `extra3`
(`<root>/<owner>+<name>/**/*.md`; never a held-out set), cut like the report sets
(`language_id.whole_blocks`), each with the prose before it: the text between the previous
fence's end (or the document's start) and its opening line, last 600 characters. Then scores,
on the same blocks:

* `blocks`: the block's text alone (`identify_languages` without context);
* `files`: plus the named-file rule on the intro line (the last prose line: what artifacts
  passes as `intros`);
* `mention@REACH`: plus the language-mention rule (`_mentions.mentioned_language`) reading the
  names in REACH: `intro` (the last prose line), `paragraph` (the last paragraph:
  `_mentions.reach`, what ships), `heading` (the last paragraph and the nearest heading
  above it), `all` (the whole 600 characters), at several margins (nats, see
  `_mentions.MENTION_MARGIN`).

Repositories are split in two by a hash of their name (`--half tune|check|all`): choose on
`tune`, confirm on `check`. Fires / right / wrong count the blocks whose answer the rule
changed, and whether the change made it right or wrong. The text model was fitted on some of
these fences (at most 6 a document; `train_langid.py --doc-tree`): `--unseen` keeps only the
fences after the 6th of their document, which it never saw.

    PYTHONPATH=src python evals/langid_context.py --tree /tmp/langctx/extra3 --half tune
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fence_walk
import langid_corpus as corpus
import language_id

from contextd.pipeline.artifacts import (
    Evidence,
    canonical_language,
    decide_block,
    gather_evidence,
    mention_reach,
)

_CONTEXT_CHARS = 600
_TRAINED_PER_DOCUMENT = 6  # train_langid reads at most this many fences a document
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+\S")


@dataclass(frozen=True)
class Fence:
    repo: str
    document: str
    position: int  # among the document's kept fences
    language: str
    block: str
    before: str


def tree_fences(root: Path) -> Iterator[Fence]:
    """Every labelled code fence of the tree with the prose before it (deduplicated)."""
    seen: set[str] = set()
    for source in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(source.rglob("*.md")):
            if corpus._SKIP_DIRS.intersection(path.parts):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            lines = text.splitlines()
            previous_end = 0
            position = 0
            for line, info, body in fence_walk.fences(text):
                opening = line - 1
                before = "\n".join(lines[previous_end:opening])[-_CONTEXT_CHARS:]
                previous_end = opening + body.count("\n") + 3  # past the closing fence
                language = language_id.fold(info.split(",")[0].strip("{}.") or None)
                if (
                    language is None
                    or canonical_language(language) is None
                    or language in corpus._SHAPED
                    or language in corpus._SKIP
                ):
                    continue
                for block in language_id.unseen_blocks(body, seen):
                    document = str(path.relative_to(source))
                    yield Fence(source.name, document, position, language, block, before)
                    position += 1


def half_of(repo: str) -> str:
    return "tune" if hashlib.sha256(repo.encode()).digest()[0] % 2 == 0 else "check"


def intro_line(before: str) -> str | None:
    """The last line of prose before the fence (artifacts' `intro`)."""
    lines = [line.strip() for line in before.split("\n") if line.strip()]
    return lines[-1] if lines else None


def reach_text(before: str, reach: str) -> str:
    if reach == "intro":
        return intro_line(before) or ""
    if reach == "paragraph":  # what ships (`_mentions.reach`)
        return mention_reach(before)
    if reach == "heading":  # the last paragraph and the nearest heading above it
        paragraphs = re.split(r"\n[ \t]*\n", before.rstrip())
        for paragraph in reversed(paragraphs[:-1]):
            lines = paragraph.strip().split("\n")
            if lines and _HEADING_RE.match(lines[-1]):
                return lines[-1] + "\n\n" + paragraphs[-1]
        return paragraphs[-1]
    return before


def load(root: Path, cache: Path) -> list[tuple[Fence, Evidence]]:
    if cache.exists():
        with cache.open("rb") as handle:
            cached: list[tuple[Fence, Evidence]] = pickle.load(handle)
        return cached
    fences = list(tree_fences(root))
    print(f"{len(fences)} fences; gathering evidence...", file=sys.stderr)
    rows = [(fence, gather_evidence(fence.block)) for fence in fences]
    with cache.open("wb") as handle:
        pickle.dump(rows, handle)
    return rows


def fold(language: str | None) -> str | None:
    return language_id.fold(language) if language else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/langctx/evidence.pkl"))
    parser.add_argument("--half", choices=("tune", "check", "all"), default="tune")
    parser.add_argument("--unseen", action="store_true", help="only fences the model never saw")
    parser.add_argument(
        "--margins", type=float, nargs="*", default=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0]
    )
    parser.add_argument("--reaches", nargs="*", default=["intro", "paragraph", "heading", "all"])
    parser.add_argument("--per-language", action="store_true", help="per-language table")
    parser.add_argument("--show", type=int, default=0, help="print this many wrong fires")
    parser.add_argument("--show-files", action="store_true", help="...of the named-file rule")
    args = parser.parse_args()
    rows = [
        (fence, evidence)
        for fence, evidence in load(args.tree, args.cache)
        if (args.half == "all" or half_of(fence.repo) == args.half)
        and (not args.unseen or fence.position >= _TRAINED_PER_DOCUMENT)
    ]
    repos = sorted({fence.repo for fence, _ in rows})
    print(f"{len(rows)} fences of {len(repos)} repositories ({args.half}): {' '.join(repos)}")
    gold = [fold(fence.language) for fence, _ in rows]
    base = [fold(decide_block(e)) for _, e in rows]
    files = [
        fold(decide_block(e, intro=intro_line(f.before), names=True, mention_margin=-1))
        for f, e in rows
    ]
    _line("blocks", base, gold, base)
    _line("files (intro)", files, gold, base)
    best: tuple[float, str, float] | None = None
    swept: dict[tuple[str, float], list[str | None]] = {}
    for reach in args.reaches:
        for margin in args.margins:
            answers = swept[reach, margin] = [
                fold(
                    decide_block(
                        e,
                        intro=intro_line(f.before),
                        context=reach_text(f.before, reach),
                        mention_margin=margin,
                        names=True,
                    )
                )
                for f, e in rows
            ]
            accuracy = _line(f"mention@{reach} m={margin}", answers, gold, files)
            if best is None or accuracy > best[0]:
                best = (accuracy, reach, margin)
    if best is None:
        return
    _, reach, margin = best
    answers = swept[reach, margin]
    print(f"best on these blocks: mention@{reach} margin {margin}")
    if args.per_language:
        _per_language(gold, base, files, answers)
    shown = 0
    pairs = zip(
        rows,
        base if args.show_files else files,
        files if args.show_files else answers,
        gold,
        strict=True,
    )
    for (fence, _), before, after, label in pairs:
        if shown < args.show and before != after and after != label:
            shown += 1
            shown_reach = "intro" if args.show_files else reach
            context = reach_text(fence.before, shown_reach).replace("\n", " / ")[-200:]
            print(f"--- {fence.repo}/{fence.document} gold {label} {before} -> {after}")
            print(f"    prose: {context}")
            print("    " + fence.block[:160].replace("\n", "\n    "))


def _line(
    name: str, answers: list[str | None], gold: list[str | None], before: list[str | None]
) -> float:
    right = sum(a == g for a, g in zip(answers, gold, strict=True))
    fires = [(a, b, g) for a, b, g in zip(answers, before, gold, strict=True) if a != b]
    fixed = sum(a == g for a, _, g in fires)
    broke = sum(b == g for _, b, g in fires)
    accuracy = right / len(gold)
    print(
        f"{name:28} accuracy {accuracy:.4f} ({right}/{len(gold)})"
        f"  fires {len(fires)} right {fixed} broke {broke}"
    )
    return accuracy


def _per_language(
    gold: list[str | None], base: list[str | None], files: list[str | None], final: list[str | None]
) -> None:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for g, b, f, a in zip(gold, base, files, final, strict=True):
        row = counts[g or "-"]
        row["n"] += 1
        row["base"] += b == g
        row["files"] += f == g
        row["final"] += a == g
        row["fixed"] += a == g and f != g
        row["broke"] += f == g and a != g
    print(f"{'language':14} {'n':>5} {'blocks':>7} {'files':>7} {'mention':>7} fixed broke")
    for language, row in sorted(counts.items(), key=lambda kv: -kv[1]["n"]):
        n = row["n"]
        print(
            f"{language:14} {n:5} {row['base'] / n:7.3f} {row['files'] / n:7.3f}"
            f" {row['final'] / n:7.3f} {row['fixed']:5} {row['broke']:5}"
        )


if __name__ == "__main__":
    main()
