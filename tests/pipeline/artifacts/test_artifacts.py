"""Artifact extraction: fenced blocks become typed, titled, de-duplicated artifacts."""

from __future__ import annotations

import pytest

from contextd.domain.enums import ArtifactType
from contextd.pipeline.artifacts import canonical_language, extract_artifacts, parse_fence_label
from contextd.pipeline.types import ArtifactDraft, Document, Turn

FENCE = "```"


def extract(text: str) -> list[ArtifactDraft]:
    """Extract from a plain document (no turns)."""
    return extract_artifacts(Document(text=text, format="markdown"), [])


def only(text: str) -> ArtifactDraft:
    artifacts = extract(text)
    assert len(artifacts) == 1, artifacts
    return artifacts[0]


def block(label: str, body: str, intro: str = "") -> str:
    prefix = f"{intro}\n\n" if intro else ""
    return f"{prefix}{FENCE}{label}\n{body}\n{FENCE}\n"


# --- languages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "language"),
    [
        ("py", "python"),
        ("python3", "python"),
        ("Python", "python"),
        ("js", "javascript"),
        ("node", "javascript"),
        ("ts", "typescript"),
        ("tsx", "tsx"),
        ("sh", "bash"),
        ("shell", "bash"),
        ("zsh", "bash"),
        ("console", "bash"),
        ("yml", "yaml"),
        ("c++", "cpp"),
        ("golang", "go"),
        ("rs", "rust"),
        ("postgresql", "sql"),
        ("gql", "graphql"),
        ("proto", "protobuf"),
        ("graphviz", "dot"),
        ("dockerfile", "dockerfile"),
    ],
)
def test_fence_labels_are_normalized_to_canonical_names(label: str, language: str) -> None:
    assert canonical_language(label) == language
    assert only(block(label, "some_call(argument)")).language == language


@pytest.mark.parametrize(
    ("info", "language", "filename"),
    [
        ("python title=app/main.py", "python", "app/main.py"),
        ("py:src/db.py", "python", "src/db.py"),
        ("{.python}", "python", None),
        ("app/models.ts", "typescript", "app/models.ts"),
        ("elixirish", "elixirish", None),  # unknown but plausible: kept as written
    ],
)
def test_fence_labels_may_carry_a_file_name(
    info: str, language: str | None, filename: str | None
) -> None:
    label = parse_fence_label(info)
    assert (label.language, label.filename) == (language, filename)


def test_the_raw_fence_label_is_kept_in_meta() -> None:
    artifact = only(block("py", "print('hello')"))
    assert artifact.meta == {"fence_language": "py"}
    assert only(block("", "print('hello')")).meta == {}


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ('package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println(1)\n}', "go"),
        ("import os\n\n\ndef main() -> None:\n    print(os.getcwd())", "python"),
        ("#!/usr/bin/env bash\nset -e\necho hi", "bash"),
        ('{"name": "demo", "version": "1.0.0"}', "json"),
        ("fn main() {\n    let mut x = 5;\n    x += 1;\n}", "rust"),
        ("const add = (a, b) => a + b;\nconsole.log(add(1, 2));", "javascript"),
    ],
)
def test_unlabelled_blocks_get_a_guessed_language(body: str, language: str) -> None:
    assert only(block("", body)).language == language


def test_a_short_unlabelled_block_is_not_guessed() -> None:
    assert only(block("", "x = y")).language is None


