"""How well does contextd name the language of code that has no fence label?

Chat answers and documentation often carry code without a label (or the label is lost on the
way). This eval cuts real, labelled code into blocks shaped like chat code blocks (5 to 40
lines, starting where a chunk of code starts, never only comments or blank lines), hides the
label, and asks `identify_languages` for each. In the same run it scores two baselines on the
same blocks: magika alone (its best label, mapped to our names) and pygments' `guess_lexer`.

Three kinds of corpus, read from directories (`--corpus DIR...`), never downloaded here:

* ``linguist``: github-linguist/linguist's ``samples/`` (MIT), one folder per language. This is
  the **tuning** corpus: the cues were checked and the weights chosen on it.
* ``fences``: Markdown files whose fences carry a language label, e.g. adambard/
  learnxinyminutes-docs (CC BY-SA 3.0, tuning) or Rosetta Code as Markdown (ad-si/RosettaGit,
  GFDL: the **report** set, with `--recursive`), cut into blocks like the above.
* ``docs``: the documentation report set (`build_doc_fences.py`): whole fences as written,
  several `--corpus` directories, `--per-source` capping a language within one of them.

How to get them (the `fetch` tool or any git clone gives a git directory):

    git --git-dir=LINGUIST.git archive HEAD samples | tar -x -C /tmp/langcorp/linguist
    git --git-dir=LXYM.git archive HEAD | tar -x -C /tmp/langcorp/lxym
    git --git-dir=ROSETTAGIT.git archive HEAD content | tar -x -C /tmp/langcorp/rosetta
    python evals/language_id.py --kind linguist --corpus /tmp/langcorp/linguist/samples
    python evals/language_id.py --kind fences --corpus /tmp/langcorp/lxym

To score two checkouts on the very same blocks: `--save-pairs P.json` writes the (language,
block) pairs after the cut (`--no-score` stops there, so a new held-out set is fixed before any
figure is seen), and `--load-pairs P.json` scores saved pairs with the `identify_languages` of
whatever `PYTHONPATH` gives (`evals/score_heldout.sh CHECKOUT DIR` does it for the four
held-out sets).

What a user gets also depends on the prose before a fence: the pipeline reads a file named in
the line that introduces a block (`identify_languages(contents, intros=...)`). So for the
documentation sets (`--kind docs`) `--save-pairs P.json` also writes a sidecar
`P.before.json`, aligned with the pairs: for each block, the document text between the end of
the previous fence (or the document's start) and its opening line, at most its last 600
characters. The pairs file stays as it was (its sha256 can still be checked). `--load-pairs
P.json --with-context` reads the sidecar and gives each block the intro the pipeline would
(`intro_of`: the last non-blank line of that text), scores the block-only run beside it on the
same blocks, and prints how many blocks have an intro, name a file or a language, and changed
(`context_counts`). Rosetta's pieces get no sidecar: they are cut out of whole programs, and
its wiki headers name the language, no realistic context.

Languages are compared after `canonical_language` and the folding below (JSX is JavaScript,
Racket is Scheme...). Only languages with at least `--min-blocks` blocks are reported; the
overall figure is the mean over blocks, with at most `--per-language` blocks per language so
that no language dominates, and the macro mean over languages is printed beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import document_sidecar
from artifacts_eval import pygments_language
from fence_walk import context_of, fences_with_before, intro_of

from contextd.pipeline.artifacts import (
    canonical_language,
    identify_languages,
    langmodel,
    language_evidence,
    named_file_language,
)

# Folders of Linguist's samples/ -> our canonical names (folders not listed are skipped).
LINGUIST: dict[str, str] = {
    "Python": "python",
    "JavaScript": "javascript",
    "TypeScript": "typescript",
    "TSX": "typescript",
    "Shell": "bash",
    "ShellSession": "bash",
    "PowerShell": "powershell",
    "Batchfile": "batch",
    "C": "c",
    "C++": "cpp",
    "C#": "csharp",
    "Java": "java",
    "Kotlin": "kotlin",
    "Scala": "scala",
    "Go": "go",
    "Rust": "rust",
    "Swift": "swift",
    "Ruby": "ruby",
    "PHP": "php",
    "Lua": "lua",
    "R": "r",
    "Dart": "dart",
    "SQL": "sql",
    "PLpgSQL": "sql",
    "TSQL": "sql",
    "PLSQL": "sql",
    "HTML": "html",
    "CSS": "css",
    "SCSS": "scss",
    "XML": "xml",
    "JSON": "json",
    "YAML": "yaml",
    "TOML": "toml",
    "INI": "ini",
    "Dockerfile": "dockerfile",
    "Makefile": "makefile",
    "GraphQL": "graphql",
    "Protocol Buffer": "protobuf",
    "HCL": "hcl",
    "Diff": "diff",
    "MATLAB": "matlab",
    "Scheme": "scheme",
    "Racket": "scheme",
    "Clojure": "clojure",
    "Common Lisp": "lisp",
    "Emacs Lisp": "lisp",
    "Elixir": "elixir",
    "Erlang": "erlang",
    "Haskell": "haskell",
    "Perl": "perl",
    "Julia": "julia",
    "Nginx": "nginx",
    "OCaml": "ocaml",
    "F#": "fsharp",
    "Objective-C": "objective-c",
    "Groovy": "groovy",
    "TeX": "latex",
    "Fortran": "fortran",
    "Less": "less",
}
# Names folded together before comparing (a label of one counts as the other).
FOLD = {
    "jsx": "javascript",
    "tsx": "typescript",
    "racket": "scheme",
    "terraform": "hcl",
    "gradle": "groovy",
    "fish": "bash",
}
_NOT_CODE = frozenset({"text", "markdown", "csv"})
# Words of an intro read as a language's name (`context_counts`): letters, digits, + # - .
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9+#.-]*[A-Za-z0-9+#]|[A-Za-z]")
# Aliases that are also common English words in prose: not read as a language's name, in any
# case ("Make sure..."); "go", "c" and "r" are not read in lower case only ("Go", "C" are).
_PROSE_WORDS = frozenset({"make", "console", "terminal", "output", "text", "env", "d"})
_COMMENT_RE = re.compile(r"^\s*(?:#|//|--|;|%|/\*|\*|<!--|\"\"\"|'|!|rem\b|REM\b)")
_MAX_LINES = 40
_MIN_LINES = 5
_DOC_MAX_LINES = 60

# (gold language, block, text before its fence or None where the corpus has no documents)
Item = tuple[str, str, str | None]


def fold(language: str | None) -> str | None:
    """Our name for a label, with look-alikes folded (None for prose and unknown labels)."""
    language = canonical_language(language) or (language.lower() if language else None)
    language = FOLD.get(language or "", language)
    return None if language in _NOT_CODE else language


# --- corpora ---------------------------------------------------------------------------------


def linguist_files(root: Path) -> Iterator[tuple[str, str, str]]:
    """(language, name, text) for every sample file of a language we report on."""
    for folder in sorted(root.iterdir()):
        language = LINGUIST.get(folder.name)
        if language is None or not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                yield language, f"{folder.name}/{path.relative_to(folder)}", text


def fenced_files(root: Path, recursive: bool) -> Iterator[tuple[str, str, str]]:
    """(language, name, body) for every labelled fence of the Markdown files under `root`.

    Without `recursive`, only top-level documents are read (learnxinyminutes keeps its
    translations, which repeat the same code, in subfolders). Files come in an order fixed by
    a hash of their name, so a per-language cap takes a spread of documents.
    """
    for language, name, body, _before in labelled_fences(root, recursive):
        yield language, name, body


def labelled_fences(root: Path, recursive: bool) -> Iterator[tuple[str, str, str, str]]:
    """`fenced_files` with, for each fence, the prose before it (`fences_with_before`)."""
    for language, name, body, before, _path in located_fences(root, recursive):
        yield language, name, body, before


def located_fences(root: Path, recursive: bool) -> Iterator[tuple[str, str, str, str, Path]]:
    """`labelled_fences`, each with the document it is in (`document_sidecar`)."""
    paths = root.rglob("*.md") if recursive else root.glob("*.md")
    for path in sorted(paths, key=lambda p: hashlib.sha256(str(p).encode()).hexdigest()):
        text = path.read_text(encoding="utf-8", errors="replace")
        for line, info, body, before in fences_with_before(text):
            info = info.strip("{}.")
            if info.startswith("codebyte/"):  # Codecademy's runnable blocks: codebyte/python
                info = info.removeprefix("codebyte/")
            language = fold(info or None)
            if language is not None:
                yield language, f"{path.name}:{line}", body, before, path


def sidecar(pairs_path: Path) -> Path:
    """Where the prose before each block of a pairs file is kept: P.json -> P.before.json."""
    return pairs_path.with_name(pairs_path.name.removesuffix(".json") + ".before.json")


def unseen_blocks(body: str, seen: set[str]) -> Iterator[str]:
    """`whole_blocks(body)` not met before (by sha256, remembered in `seen`): the same fence
    copied into several documents counts once."""
    for block in whole_blocks(body):
        digest = hashlib.sha256(block.encode()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            yield block


def whole_blocks(text: str) -> list[str]:
    """A documentation fence as it was written (cut at 60 lines), when it is code.

    For the documentation set (`--kind docs`): blocks of at least 3 non-blank lines, most of
    them not comments; shorter ones (a lone command, one call) carry too little to name.
    """
    chunk = text.replace("\r\n", "\n").split("\n")[:_DOC_MAX_LINES]
    while chunk and not chunk[-1].strip():
        chunk.pop()
    while chunk and not chunk[0].strip():
        chunk.pop(0)
    filled = [line for line in chunk if line.strip()]
    code = [line for line in filled if not _COMMENT_RE.match(line)]
    return ["\n".join(chunk)] if len(filled) >= 3 and len(code) * 2 >= len(filled) else []


def blocks(name: str, text: str, limit: int) -> list[str]:
    """Cut one file into up to `limit` chat-sized blocks, at deterministic places.

    A block starts on a line that is code (not blank, not a comment), ends after 5 to 40
    lines, and is kept only when most of its lines are code rather than comments.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() and not _COMMENT_RE.match(line)]
    if not starts:
        return []
    seed = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    out: list[str] = []
    cursor = 0
    for n in range(limit * 3):
        if len(out) >= limit:
            break
        candidates = [s for s in starts if s >= cursor]
        if not candidates:
            break
        start = candidates[(seed >> (n % 16)) % min(len(candidates), 8)]
        length = _MIN_LINES + (seed // (n + 1)) % (_MAX_LINES - _MIN_LINES + 1)
        chunk = lines[start : start + length]
        while chunk and not chunk[-1].strip():
            chunk.pop()
        cursor = start + max(len(chunk), 1)
        code = [line for line in chunk if line.strip() and not _COMMENT_RE.match(line)]
        if len(chunk) >= 3 and len(code) * 2 >= len([c for c in chunk if c.strip()]):
            out.append("\n".join(chunk))
    return out


def load(
    kind: str,
    corpus: Path,
    per_file: int,
    per_language: int,
    recursive: bool = False,
    located: list[tuple[Path, int]] | None = None,
) -> list[Item]:
    """(gold language, block, text before it) items, at most `per_language` per language.

    The text before is the document's prose before the fence for `docs` (a whole fence is one
    block) and None for the other kinds (a cut piece of code has no introduction). `located`,
    when given, receives each item's document and the line of its opening fence."""
    files: Iterator[tuple[str, str, str, str | None, Path | None]] = (
        ((language, name, text, None, None) for language, name, text in linguist_files(corpus))
        if kind == "linguist"
        else located_fences(corpus, recursive or kind == "docs")
    )
    taken: Counter[str] = Counter()
    per_document: Counter[str] = Counter()
    pairs: list[Item] = []
    for language, name, text, before, path in files:
        if taken[language] >= per_language:
            continue
        if kind == "docs":  # whole fences, at most `per_file` from one document
            if language == "bash" and "Codecademy" in corpus.name:
                continue  # Codecademy writes program output in ```shell fences
            document = name.rsplit(":", 1)[0]
            if per_document[document] >= per_file:
                continue
            found = whole_blocks(text)
            per_document[document] += len(found)
        else:
            found = blocks(name, text, per_file)
            before = None
        for block in found:
            if taken[language] >= per_language:
                break
            taken[language] += 1
            pairs.append((language, block, before))
            if located is not None and path is not None:
                located.append((path, int(name.rsplit(":", 1)[1])))
    return pairs


_Row = TypeVar("_Row", bound=tuple[Any, ...])


def capped(pairs: list[_Row], per_language: int) -> list[_Row]:
    """The first `per_language` items of each language (the first field), in order."""
    taken: Counter[str] = Counter()
    out = []
    for item in pairs:
        taken[item[0]] += 1
        if taken[item[0]] <= per_language:
            out.append(item)
    return out


# --- systems ---------------------------------------------------------------------------------


def magika_alone(block: str) -> str | None:
    _, scores, _ = language_evidence(block)
    return max(scores, key=lambda k: scores[k]) if scores else None


def score(
    name: str, predict: Callable[[Sequence[str]], list[str | None]], pairs: list[tuple[str, str]]
) -> dict[str, object]:
    started = time.perf_counter()
    predicted = [fold(p) for p in predict([block for _, block in pairs])]
    seconds = time.perf_counter() - started
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for (gold, _), guess in zip(pairs, predicted, strict=True):
        per[gold][1] += 1
        if guess == gold:
            per[gold][0] += 1
        else:
            confusion[gold][guess or "none"] += 1
    correct = sum(c for c, _ in per.values())
    return {
        "system": name,
        "accuracy": round(correct / len(pairs), 3),
        "macro": round(sum(c / n for c, n in per.values()) / len(per), 3),
        "per_language": {k: v for k, v in sorted(per.items())},
        "confusion": {k: dict(v.most_common(4)) for k, v in confusion.items()},
        "seconds": round(seconds, 1),
        "predicted": predicted,  # for `context_counts`; dropped before printing
    }


def context_counts(
    pairs: Sequence[tuple[str, str]],
    intros: Sequence[str | None],
    with_context: Sequence[str | None],
    block_only: Sequence[str | None],
) -> Counter[str]:
    """How much the prose before the fences can give, and what it gave.

    Per block: does it have an intro at all; does the intro name a file
    (`named_file_language` with an empty block, so only the intro counts) and is that file of
    the block's language; does the block's own first line name a file (the pipeline reads it
    too when intros are given); does the intro name a language by its name: a word
    (`_WORD_RE`) that `fold` maps to a language, English words among the aliases not counted
    (`_PROSE_WORDS`; "go", "c", "r" in lower case); and how the answer changed from the
    block-only run.
    """
    counts: Counter[str] = Counter()
    for (gold, block), intro, given, plain in zip(
        pairs, intros, with_context, block_only, strict=True
    ):
        counts["blocks"] += 1
        first = named_file_language(block, None)
        if first is not None:
            counts["first line names a file"] += 1
            counts["first line names a file of the block's language"] += fold(first) == gold
        if given != plain:
            counts["answer changed by context"] += 1
            counts["changed: now right"] += given == gold
            counts["changed: was right"] += plain == gold
            counts["changed by the first line" if first else "changed by the intro"] += 1
            counts[f"changed {gold}: {plain or 'none'} -> {given or 'none'}"] += 1
        if intro is None:
            continue
        counts["has an intro"] += 1
        named = named_file_language("", intro)
        if named is not None:
            counts["intro names a file"] += 1
            counts["intro names a file of the block's language"] += fold(named) == gold
            counts["intro names a file of the block's language, block-only wrong"] += (
                fold(named) == gold != plain
            )
        languages = set()
        for word in _WORD_RE.findall(intro):
            if word.lower() in _PROSE_WORDS or word in ("go", "c", "r"):
                continue
            language = fold(canonical_language(word))
            if language is not None and language != "text":
                languages.add(language)
        if languages:
            counts["intro names a language"] += 1
            counts["intro names the block's language"] += gold in languages
            counts["intro names the block's language and no other"] += languages == {gold}
            counts["intro names the block's language, block-only wrong"] += gold in languages and (
                plain != gold
            )
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=("linguist", "fences", "docs"), required=True)
    parser.add_argument("--corpus", type=Path, nargs="+", default=[])
    parser.add_argument("--per-file", type=int, default=None, help="4 (linguist), 40 (fences)")
    parser.add_argument("--per-language", type=int, default=40)
    parser.add_argument(
        "--per-source", type=int, help="at most this many of a language from one --corpus"
    )
    parser.add_argument("--min-blocks", type=int, default=8)
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--recursive", action="store_true", help="fences: read subfolders too")
    parser.add_argument("--save-pairs", type=Path, help="write the (language, block) pairs")
    parser.add_argument(
        "--load-pairs", type=Path, help="score saved pairs (another checkout's very blocks)"
    )
    parser.add_argument("--all-languages", action="store_true", help="also those never named")
    parser.add_argument(
        "--no-score", action="store_true", help="only cut (and --save-pairs): fix a set unseen"
    )
    parser.add_argument("--errors", metavar="LANG", help="print the misread blocks of LANG")
    parser.add_argument(
        "--with-context",
        action="store_true",
        help="--load-pairs: give each block its intro, read from the sidecar P.before.json",
    )
    parser.add_argument(
        "--save-documents",
        action="store_true",
        help="docs, with --save-pairs P.json: also P.document.json, each block's document",
    )
    parser.add_argument(
        "--with-document",
        action="store_true",
        help="--load-pairs: name each block with its whole document (P.document.json)",
    )
    parser.add_argument(
        "--guesslang", type=Path, metavar="DIR", help="also guesslang, installed at DIR"
    )
    args = parser.parse_args(argv)
    per_file = args.per_file or (4 if args.kind == "linguist" else 40)
    per_source = args.per_source or args.per_language
    if (args.with_context or args.with_document) and not args.load_pairs:
        parser.error("--with-context and --with-document read the sidecars of --load-pairs")
    if args.save_documents and (args.kind != "docs" or args.load_pairs or not args.save_pairs):
        parser.error("--save-documents goes with --kind docs, --corpus and --save-pairs")
    located: list[tuple[Path, int]] = []
    items = [
        item
        for corpus in ([] if args.load_pairs else args.corpus)
        for item in load(args.kind, corpus, per_file, per_source, args.recursive, located)
    ]
    # Each item with what it needs beside it: its place in a document when the cut records
    # one, its document read from the sidecar when scoring with it.
    extra: list[object] = list(located) if located else [None] * len(items)
    rows = capped(
        [(*item, more) for item, more in zip(items, extra, strict=True)], args.per_language
    )
    if args.load_pairs:
        loaded = json.loads(args.load_pairs.read_text())
        befores: list[str | None] = [None] * len(loaded)
        if args.with_context:
            befores = json.loads(sidecar(args.load_pairs).read_text())
            if len(befores) != len(loaded):
                parser.error(f"{sidecar(args.load_pairs)} is not aligned with its pairs")
        documents: list[object] = [None] * len(loaded)
        if args.with_document:
            documents = list(document_sidecar.load(args.load_pairs, len(loaded)))
        rows = [
            (g, b, before, document)
            for (g, b), before, document in zip(loaded, befores, documents, strict=True)
        ]
    counts = Counter(row[0] for row in rows)
    rows = [row for row in rows if counts[row[0]] >= args.min_blocks]
    if not args.all_languages:  # languages contextd cannot name at all are not its errors
        named = langmodel.named_languages()
        skipped = sorted({row[0] for row in rows if row[0] not in named})
        rows = [row for row in rows if row[0] in named]
        print(f"skipped (contextd names no such language): {', '.join(skipped) or '-'}")
    if args.errors:
        rows = [row for row in rows if row[0] == args.errors]
    items = [(g, b, before) for g, b, before, _ in rows]
    pairs = [(g, b) for g, b, _ in items]
    intros = [intro_of(before) for _, _, before in items]
    contexts = [context_of(before) for _, _, before in items]
    if args.save_pairs:  # to score another version of the code on the very same blocks
        args.save_pairs.write_text(json.dumps(pairs))
        if args.kind == "docs" and not args.load_pairs:  # the prose before each fence
            sidecar(args.save_pairs).write_text(json.dumps([before for _, _, before in items]))
        if args.save_documents:
            places = [row[3] for row in rows]
            document_sidecar.save(args.save_pairs, places)  # type: ignore[arg-type]
    if args.no_score:  # the counts only: a new held-out set is fixed before any score
        counts = Counter(language for language, _ in pairs)
        print(f"{len(pairs)} blocks, {len(counts)} languages")
        print(", ".join(f"{language} {n}" for language, n in sorted(counts.items())))
        return 0
    systems: list[tuple[str, Callable[[Sequence[str]], list[str | None]]]] = [
        ("contextd", lambda bs: identify_languages(bs)),
    ]
    if args.with_context:  # the block-only run stays beside it, on the same blocks
        systems.insert(
            0,
            (
                "contextd+context",
                lambda bs: identify_languages(bs, intros=intros, contexts=contexts),
            ),
        )
    if args.with_document:  # what a user gets who pastes the whole document, labels lost
        in_documents = [row[3] for row in rows if isinstance(row[3], dict)]
        systems.insert(
            0,
            (
                "contextd+context+document" if args.with_context else "contextd+document",
                lambda bs: document_sidecar.identify_in_documents(
                    bs, in_documents, args.with_context
                ),
            ),
        )
    if not args.no_baselines:
        systems.append(("magika alone", lambda bs: [magika_alone(b) for b in bs]))
        systems.append(("pygments guess_lexer", lambda bs: [pygments_language(b) for b in bs]))
    if args.guesslang:  # evals/guesslang.py: Node.js and an npm package, installed by hand
        from guesslang import guesslang_languages

        systems.append(("guesslang", lambda bs: guesslang_languages(bs, args.guesslang)))
    results = [score(name, predict, pairs) for name, predict in systems]
    predicted = [result.pop("predicted") for result in results]
    if args.errors:
        for (gold, block), intro, context in zip(pairs, intros, contexts, strict=True):
            given = (
                identify_languages([block], intros=[intro], contexts=[context])
                if args.with_context
                else identify_languages([block])
            )
            guess = fold(given[0])
            if guess != gold:
                print(f"--- {gold} -> {guess}\n{block}\n")
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    report(args.kind, pairs, results)
    if args.with_context:
        assert isinstance(predicted[0], list) and isinstance(predicted[1], list)
        counts = context_counts(pairs, intros, predicted[0], predicted[1])
        print("context: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


def report(kind: str, pairs: list[tuple[str, str]], results: list[dict[str, object]]) -> None:
    languages = sorted({g for g, _ in pairs})
    print(f"corpus: {kind}; {len(pairs)} blocks, {len(languages)} languages")
    header = f"{'language':<14}{'n':>4}" + "".join(f"{r['system']:>22}" for r in results)
    print(header)
    for language in languages:
        row = f"{language:<14}"
        for index, result in enumerate(results):
            per = result["per_language"]
            assert isinstance(per, dict)
            correct, n = per[language]
            row += f"{n:>4}" if index == 0 else ""
            row += f"{correct / n:>22.2f}"
        print(row)
    for result in results:
        print(
            f"{result['system']}: accuracy {result['accuracy']}, macro {result['macro']},"
            f" {result['seconds']} s"
        )
    ours = results[0]
    per = ours["per_language"]
    confusion = ours["confusion"]
    assert isinstance(per, dict) and isinstance(confusion, dict)
    worst = sorted(per, key=lambda k: per[k][0] / per[k][1])[:8]
    print("worst languages (contextd), with what they were taken for:")
    for language in worst:
        correct, n = per[language]
        print(f"  {language} {correct}/{n}: {confusion.get(language, {})}")


if __name__ == "__main__":
    sys.exit(main())
