"""The pair rules of language identification (`_pairs.py`): what each one fixes and breaks.

The text model confuses pairs of close languages (C and C++, Objective-C and C, TypeScript
and JavaScript, SCSS and CSS, Swift and Kotlin, Java and C#...). A pair rule acts on the
model's answer and its close candidates: it changes the answer only when the block has syntax
that only the other language of the pair has, and none that only the answer's language has.
This script measures that on **tuning** code (never a held-out set of
`evals/data/doc_fences/SOURCES.md`, never Rosetta Code):

* the evidence of every block is gathered once (`gather_evidence`, magika asked as in the
  product) and cached (`--cache`), then `decide_block` is replayed with the rules off and on;
* per pair and direction: answers fixed and broken, and, per half of the sources (split by a
  hash of the repository's name, `--half`), so that a margin chosen on one half is confirmed
  on the other;
* per rule cue (`--fires`): the blocks of every language it matches (a cue that fires on
  other languages' ordinary code is a bug).

Corpora (read from directories, nothing downloaded here), one source per repository:

* `--linguist DIR`: Linguist's `samples/` (every folder, as `cue_check.py` reads it);
* `--top-level DIR`: learnxinyminutes' own pages (not its translations);
* `--exercism DIR`: one directory per exercism track (`exercism+<track>`): its code files
  named by extension, cut in chat-sized blocks, and its documents' labelled fences;
* `--docs DIR`: one directory per documentation repository (`<owner>+<name>`): the labelled
  fences of its Markdown, and its code files named by extension (`--code-too`).

    PYTHONPATH=src:evals python evals/pair_rules.py --linguist /tmp/langpairs/lx/samples \\
        --top-level /tmp/langpairs/lx/lxym --exercism /tmp/langpairs/ex \\
        --docs /tmp/langpairs/docs --cache /tmp/langpairs/evidence.pkl --half tune
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cue_check import fence_blocks, linguist_blocks
from langid_corpus import code_files
from language_id import blocks

from contextd.pipeline.artifacts import (
    PAIR_MARGIN,
    Evidence,
    decide_block,
    gather_evidence,
    pair_patterns,
)

_CODE_CAP = 300  # chat-sized cuts of a track's or repository's code files, per language


# Labels of the tuning fences that name a language under another name (a Julia REPL session,
# a doctest).
_LABELS = {"julia-repl": "julia", "jldoctest": "julia"}


def _track_language(track: str, language: str) -> str:
    """A `.h` file of the C++ or Objective-C track (and a `.m` of the latter) is named C or
    MATLAB by its extension: the track says what it is."""
    if track.endswith("+cpp") and language == "c":
        return "cpp"
    if track.endswith("+objective-c") and language in ("c", "matlab"):
        return "objective-c"
    return language


def half_of(source: str) -> str:
    """'tune' or 'check': a fixed split of the sources by a hash of their name."""
    return "tune" if hashlib.sha256(source.encode()).digest()[0] % 2 == 0 else "check"


def code_blocks(root: Path) -> Iterator[tuple[str, str, str]]:
    taken: Counter[str] = Counter()
    for language, name, text in code_files(root):
        if taken[language] >= _CODE_CAP:
            continue
        for block in blocks(name, text, 2):
            taken[language] += 1
            yield language, name, block


def corpus(args: argparse.Namespace) -> list[tuple[str, str, str, str]]:
    """(source, language, name, block) of every distinct block."""
    found: list[tuple[str, str, str, str]] = []
    if args.linguist:
        found += [("linguist", *item) for item in linguist_blocks(args.linguist)]
    for root in args.top_level:
        found += [("lxym", *item) for item in fence_blocks(root, recursive=False)]
    for parent in args.exercism:
        for track in sorted(parent.iterdir()):
            found += [
                (track.name, _track_language(track.name, language), name, block)
                for language, name, block in code_blocks(track)
            ]
            found += [(track.name, *item) for item in fence_blocks(track, recursive=True)]
    for parent in args.docs:
        for repo in sorted(parent.iterdir()):
            found += [(repo.name, *item) for item in fence_blocks(repo, recursive=True)]
            if args.code_too:
                found += [(repo.name, *item) for item in code_blocks(repo)]
    seen: set[str] = set()
    unique = []
    for source, language, name, block in found:
        key = hashlib.sha256(block.encode()).hexdigest()
        if key not in seen and language:
            seen.add(key)
            unique.append((source, _LABELS.get(language, language), name, block))
    return unique


def _gather(block: str) -> Evidence:
    return gather_evidence(block, use_model=True)


def load(args: argparse.Namespace) -> list[tuple[str, str, str, Evidence]]:
    if args.cache and args.cache.exists():
        cached: list[tuple[str, str, str, Evidence]] = pickle.loads(args.cache.read_bytes())
        return cached
    items = corpus(args)
    print(f"{len(items)} blocks: gathering evidence", file=sys.stderr)
    with ProcessPoolExecutor(args.jobs) as pool:
        evidence = list(pool.map(_gather, [block for *_, block in items], chunksize=64))
    out = [(s, lang, name, ev) for (s, lang, name, _), ev in zip(items, evidence, strict=True)]
    if args.cache:
        args.cache.write_bytes(pickle.dumps(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--linguist", type=Path)
    parser.add_argument("--top-level", type=Path, nargs="*", default=[])
    parser.add_argument("--exercism", type=Path, nargs="*", default=[])
    parser.add_argument("--docs", type=Path, nargs="*", default=[])
    parser.add_argument("--code-too", action="store_true", help="docs repositories' code files")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--half", choices=["tune", "check", "all"], default="all")
    parser.add_argument("--sources", nargs="*", help="only these sources (e.g. unseen docs)")
    parser.add_argument("--margins", nargs="*", type=float, help="sweep the rules' margin")
    parser.add_argument("--show", type=int, default=0, help="examples of each change")
    parser.add_argument("--confusions", action="store_true", help="rules on: top confusions")
    parser.add_argument("--fires", action="store_true", help="each pattern on every language")
    parser.add_argument(
        "--rule-fires", action="store_true", help="each rule on its own and its rival's blocks"
    )
    parser.add_argument(
        "--per-language", action="store_true", help="the pairs' languages: right before, after"
    )
    args = parser.parse_args()

    items = load(args)
    if args.half != "all":
        items = [item for item in items if half_of(item[0]) == args.half]
    if args.sources:
        items = [item for item in items if item[0] in args.sources]
    print(f"{len(items)} blocks, {len({i[0] for i in items})} sources ({args.half})")

    # off: a negative margin leaves no candidate close enough
    before = [decide_block(ev, pair_margin=-1.0) for *_, ev in items]
    if args.confusions:
        # with the rules on, at the shipped margin: what is left for new rules (and rules off,
        # beside, for what the rules already took)
        shipped = [decide_block(ev, pair_margin=PAIR_MARGIN) for *_, ev in items]
        off = Counter(
            (lang, got) for (_, lang, _, _), got in zip(items, before, strict=True) if got != lang
        )
        confused = Counter(
            (lang, got) for (_, lang, _, _), got in zip(items, shipped, strict=True) if got != lang
        )
        print(f"confusions, rules on (margin {PAIR_MARGIN}); rules off in brackets")
        for (lang, got), n in confused.most_common(60):
            print(f"  {n:5d} ({off[(lang, got)]:5d})  {lang} -> {got}")
    if args.fires:
        fires(items, args.show)
    if args.rule_fires:
        rule_fires(items, args.show)
    for margin in args.margins or [PAIR_MARGIN]:
        after = [decide_block(ev, pair_margin=margin) for *_, ev in items]
        report(items, before, after, margin, args.show)
        if args.per_language:
            per_language(items, before, after)


def report(
    items: list[tuple[str, str, str, Evidence]],
    before: list[str | None],
    after: list[str | None],
    margin: float,
    show: int,
) -> None:
    right_before = sum(1 for (_, lang, _, _), b in zip(items, before, strict=True) if b == lang)
    right_after = sum(1 for (_, lang, _, _), a in zip(items, after, strict=True) if a == lang)
    moves: dict[tuple[str | None, str | None], list[tuple[str, str, str, str]]] = defaultdict(list)
    for (source, lang, name, _), old, new in zip(items, before, after, strict=True):
        if old != new:
            kind = "fixed" if new == lang else "broke" if old == lang else "other"
            moves[(old, new)].append((kind, source, name, lang))
    print(f"\nmargin {margin}: right {right_before} -> {right_after} of {len(items)}")
    print("| answer -> rule's | fires | fixed | broke | wrong -> wrong | broken, as |")
    print("|---|---:|---:|---:|---:|---|")
    for (old, new), changes in sorted(moves.items(), key=lambda kv: -len(kv[1])):
        kinds = Counter(kind for kind, *_ in changes)
        broken_as = Counter(lang for kind, _, _, lang in changes if kind != "fixed")
        print(
            f"| {old} -> {new} | {len(changes)} | {kinds['fixed']} | {kinds['broke']} "
            f"| {kinds['other']} | {dict(broken_as.most_common(4))} |"
        )
        for kind, source, name, lang in [c for c in changes if c[0] != "fixed"][:show]:
            print(f"      {kind}: {lang} {source} {name}")


def per_language(
    items: list[tuple[str, str, str, Evidence]],
    before: list[str | None],
    after: list[str | None],
) -> None:
    """Accuracy of each language a rule may answer, rules off and on."""
    languages = sorted({language for pair in pair_patterns() for language in pair})
    print("\n| language | blocks | right, rules off | rules on |")
    print("|---|---:|---:|---:|")
    for language in languages:
        rows = [
            (b, a)
            for (_, lang, _, _), b, a in zip(items, before, after, strict=True)
            if lang == language
        ]
        if rows:
            off = sum(1 for b, _ in rows if b == language)
            on = sum(1 for _, a in rows if a == language)
            print(
                f"| {language} | {len(rows)} | {off} ({off / len(rows):.3f}) "
                f"| {on} ({on / len(rows):.3f}) |"
            )


def fires(items: list[tuple[str, str, str, Evidence]], show: int) -> None:
    """Each pattern of each rule: the blocks of its language, of the rival, of the rest."""
    print("\n| language / rival | pattern | own | rival's | others |")
    print("|---|---|---:|---:|---|")
    for (language, rival), patterns in sorted(pair_patterns().items()):
        for text in patterns:
            pattern = re.compile(text, re.MULTILINE)
            hits: Counter[str] = Counter()
            examples: list[str] = []
            for source, lang, name, ev in items:
                match = pattern.search(ev.content[:4000])
                if match is None:
                    continue
                hits[lang] += 1
                if lang == rival and len(examples) < show:
                    examples.append(f"{source} {name}: {match.group(0).strip()[:50]!r}")
            others = {k: v for k, v in hits.most_common() if k not in (language, rival)}
            print(
                f"| {language} / {rival} | `{text[:60]}` | {hits[language]} | {hits[rival]} "
                f"| {sum(others.values())} {dict(list(others.items())[:5])} |"
            )
            for example in examples:
                print(f"      {example}")


def rule_fires(items: list[tuple[str, str, str, Evidence]], show: int) -> None:
    """Each rule as a whole (any of its patterns): the blocks of its own language it reads, and
    those of its rival, by half; a rival's block it reads would switch a right answer whenever
    the model ranks the rule's language close."""
    print("\n| language / rival | own blocks | rival's blocks (tune / check) |")
    print("|---|---:|---:|")
    for (language, rival), patterns in sorted(pair_patterns().items()):
        # the rule's one regex, as `_pairs` compiles it
        rule = re.compile("|".join(f"(?:{p})" for p in patterns), re.MULTILINE)
        own = [ev for _, lang, _, ev in items if lang == language]
        theirs = [(source, name, ev) for source, lang, name, ev in items if lang == rival]
        own_hits = sum(1 for ev in own if rule.search(ev.content[:4000]))
        hits = [(s, n) for s, n, ev in theirs if rule.search(ev.content[:4000])]
        tune = sum(1 for source, _ in hits if half_of(source) == "tune")
        print(
            f"| {language} / {rival} | {own_hits} of {len(own)} "
            f"| {len(hits)} of {len(theirs)} ({tune} / {len(hits) - tune}) |"
        )
        for source, name in hits[:show]:
            print(f"      {source} {name}")


if __name__ == "__main__":
    main()