# --- classification ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("mermaid", "graph TD\n  A --> B"),
        ("plantuml", "@startuml\nAlice -> Bob\n@enduml"),
        ("dot", "digraph G { a -> b }"),
        ("graphviz", "digraph G { a -> b }"),
        ("", "sequenceDiagram\n  Alice->>Bob: hi"),
        ("", "src/\n├── app.py\n├── db.py\n└── tests/\n    └── test_app.py"),
        ("text", "project\n|-- src\n|-- docs\n`-- README.md"),
    ],
)
def test_diagrams(label: str, body: str) -> None:
    assert only(block(label, body)).type is ArtifactType.DIAGRAM


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("sql", "CREATE TABLE users (\n  id SERIAL PRIMARY KEY,\n  email TEXT NOT NULL\n);"),
        ("", "create table if not exists notes (id int);"),
        ("sql", "ALTER TABLE users ADD COLUMN name TEXT;"),
        ("json", '{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}'),
        ("json", '{"type": "object", "properties": {"id": {"type": "integer"}}}'),
        ("graphql", "type User {\n  id: ID!\n  name: String\n}"),
        ("proto", 'syntax = "proto3";\nmessage User {\n  string id = 1;\n}'),
        ("yaml", "openapi: 3.1.0\ninfo:\n  title: Tasks\n  version: 1.0.0"),
        ("json", '{"swagger": "2.0", "info": {"title": "Tasks"}}'),
    ],
)
def test_schemas(label: str, body: str) -> None:
    assert only(block(label, body)).type is ArtifactType.SCHEMA


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("sql", "SELECT id, email FROM users WHERE active;"),  # a query, not DDL
        ("json", '{"name": "demo", "type": "module"}'),  # "type" alone is not JSON Schema
        ("graphql", "query {\n  user(id: 1) {\n    name\n  }\n}"),  # an operation, not SDL
        ("python", 'SQL = "CREATE TABLE t (id int)"\nrun(SQL)'),  # DDL inside code stays code
    ],
)
def test_near_schemas_stay_code(label: str, body: str) -> None:
    assert only(block(label, body)).type is ArtifactType.CODE


def test_a_console_session_is_stored_as_written_with_its_commands_beside_it() -> None:
    body = (
        "$ pip install fastapi\n"
        "Collecting fastapi\n"
        "Successfully installed fastapi\n"
        "$ docker compose up -d"
    )
    artifact = only(block("console", body))
    assert artifact.type is ArtifactType.COMMAND
    assert artifact.content == body  # which lines were typed is part of the transcript
    assert artifact.meta["commands"] == ["pip install fastapi", "docker compose up -d"]
    assert artifact.language == "bash"
    assert artifact.title == "pip install fastapi"


def test_prompted_commands_without_output_lose_only_their_prompt_markers() -> None:
    artifact = only(block("bash", "$ npm install\n\n# then\n$ npm test -- --watch"))
    assert artifact.type is ArtifactType.COMMAND
    assert artifact.content == "npm install\n\n# then\nnpm test -- --watch"


def test_plain_shell_lines_are_commands_and_continuations_stay_together() -> None:
    body = "# build and run\ndocker build -t app . \\\n  --no-cache\ndocker run app"
    artifact = only(block("bash", body))
    assert artifact.type is ArtifactType.COMMAND
    assert artifact.content == body


def test_unlabelled_prompted_lines_are_commands() -> None:
    assert only(block("", "$ npm install\n$ npm test")).type is ArtifactType.COMMAND


def test_a_shell_script_is_code_not_a_command() -> None:
    body = 'for f in *.log; do\n  gzip "$f"\ndone'
    assert only(block("bash", body)).type is ArtifactType.CODE


def test_ordinary_code_is_code() -> None:
    assert only(block("python", "def add(a, b):\n    return a + b")).type is ArtifactType.CODE


# --- titles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "intro",
    [
        "Create `app/main.py`:",
        "**app/main.py**",
        "### app/main.py",
        "Now update app/main.py so that it reads the settings:",
    ],
)
def test_title_is_a_file_name_mentioned_just_before_the_block(intro: str) -> None:
    artifact = only(block("python", "import os\nprint(os.environ)", intro))
    assert artifact.title == "app/main.py"


def test_title_from_a_first_line_file_comment() -> None:
    body = "# file: src/db.py\nimport sqlite3\nconn = sqlite3.connect(':memory:')"
    assert only(block("python", body)).title == "src/db.py"
    assert only(block("ts", "// src/index.ts\nexport const x = 1;")).title == "src/index.ts"


