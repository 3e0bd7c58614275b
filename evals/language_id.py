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

from artifacts_eval import pygments_language

from contextd.pipeline.artifacts import (
    canonical_language,
    identify_languages,
    langmodel,
    language_evidence,
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
_FENCE_RE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_COMMENT_RE = re.compile(r"^\s*(?:#|//|--|;|%|/\*|\*|<!--|\"\"\"|'|!|rem\b|REM\b)")
_MAX_LINES = 40
_MIN_LINES = 5
_DOC_MAX_LINES = 60


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
    paths = root.rglob("*.md") if recursive else root.glob("*.md")
    for path in sorted(paths, key=lambda p: hashlib.sha256(str(p).encode()).hexdigest()):
        text = path.read_text(encoding="utf-8", errors="replace")
        for line, info, body in fences(text):
            info = info.strip("{}.")
            if info.startswith("codebyte/"):  # Codecademy's runnable blocks: codebyte/python
                info = info.removeprefix("codebyte/")
            language = fold(info or None)
            if language is not None:
                yield language, f"{path.name}:{line}", body


def fences(text: str) -> Iterator[tuple[int, str, str]]:
    """(line number of the opening fence, its info string, the body) of each fenced block of a
    Markdown text; an unclosed fence runs to the end. Callers fold the info string their way."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE_RE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence = match.group("fence")
        end = index + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        yield index + 1, match.group("info"), "\n".join(lines[index + 1 : end])
        index = end + 1


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
    kind: str, corpus: Path, per_file: int, per_language: int, recursive: bool = False
) -> list[tuple[str, str]]:
    """(gold language, block) pairs, at most `per_language` per language."""
    files = (
        linguist_files(corpus)
        if kind == "linguist"
        else fenced_files(corpus, recursive or kind == "docs")
    )
    taken: Counter[str] = Counter()
    per_document: Counter[str] = Counter()
    pairs: list[tuple[str, str]] = []
    for language, name, text in files:
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
        for block in found:
            if taken[language] >= per_language:
                break
            taken[language] += 1
            pairs.append((language, block))
    return pairs


def capped(pairs: list[tuple[str, str]], per_language: int) -> list[tuple[str, str]]:
    """The first `per_language` pairs of each language, in order."""
    taken: Counter[str] = Counter()
    out = []
    for language, block in pairs:
        taken[language] += 1
        if taken[language] <= per_language:
            out.append((language, block))
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
    }


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
    args = parser.parse_args(argv)
    per_file = args.per_file or (4 if args.kind == "linguist" else 40)
    per_source = args.per_source or args.per_language
    pairs = [
        pair
        for corpus in ([] if args.load_pairs else args.corpus)
        for pair in load(args.kind, corpus, per_file, per_source, args.recursive)
    ]
    pairs = capped(pairs, args.per_language)  # the cap holds over all the corpora together
    if args.load_pairs:
        pairs = [(g, b) for g, b in json.loads(args.load_pairs.read_text())]
    counts = Counter(language for language, _ in pairs)
    pairs = [(g, b) for g, b in pairs if counts[g] >= args.min_blocks]
    if not args.all_languages:  # languages contextd cannot name at all are not its errors
        named = langmodel.named_languages()
        skipped = sorted({g for g, _ in pairs if g not in named})
        pairs = [(g, b) for g, b in pairs if g in named]
        print(f"skipped (contextd names no such language): {', '.join(skipped) or '-'}")
    if args.errors:
        pairs = [(g, b) for g, b in pairs if g == args.errors]
    if args.save_pairs:  # to score another version of the code on the very same blocks
        args.save_pairs.write_text(json.dumps(pairs))
    if args.no_score:  # the counts only: a new held-out set is fixed before any score
        counts = Counter(language for language, _ in pairs)
        print(f"{len(pairs)} blocks, {len(counts)} languages")
        print(", ".join(f"{language} {n}" for language, n in sorted(counts.items())))
        return 0
    systems: list[tuple[str, Callable[[Sequence[str]], list[str | None]]]] = [
        ("contextd", lambda bs: identify_languages(bs)),
    ]
    if not args.no_baselines:
        systems.append(("magika alone", lambda bs: [magika_alone(b) for b in bs]))
        systems.append(("pygments guess_lexer", lambda bs: [pygments_language(b) for b in bs]))
    results = [score(name, predict, pairs) for name, predict in systems]
    if args.errors:
        for gold, block in pairs:
            guess = fold(identify_languages([block])[0])
            if guess != gold:
                print(f"--- {gold} -> {guess}\n{block}\n")
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    report(args.kind, pairs, results)
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
