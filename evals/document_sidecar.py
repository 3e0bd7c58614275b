"""The other fences of each block's document, for scoring the document prior on saved pairs.

`language_id.py --save-pairs P.json --save-documents` (documentation sets, `--kind docs`)
writes `P.document.json` beside the pairs, aligned with them: for each block, every fence of
its document with a body (`[body, prose before it]`, labels dropped, in order) and `at`, the
index of the block's own fence among them. The pairs file is written as before, so its
sha256 still says the blocks are the documented ones.

`language_id.py --load-pairs P.json --with-document` scores what the pipeline answers when the
whole document is pasted with every label lost: all its fences are named together
(`identify_languages(..., document=...)`), each with the others' answers as a prior, and the
block's own fence holds the block exactly as the block-only run sees it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from fence_walk import context_of, fences_with_before, intro_of

from contextd.pipeline.artifacts import identify_languages

Located = tuple[Path, int]  # a document and the line of a fence's opening line


def path_of(pairs_path: Path) -> Path:
    """Where the documents of a pairs file are kept: P.json -> P.document.json."""
    return pairs_path.with_name(pairs_path.name.removesuffix(".json") + ".document.json")


def save(pairs_path: Path, located: Sequence[Located]) -> None:
    """Write the sidecar for the blocks found at `located`, in the pairs' order."""
    cache: dict[Path, list[tuple[int, str, str]]] = {}
    out: list[dict[str, object]] = []
    for document, line in located:
        if document not in cache:
            text = document.read_text(encoding="utf-8", errors="replace")
            cache[document] = [
                (start, body, before)
                for start, _info, body, before in fences_with_before(text)
                if body.strip()
            ]
        fences = cache[document]
        at = next(index for index, (start, _, _) in enumerate(fences) if start == line)
        out.append({"fences": [[body, before] for _, body, before in fences], "at": at})
    path_of(pairs_path).write_text(json.dumps(out))


def load(pairs_path: Path, count: int) -> list[dict[str, object]]:
    documents: list[dict[str, object]] = json.loads(path_of(pairs_path).read_text())
    if len(documents) != count:
        raise ValueError(f"{path_of(pairs_path)} is not aligned with its pairs")
    return documents


def identify_in_documents(
    blocks: Sequence[str], documents: Sequence[dict[str, object]], with_context: bool
) -> list[str | None]:
    """Each block's answer when its whole document is named at once (see the docstring);
    a document holding several blocks is named once."""
    answers: dict[str, list[str | None]] = {}
    out: list[str | None] = []
    for block, document in zip(blocks, documents, strict=True):
        fences = document["fences"]
        at = document["at"]
        assert isinstance(fences, list) and isinstance(at, int)
        contents = [str(body) for body, _ in fences]
        contents[at] = block
        key = json.dumps(contents)
        if key not in answers:
            befores = [before for _, before in fences]
            answers[key] = identify_languages(
                contents,
                intros=[intro_of(before) for before in befores] if with_context else None,
                contexts=[context_of(before) for before in befores] if with_context else None,
                document=[True] * len(contents),
            )
        out.append(answers[key][at])
    return out