def test_title_from_a_fence_label_file_name() -> None:
    assert only(block("python title=app/cli.py", "print('cli')")).title == "app/cli.py"


def test_a_file_name_in_another_language_does_not_title_the_block() -> None:
    artifact = only(
        block("bash", "$ pytest -q tests/test_main.py", "Run this to test `app/main.py`:")
    )
    assert artifact.title == "pytest -q tests/test_main.py"


@pytest.mark.parametrize(
    ("label", "body", "title"),
    [
        ("python", "import os\n\nasync def fetch_user(user_id):\n    return None", "fetch_user()"),
        ("python", "class UserRepository:\n    pass", "UserRepository"),
        ("js", "export default function renderPage(props) {\n  return null;\n}", "renderPage()"),
        ("ts", "export interface TaskDto {\n  id: string;\n}", "TaskDto"),
        ("sql", "CREATE TABLE IF NOT EXISTS public.tasks (id int);", "public.tasks table"),
        ("go", "func (s *Server) Handle(w http.ResponseWriter) {\n}", "Handle()"),
        ("rust", "pub fn parse_turns(input: &str) -> Vec<Turn> {\n    vec![]\n}", "parse_turns()"),
    ],
)
def test_title_is_the_first_name_the_block_defines(label: str, body: str, title: str) -> None:
    assert only(block(label, body, "Here is the code:")).title == title


def test_title_falls_back_to_the_introducing_sentence() -> None:
    intro = "This loop retries the upload with exponential backoff until it succeeds:"
    artifact = only(block("python", "for attempt in range(5):\n    upload()", intro))
    assert (
        artifact.title == "This loop retries the upload with exponential backoff until it succeeds"
    )


def test_a_long_introducing_sentence_is_shortened_to_80_characters() -> None:
    intro = "First sentence. " + "This explains a very long and winding idea " * 5 + ":"
    title = only(block("python", "x = compute()\ny = x * 2", intro)).title
    assert len(title) <= 80
    assert title.startswith("This explains a very long")
    assert title.endswith("…")


def test_title_falls_back_to_the_language() -> None:
    assert only(block("python", "x = compute()\ny = x * 2")).title == "Python snippet"
    assert only(block("", "x = y")).title == "Code snippet"
    assert only(block("mermaid", "graph LR\n  a --> b")).title == "Mermaid diagram"


def test_a_generic_introduction_is_not_a_title() -> None:
    assert only(block("python", "x = compute()\ny = x * 2", "Here's the code:")).title == (
        "Python snippet"
    )


# --- fences --------------------------------------------------------------------------------


def test_tilde_fences() -> None:
    artifact = only("~~~python\ndef tilde():\n    pass\n~~~\n")
    assert artifact.title == "tilde()"
    assert artifact.content == "def tilde():\n    pass"


def test_a_longer_fence_can_contain_a_shorter_one() -> None:
    text = "````markdown\n# Usage\n```bash\n$ make run\n```\n````\n"
    artifact = only(text)
    assert artifact.language == "markdown"
    assert artifact.content == "# Usage\n```bash\n$ make run\n```"


def test_nested_labelled_fences_do_not_cut_the_outer_block() -> None:
    # Models often write ```markdown with ```python ... ``` inside, all with three backticks.
    text = "```markdown\n# README\n```python\nprint('hi')\n```\nMore docs.\n```\n\nAfter.\n"
    artifact = only(text)
    assert artifact.content == "# README\n```python\nprint('hi')\n```\nMore docs."


def test_an_unbalanced_nested_label_falls_back_to_the_first_closing_fence() -> None:
    # The outer ```markdown is never closed, so the nesting guess cannot balance: the block
    # ends where CommonMark ends it, and the rest of the text is scanned normally.
    text = "```markdown\n```python\nx = 1\n```\n\nText.\n\n```bash\n$ echo b\n```\n"
    assert [a.content for a in extract(text)] == ["```python\nx = 1", "echo b"]


