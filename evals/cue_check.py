"""Which syntax cues fire on other languages' ordinary code, and what the pipeline names?

A cue of `_cues.py` is meant to fire on its own language only: "no cue that fires on other
languages' ordinary code" (issue 14 part 3). This script cuts **tuning** code into blocks
(never a held-out set of `evals/data/doc_fences/SOURCES.md`), and prints, for the languages
asked (`--languages`, default GraphQL, HCL and Dockerfile):

* per language: its blocks and how many `identify_languages` names right; how many blocks of
  other languages it names as that language (the wrong fires);
* per cue of those languages (each alternative of a `_cues` call on its own): the blocks of
  its own language it fires on, and those of every other language (with examples: `--show`).

Corpora (read from directories, never downloaded here):

* `--linguist DIR`: Linguist's `samples/`, **every** folder (the ones `language_id.LINGUIST`
  does not report are negatives under their own name); a file gives its first 60 lines as one
  block (`language_id.whole_blocks`) and up to 3 chat-sized cuts (`language_id.blocks`).
* `--fences DIR...`: labelled fences of the Markdown (`.md`, `.mdx`) files under DIR, whole
  (`whole_blocks`: 3+ non-blank lines, cut at 60), labels folded by `language_id.fold`;
  `--top-level DIR...` reads only DIR's own files (learnxinyminutes: its translations repeat
  the code).
* `--files LANGUAGE:DIR:NAME...`: files called NAME under DIR (e.g. real Dockerfiles).

Identical blocks count once. `--save P.json` keeps the answers; `--compare P.json` prints
which answers changed against an earlier run (another checkout on PYTHONPATH, same blocks).

    PYTHONPATH=src python evals/cue_check.py --linguist /tmp/langcues/linguist/samples \\
        --top-level /tmp/langcues/lxym --fences /tmp/langcues/gqlgen ... --save after.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from fence_walk import fences
from language_id import LINGUIST, blocks, fold, whole_blocks

from contextd.pipeline.artifacts import (
    CUE_DECIDES,
    CUES,
    canonical_language,
    identify_languages,
)

_SKIP_FOLDERS = {"Terraform Template"}  # templates: text with HCL interpolations, not HCL


def linguist_blocks(root: Path) -> Iterator[tuple[str, str, str]]:
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name in _SKIP_FOLDERS:
            continue
        language = LINGUIST.get(folder.name) or fold(folder.name) or folder.name.lower()
        language = fold(canonical_language(language) or language) or language
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            name = f"linguist:{folder.name}/{path.name}"
            for block in [*whole_blocks(text), *blocks(name, text, 3)]:
                yield language, name, block


def fence_blocks(root: Path, recursive: bool) -> Iterator[tuple[str, str, str]]:
    paths = [
        p
        for pattern in ("*.md", "*.mdx")
        for p in (root.rglob(pattern) if recursive else root.glob(pattern))
    ]
    for path in sorted(paths):
        if "vendor" in path.parts or "node_modules" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for line, info, body in fences(text):
            language = fold(info.strip("{}.") or None)
            if language is None:
                continue
            for block in whole_blocks(body):
                yield language, f"{root.name}:{path.relative_to(root)}:{line}", block


def named_files(spec: str) -> Iterator[tuple[str, str, str]]:
    language, folder, name = spec.split(":", 2)
    root = Path(folder)
    for path in sorted(root.rglob(name)):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for block in whole_blocks(text):
                yield language, f"{root.name}:{path.relative_to(root)}", block


def alternatives() -> list[tuple[str, str, re.Pattern[str]]]:
    """Every alternative of every cue, on its own: (language, pattern text, compiled)."""
    out = []
    for cue in CUES:
        text = cue.pattern.pattern
        parts = text[3:-1].split(")|(?:") if text.startswith("(?:") else [text]
        for part in parts:
            out.append((cue.language, part, re.compile(part, cue.pattern.flags)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--linguist", type=Path)
    parser.add_argument("--fences", type=Path, nargs="*", default=[])
    parser.add_argument("--top-level", type=Path, nargs="*", default=[])
    parser.add_argument("--files", nargs="*", default=[], metavar="LANGUAGE:DIR:NAME")
    parser.add_argument("--languages", nargs="*", default=["graphql", "hcl", "dockerfile"])
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--show", type=int, default=3, help="examples of wrong fires per cue")
    parser.add_argument("--no-magika", action="store_true")
    parser.add_argument(
        "--lead",
        nargs="*",
        default=[],
        metavar="LANGUAGE=FACTOR,...",
        help="sweep `_cues.CUE_DECIDES` (only the lead table is printed, per factor)",
    )
    parser.add_argument(
        "--only-fired",
        action="store_true",
        help="only blocks of the asked languages or where one of their cues fires (faster)",
    )
    args = parser.parse_args()

    corpus: list[tuple[str, str, str]] = []
    if args.linguist:
        corpus += linguist_blocks(args.linguist)
    for root in args.fences:
        corpus += fence_blocks(root, recursive=True)
    for root in args.top_level:
        corpus += fence_blocks(root, recursive=False)
    for spec in args.files:
        corpus += named_files(spec)
    seen: set[str] = set()
    unique = []
    for language, name, block in corpus:
        key = hashlib.sha256(block.encode()).hexdigest()[:16]
        if key not in seen:
            seen.add(key)
            unique.append((key, language, name, block))
    if args.only_fired:
        patterns = [p for lang, _, p in alternatives() if lang in args.languages]
        unique = [
            u
            for u in unique
            if u[1] in args.languages or any(p.search(u[3][:1500]) for p in patterns)
        ]
    counts = Counter(language for _, language, _, _ in unique)
    print(
        f"{len(unique)} blocks, {len(counts)} languages; asked: "
        + ", ".join(f"{lang} {counts[lang]}" for lang in args.languages),
        file=sys.stderr,
    )

    for spec in args.lead:
        language, factors = spec.split("=")
        for factor in factors.split(","):
            CUE_DECIDES[language] = float(factor)
            named = {
                k: identify_languages([b], model_budget=0 if args.no_magika else None)[0]
                for k, _, _, b in unique
            }
            own = [k for k, lang, _, _ in unique if lang == language]
            right = sum(1 for k in own if named[k] == language)
            wrong = Counter(
                lang for k, lang, _, _ in unique if lang != language and named[k] == language
            )
            print(
                f"lead {language} {factor}: {right}/{len(own)} right, "
                f"{sum(wrong.values())} wrong {dict(wrong)}"
            )
    if args.lead:
        return

    answers: dict[str, str | None] = {}
    for index, (key, _, _, block) in enumerate(unique):
        answers[key] = identify_languages([block], model_budget=0 if args.no_magika else None)[0]
        if index % 2000 == 1999:
            print(f"  {index + 1} named", file=sys.stderr)

    print("\n| language | blocks | named right | other blocks named as it |")
    print("|---|---:|---:|---:|")
    for lang in args.languages:
        own = [k for k, language, _, _ in unique if language == lang]
        right = sum(1 for k in own if answers[k] == lang)
        wrong_named = [
            (language, name)
            for k, language, name, _ in unique
            if language != lang and answers[k] == lang
        ]
        print(f"| {lang} | {len(own)} | {right} | {len(wrong_named)} |")
        for language, name in wrong_named[: args.show]:
            print(f"    wrong: {language} {name}")
        missed = Counter(answers[k] for k in own if answers[k] != lang)
        print(f"    {lang} read as: {dict(missed.most_common(8))}")

    print("\nCues of the asked languages (each alternative): own blocks it fires on, others")
    for cue_language, text, pattern in alternatives():
        if cue_language not in args.languages:
            continue
        own_hits = 0
        others: Counter[str] = Counter()
        examples: list[str] = []
        for _, language, name, block in unique:
            match = pattern.search(block[:1500])
            if match is None:
                continue
            if language == cue_language:
                own_hits += 1
            else:
                others[language] += 1
                if len(examples) < args.show:
                    examples.append(f"{language} {name}: {match.group(0).strip()[:60]!r}")
        print(
            f"- {cue_language} {text[:70]!r}: own {own_hits}, others {sum(others.values())}"
            f" {dict(others.most_common(6))}"
        )
        for example in examples:
            print(f"      {example}")

    if args.save:
        args.save.write_text(
            json.dumps(
                {k: [language, name, answers[k]] for k, language, name, _ in unique}, indent=0
            )
        )
    if args.compare:
        before = json.loads(args.compare.read_text())
        moved: dict[tuple[str, str | None, str | None], int] = defaultdict(int)
        for k, language, _, _ in unique:
            if k in before and before[k][2] != answers[k]:
                moved[(language, before[k][2], answers[k])] += 1
        print(f"\nAnswers changed against {args.compare} (language: before -> after):")
        fixed = broke = 0
        for (language, old, new), n in sorted(moved.items(), key=lambda kv: -kv[1]):
            fixed += n if new == language else 0
            broke += n if old == language else 0
            print(f"  {n:4d}  {language}: {old} -> {new}")
        print(f"  fixed {fixed}, broke {broke}")


if __name__ == "__main__":
    main()
