"""The other fences of a source weigh on a bare block's language (`_document`)."""

from __future__ import annotations

from collections.abc import Mapping

from contextd.pipeline.artifacts import (
    document_prior,
    extract_artifacts,
    identify_languages,
    with_document,
)
from contextd.pipeline.types import Document

FENCE = "```"

C_MAIN = """#include <stdio.h>
#include <stdlib.h>

int main(void) {
    char *name = malloc(32);
    printf("%s\\n", name);
    free(name);
    return 0;
}"""

C_HELPER = """static size_t buflen(const struct buf *b) {
    return b->len;
}"""

# Calls of a C string library, with nothing of C's own: alone, the model reads it as Java.
CALLS = """b = bufempty();
b = bufcat(b,"foo");
b = bufcat(b,"bar");
b = bufcat(b,"123");"""

PYTHON = """import requests

def fetch(url):
    return requests.get(url).json()"""


def test_the_prior_is_the_share_of_each_language_among_the_neighbours() -> None:
    assert document_prior(["c", "c", None, "python"]) == {"c": 2 / 3, "python": 1 / 3}
    assert document_prior([None], ["go", "go"]) == {"go": 1.0}  # labelled fences count
    assert document_prior(["bash", "bash", "rust"]) == {"rust": 1.0}  # shells do not vote
    assert document_prior([None, "bash"]) == {}


def test_a_bare_block_takes_the_language_of_its_neighbours() -> None:
    assert identify_languages([CALLS]) == ["java"]
    together = identify_languages([C_MAIN, CALLS, C_HELPER], document=[True] * 3)
    assert together == ["c", "c", "c"]
    # one bare block among labelled C fences
    assert identify_languages([CALLS], document=[True], labelled=["c", "c"]) == ["c"]


def test_only_the_fences_of_the_document_give_and_take_the_prior() -> None:
    # the ambiguous block is not a member: it keeps its own answer
    assert identify_languages([C_MAIN, CALLS, C_HELPER], document=[True, False, True])[1] == "java"
    # its neighbours are not members: they do not vote
    assert identify_languages([C_MAIN, CALLS, C_HELPER], document=[False, True, False])[1] == "java"


def test_a_block_with_its_own_evidence_keeps_its_language() -> None:
    answers = identify_languages([C_MAIN, PYTHON, C_HELPER, C_MAIN + "\n"], document=[True] * 4)
    assert answers[1] == "python"


def test_a_shell_command_stays_a_shell_command_in_a_python_readme() -> None:
    answers = identify_languages(
        ["pip install requests", PYTHON, PYTHON + "\n"], document=[True] * 3
    )
    assert answers == ["bash", "python", "python"]


def test_with_document_asks_again_only_for_code_that_is_not_a_shell() -> None:
    asked: list[tuple[int, dict[str, float]]] = []

    def decide(index: int, prior: Mapping[str, float]) -> str | None:
        asked.append((index, dict(prior)))
        return "c"

    alone = ["java", None, "bash", "c", "python"]
    answers = with_document(alone, [True, True, True, True, False], [], decide)
    # block 0 sees the others' answers but not its own, nor the non-member's (python);
    # the block without a language and the shell block are not asked again
    assert asked == [(0, {"c": 1.0}), (3, {"java": 1.0})]
    assert answers == ["c", None, "bash", "c", "python"]


def test_extraction_names_a_bare_fence_after_the_labelled_ones() -> None:
    def markdown(*blocks: tuple[str, str]) -> str:
        return "\n".join(
            f"Some prose.\n\n{FENCE}{label}\n{body}\n{FENCE}\n" for label, body in blocks
        )

    def languages(text: str) -> dict[str, str | None]:
        drafts = extract_artifacts(Document(text=text, format="markdown"), [])
        return {draft.content: draft.language for draft in drafts}

    assert languages(markdown(("", CALLS)))[CALLS] == "java"
    text = markdown(("c", C_MAIN), ("", CALLS), ("c", C_HELPER))
    assert languages(text)[CALLS] == "c"