def test_an_unclosed_fence_runs_to_the_end_and_is_flagged() -> None:
    artifact = only("Intro:\n\n```python\ndef cut_off():\n    return 1\n")
    assert artifact.content == "def cut_off():\n    return 1"
    assert artifact.meta["unclosed"] is True


def test_fences_indented_inside_list_items_are_dedented() -> None:
    text = (
        "1. Install:\n\n"
        "   ```bash\n   pip install contextd\n   ```\n"
        "2. Run:\n"
        "   ```bash\n   contextd serve\n   ```\n"
    )
    assert [a.content for a in extract(text)] == ["pip install contextd", "contextd serve"]


def test_a_fence_on_the_list_marker_line() -> None:
    text = "- ```python\n  def listed():\n      pass\n  ```\n"
    assert only(text).content == "def listed():\n    pass"


def test_inline_triple_backticks_are_not_a_fence() -> None:
    assert extract("Use ```code``` sparingly, it is not a block.\n") == []


@pytest.mark.parametrize("body", ["", "   ", "}", "ok\n\n;;"])
def test_empty_and_trivial_blocks_are_skipped(body: str) -> None:
    assert extract(block("python", body)) == []


# --- turns and de-duplication --------------------------------------------------------------


def turn(index: int, text: str, role: str = "assistant") -> Turn:
    return Turn(index=index, speaker=role.title(), role=role, text=text)


def test_identical_blocks_in_several_turns_become_one_artifact() -> None:
    code = "def total(items):\n    return sum(items)"
    turns = [
        turn(0, "Write a total function.", "user"),
        turn(1, block("python", code, "Create `app/totals.py`:")),
        turn(2, "Thanks! Can you show it again?", "user"),
        turn(5, block("py", code + "\n\n", "Again, unchanged:")),
    ]
    artifacts = extract_artifacts(Document(text="", format="chatgpt"), turns)
    assert len(artifacts) == 1
    assert artifacts[0].turn_indexes == (1, 5)
    assert artifacts[0].title == "app/totals.py"  # the first occurrence's title


def test_turns_are_scanned_instead_of_the_document() -> None:
    turns = [turn(3, block("python", "print('from turn')"))]
    document = Document(text=block("python", "print('from document')"), format="chatgpt")
    [artifact] = extract_artifacts(document, turns)
    assert artifact.content == "print('from turn')"
    assert artifact.turn_indexes == (3,)


def test_a_block_right_after_another_has_no_introduction() -> None:
    text = "Create `app/a.py`:\n\n```python\nx = 1\n```\n```python\ny = compute()\nz = y\n```\n"
    assert [a.title for a in extract(text)] == ["app/a.py", "Python snippet"]


def test_documents_have_no_turn_indexes() -> None:
    assert only(block("python", "print(1)")).turn_indexes == ()


def test_extraction_is_deterministic() -> None:
    text = "".join(block(label, f"value_{i} = compute({i})") for i, label in enumerate("ab" * 20))
    assert extract(text) == extract(text)


def test_a_million_words_are_scanned_in_linear_time() -> None:
    chunk = (
        "We talked about the plan for a while and then wrote some code.\n\n"
        + block("python", "def handler(request):\n    return respond(request)")
        + "More prose follows here with a few more words in it.\n\n"
    )
    words_per_chunk = len(chunk.split())
    text = chunk * (1_000_000 // words_per_chunk)
    artifacts = extract(text)
    assert len(artifacts) == 1  # all repeats of one block


def test_many_unclosed_nested_openers_stay_linear() -> None:
    text = "```markdown\n" + "```python\nx = 1\n" * 50_000
    artifacts = extract(text)
    assert len(artifacts) == 1
    assert artifacts[0].meta["unclosed"] is True
