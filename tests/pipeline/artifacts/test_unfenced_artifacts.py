"""Artifacts beyond fenced blocks: code that lost its fences, languages named from the text
alone, commands written in prose, schema and diagram kinds, and identity keys for versions.

The quality of unfenced detection and language identification is measured on real documents
by `evals/artifacts_eval.py`; these tests pin the behaviour a reader can rely on.
"""

from __future__ import annotations

import pytest

from contextd.domain.enums import ArtifactType
from contextd.pipeline.artifacts import (
    _magika,
    artifacts,
    extract_artifacts,
    find_code_spans,
    identify_language,
    identify_languages,
)
from contextd.pipeline.artifacts._prose_shapes import math_or_list
from contextd.pipeline.types import ArtifactDraft, Document, Turn

FENCE = "```"


def extract(text: str) -> list[ArtifactDraft]:
    return extract_artifacts(Document(text=text, format="text"), [])


def only(text: str) -> ArtifactDraft:
    found = extract(text)
    assert len(found) == 1, found
    return found[0]


def turn(index: int, text: str, role: str = "assistant") -> Turn:
    return Turn(index=index, speaker=role.title(), role=role, text=text)


# --- code that lost its fences -------------------------------------------------------------

PASTED_ANSWER = """\
Sure! Put this in a file:

import argparse

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Greets someone")
    parser.add_argument("--name", default="world")
    return parser.parse_args(argv)

if __name__ == "__main__":
    print(parse_args().name)

That's all there is to it."""


def test_code_pasted_without_fences_is_found_between_the_prose() -> None:
    artifact = only(PASTED_ANSWER)
    assert artifact.type is ArtifactType.CODE
    assert artifact.language == "python"
    assert artifact.content.startswith("import argparse\n\ndef parse_args(argv=None):")
    assert artifact.content.endswith("print(parse_args().name)")
    assert artifact.meta["unfenced"] is True
    assert artifact.title == "parse_args()"


def test_unfenced_code_in_a_list_item_loses_the_list_indentation() -> None:
    text = (
        "1. Create the handler:\n"
        "   export function handler(event) {\n"
        "     return { statusCode: 200, body: JSON.stringify(event) };\n"
        "   }\n"
        "2. Deploy it.\n"
    )
    artifact = only(text)
    assert artifact.language == "javascript"
    assert artifact.content.split("\n")[0] == "export function handler(event) {"


@pytest.mark.parametrize(
    ("text", "kind", "language"),
    [
        (
            "The table:\n\nCREATE TABLE users (\n  id SERIAL PRIMARY KEY,\n"
            "  email TEXT NOT NULL\n);\n\nThat is the schema.",
            ArtifactType.SCHEMA,
            "sql",
        ),
        (
            "Your config should look like this:\n\nserver:\n  host: 0.0.0.0\n  port: 8080\n"
            "logging:\n  level: debug\n",
            ArtifactType.CODE,
            "yaml",
        ),
        (
            'The manifest:\n\n{\n  "name": "demo",\n  "version": "1.0.0",\n'
            '  "scripts": {"start": "node index.js"}\n}\n',
            ArtifactType.CODE,
            "json",
        ),
        (
            "Here's the flow:\n\ngraph TD\n  A[Client] --> B[API]\n  B --> C[(Database)]\n\nDone.",
            ArtifactType.DIAGRAM,
            "mermaid",
        ),
        (
            "The layout:\n\nsrc/\n├── app.py\n├── db.py\n└── tests/\n    └── test_app.py\n",
            ArtifactType.DIAGRAM,
            None,
        ),
    ],
)
def test_unfenced_schemas_data_and_diagrams(
    text: str, kind: ArtifactType, language: str | None
) -> None:
    artifact = only(text)
    assert (artifact.type, artifact.language) == (kind, language)


def test_a_pasted_console_session_is_one_command_artifact_with_its_output() -> None:
    session = (
        "$ pip install fastapi\n"
        "Collecting fastapi\n"
        "Successfully installed fastapi-0.115.0\n"
        "$ uvicorn app.main:app --reload\n"
        "INFO:     Uvicorn running on http://127.0.0.1:8000"
    )
    artifact = only(f"I ran it like you said:\n\n{session}\n\nand it works now.")
    assert artifact.type is ArtifactType.COMMAND
    assert artifact.content == session
    assert artifact.meta["commands"] == ["pip install fastapi", "uvicorn app.main:app --reload"]


PROSE_SAMPLES = {
    "paragraphs": (
        "We looked at the options for a while. The simplest one is to keep a single process\n"
        "and add a worker later, when the load needs it.\n\n"
        "That keeps deployment easy; if it becomes a problem (it may not), we can revisit."
    ),
    "a numbered plan": (
        "Here is the plan:\n\n"
        "1. Use a virtual environment for each project.\n"
        "2. Pin your dependencies in requirements.txt.\n"
        "3. Run the tests before every commit.\n"
    ),
    "a bullet list with inline code": (
        "- `parse_args()` reads the command line and returns a namespace.\n"
        "- `main()` calls it, then prints the greeting.\n"
        "- The `--name` option defaults to `world`.\n"
    ),
    "a Markdown table": (
        "| tool | purpose |\n|------|---------|\n| ruff | linting |\n| mypy | type checks |\n"
    ),
    "a dialogue": (
        "Caroline: Hey Mel! How have you been?\n"
        "Melanie: Swamped with the kids & work. What's up with you?\n"
        "Caroline: I went to a support group yesterday and it was so powerful.\n"
    ),
    "key-value metadata": (
        "Name: John Smith\nRole: Staff engineer\nLocation: Berlin\nNote: prefers email.\n"
    ),
    "headings and links": (
        "## Installation\n\nSee [the docs](https://example.com/docs) for details.\n\n"
        "### Usage\n\nRead **carefully** before you start: it matters.\n"
    ),
    "an email": (
        "Hi team,\n\nthe release moved to Friday; the changelog is attached.\n\nThanks,\nAda\n"
    ),
}


@pytest.mark.parametrize("name", sorted(PROSE_SAMPLES))
def test_prose_lists_tables_and_dialogue_are_not_code(name: str) -> None:
    assert extract(PROSE_SAMPLES[name]) == []


def test_prose_between_fenced_blocks_is_scanned_without_false_alarms() -> None:
    text = (
        "First install it:\n\n```bash\npip install contextd\n```\n\n"
        "Then, as the **docs** explain, the server keeps its data in one folder. "
        "You can change that later.\n\n```python\nprint('ok')\n```\n"
    )
    assert [a.content for a in extract(text)] == ["pip install contextd", "print('ok')"]


def test_a_lone_line_of_unfenced_code_is_not_an_artifact() -> None:
    # One line of code in prose is too little evidence to keep as CODE (commands are kept).
    assert extract("Then\n\nresult = compute(data)\n\nand you are done.") == []


def test_the_detector_reports_line_spans() -> None:
    lines = ["Run this:", "x = load()", "y = transform(x)", "print(y)", "Done, thanks."]
    spans = find_code_spans(lines)
    assert [(s.start, s.end) for s in spans] == [(1, 4)]


# --- languages without labels --------------------------------------------------------------

SNIPPETS = {
    "python": "import os\n\n\ndef main() -> None:\n    print(os.getcwd())\n",
    "javascript": "const express = require('express');\nconst app = express();\n"
    "app.get('/', (req, res) => res.send('ok'));\n",
    "typescript": "interface User {\n  id: string;\n  name: string;\n}\n\n"
    "function greet(user: User): string {\n  return user.name;\n}\n",
    "go": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
    "rust": 'fn main() {\n    let mut total = 0;\n    total += 1;\n    println!("{}", total);\n}\n',
    "java": "public class Hello {\n    public static void main(String[] args) {\n"
    '        System.out.println("hi");\n    }\n}\n',
    "cpp": '#include <iostream>\n\nint main() {\n    std::cout << "hi" << std::endl;\n}\n',
    "c": '#include <stdio.h>\n\nint main(void) {\n    printf("hi\\n");\n    return 0;\n}\n',
    "ruby": 'def greet(name)\n  puts "Hello #{name}"\nend\n\n[1, 2].each do |n|\n  greet(n)\nend\n',
    "php": "<?php\n$name = 'Ada';\necho $name;\n",
    "sql": "SELECT id, email\nFROM users\nWHERE active = true\nORDER BY id;\n",
    "bash": "sudo apt-get update\nsudo apt-get install -y nginx\nsystemctl restart nginx\n",
    "powershell": 'Get-ChildItem -Path C:\\logs | Remove-Item -Force\nWrite-Host "done"\n',
    "yaml": "services:\n  web:\n    image: nginx:latest\n    ports:\n      - '80:80'\n",
    "json": '{"name": "demo", "private": true, "dependencies": {"react": "^18.0.0"}}',
    "toml": '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.ruff]\nline-length = 100\n',
    "html": '<!DOCTYPE html>\n<html>\n<body>\n  <div class="app"></div>\n</body>\n</html>\n',
    "css": ".button {\n  color: red;\n  padding: 4px 8px;\n}\n\n@media (max-width: 600px) {\n"
    "  .button { display: none; }\n}\n",
    "dockerfile": 'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nRUN pip install .\nCMD ["app"]\n',
}


@pytest.mark.parametrize("language", sorted(SNIPPETS))
def test_language_is_identified_from_the_text_alone(language: str) -> None:
    assert identify_language(SNIPPETS[language]) == language


@pytest.mark.parametrize("language", ["python", "go", "rust", "bash", "json", "sql"])
def test_syntax_cues_alone_name_the_common_languages(language: str) -> None:
    # Without the model (budget spent, or magika missing) the cues still answer.
    assert identify_language(SNIPPETS[language], use_model=False) == language


def test_plain_javascript_is_not_called_typescript() -> None:
    # magika often says "typescript" for JavaScript; without a type annotation it is JS.
    code = "function add(a, b) {\n  return a + b;\n}\nconsole.log(add(1, 2));\n"
    assert identify_language(code) == "javascript"


def test_too_little_text_gets_no_language() -> None:
    assert identify_language("x = y") is None


def test_an_unlabelled_fence_gets_its_language_from_the_text() -> None:
    artifact = only(f"{FENCE}\n{SNIPPETS['go']}{FENCE}\n")
    assert artifact.language == "go"
    assert "fence_language" not in artifact.meta


def test_a_fence_label_wins_over_the_text() -> None:
    assert only(f"{FENCE}ruby\n{SNIPPETS['python']}{FENCE}\n").language == "ruby"


def test_model_calls_are_capped_per_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def top_labels(text: str) -> dict[str, float]:
        calls.append(text)
        return {}

    monkeypatch.setattr(_magika, "top_labels", top_labels)
    monkeypatch.setattr(_magika, "available", lambda: True)
    monkeypatch.setattr(artifacts, "MAX_MODEL_CALLS", 3)
    # Ambiguous unlabelled blocks: the cues are not decisive, so each would ask the model.
    blocks = "".join(f"{FENCE}\nvalue_{i} = lookup(table, {i})\nnext\n{FENCE}\n" for i in range(10))
    extract(blocks)
    assert len(calls) == 3


def test_without_magika_the_cues_still_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_magika, "available", lambda: False)
    assert identify_languages([SNIPPETS["python"], SNIPPETS["go"]]) == ["python", "go"]


# --- commands written in prose -------------------------------------------------------------


def test_a_command_in_running_text_is_a_command_artifact() -> None:
    artifact = only("To get started, run `pip install contextd` and then open the browser.")
    assert artifact.type is ArtifactType.COMMAND
    assert artifact.content == "pip install contextd"
    assert artifact.language == "bash"
    assert artifact.meta == {"inline": True}
    assert artifact.title == "pip install contextd"


def test_a_prompted_line_in_prose_is_a_command() -> None:
    text = "If the port is taken, kill the old server first:\n$ kill -9 4242\nThen retry."
    assert [(a.type, a.content) for a in extract(text)] == [(ArtifactType.COMMAND, "kill -9 4242")]


@pytest.mark.parametrize(
    "text",
    [
        "Is `python` installed?",  # a program name alone
        "Call `print(total)` at the end.",  # a function call
        "We need to `make sure` this works.",  # an English phrase
        "The `git` history shows it.",
        "Use the `--name` option.",
    ],
)
def test_inline_code_that_is_not_a_command_is_ignored(text: str) -> None:
    assert extract(text) == []


def test_inline_commands_cite_their_turns_and_merge_with_fenced_ones() -> None:
    turns = [
        turn(0, "How do I install it?", "user"),
        turn(1, "Run `pip install contextd`."),
        turn(2, f"Again:\n\n{FENCE}bash\npip install contextd\n{FENCE}\n"),
    ]
    [artifact] = extract_artifacts(Document(text="", format="chatgpt"), turns)
    assert artifact.turn_indexes == (1, 2)


# --- schemas and diagrams ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("ts", "export interface User {\n  id: string;\n  name?: string;\n}\n\ntype Id = string;"),
        (
            "python",
            "from pydantic import BaseModel\n\n\n"
            "class User(BaseModel):\n    id: int\n    name: str",
        ),
        ("python", "@dataclass\nclass Point:\n    x: float\n    y: float"),
        (
            "python",
            "class User(Base):\n    __tablename__ = 'users'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)",
        ),
    ],
)
def test_type_declarations_and_data_models_are_schemas(label: str, body: str) -> None:
    assert only(f"{FENCE}{label}\n{body}\n{FENCE}\n").type is ArtifactType.SCHEMA


@pytest.mark.parametrize(
    ("label", "body"),
    [
        (
            "ts",
            "export interface User {\n  id: string;\n}\n\nexport const load = () => fetch('/u');",
        ),
        ("python", "class Service:\n    def run(self) -> None:\n        print('running')"),
        ("python", "class User(BaseModel):\n    id: int\n\nprint(User(id=1))"),
    ],
)
def test_models_mixed_with_logic_stay_code(label: str, body: str) -> None:
    assert only(f"{FENCE}{label}\n{body}\n{FENCE}\n").type is ArtifactType.CODE


# --- identity keys for versions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (f"Create `app/main.py`:\n\n{FENCE}python\nprint('hi')\n{FENCE}\n", "file:app/main.py"),
        (f"{FENCE}python title=./src/cli.py\nprint('hi')\n{FENCE}\n", "file:src/cli.py"),
        (
            f"{FENCE}ts\n// src\\models\\user.ts\nexport const x = 1;\n{FENCE}\n",
            "file:src/models/user.ts",
        ),
        (
            f"{FENCE}python\ndef parse_args(argv):\n    return argv\n{FENCE}\n",
            "def:python:parse_args",
        ),
        (
            f"{FENCE}ts\nexport interface User {{\n  id: string;\n}}\n{FENCE}\n",
            "class:typescript:User",
        ),
        (f"{FENCE}go\nfunc (s *Server) Handle() {{\n}}\n{FENCE}\n", "def:go:Handle"),
        (f'{FENCE}sql\nCREATE TABLE "Users" (id int);\n{FENCE}\n', "table:users"),
        (f"{FENCE}sql\nCREATE VIEW active AS SELECT 1;\n{FENCE}\n", "view:active"),
        (
            f'{FENCE}json\n{{\n  "title": "Order",\n  "type": "object",\n'
            f'  "properties": {{}}\n}}\n{FENCE}\n',
            "schema:Order",
        ),
        (
            f"{FENCE}python\nclass Repo:\n    def __init__(self):\n        pass\n{FENCE}\n",
            "class:python:Repo",
        ),
        (f"{FENCE}python\ndef __init__(self, db):\n    self.db = db\n{FENCE}\n", None),
        (f"{FENCE}python\nx = compute()\ny = x * 2\n{FENCE}\n", None),
        (f"{FENCE}bash\npip install contextd\n{FENCE}\n", None),
    ],
)
def test_the_key_names_what_a_block_is_a_version_of(text: str, key: str | None) -> None:
    assert only(text).meta.get("key") == key


def test_revisions_share_a_key_but_stay_separate_drafts_in_order() -> None:
    first = "def total(items):\n    return sum(items)"
    second = "def total(items):\n    return sum(i.price for i in items)"
    turns = [
        turn(1, f"Create `app/totals.py`:\n\n{FENCE}python\n{first}\n{FENCE}\n"),
        turn(3, f"Update `app/totals.py`:\n\n{FENCE}python\n{second}\n{FENCE}\n"),
        turn(5, f"Unchanged `app/totals.py`:\n\n{FENCE}python\n{second}\n{FENCE}\n"),
    ]
    drafts = extract_artifacts(Document(text="", format="chatgpt"), turns)
    assert [d.content for d in drafts] == [first, second]
    assert [d.meta["key"] for d in drafts] == ["file:app/totals.py"] * 2
    assert [d.turn_indexes for d in drafts] == [(1,), (3, 5)]


def test_unfenced_revisions_get_the_same_key() -> None:
    turns = [
        turn(0, "def greet(name):\n    return 'hi ' + name\n\nThat is version one."),
        turn(1, "def greet(name):\n    return f'hello {name}'\n\nThat is version two."),
    ]
    drafts = extract_artifacts(Document(text="", format="text"), turns)
    assert [d.meta["key"] for d in drafts] == ["def:python:greet"] * 2
    assert drafts[0].content != drafts[1].content


# --- cost ----------------------------------------------------------------------------------


def test_a_million_words_of_unfenced_chat_stay_fast() -> None:
    # Prose, pasted code and dialogue, all unfenced, about a million words.
    chunk = (
        "Caroline: I finally tried the script you sent, and it mostly works.\n"
        "Melanie: Great! Which part broke?\n\n"
        + PASTED_ANSWER
        + "\n\nYou can also run `pip install rich` for nicer output.\n\n"
    )
    text = chunk * (1_000_000 // len(chunk.split()))
    found = extract(text)
    assert {a.type for a in found} == {ArtifactType.CODE, ArtifactType.COMMAND}


@pytest.mark.parametrize(
    "line",
    [
        "key: " + "word " * 3000,
        "- " + "item " * 3000,
        "a: " + "b:" * 3000,
        "$ " + "arg " * 3000,
        "# " + "snake_case " * 3000,
        "f(" * 3000,
        '"' * 6000,
        " ".join(["--flag"] * 3000),
        "<div " + 'a="1" ' * 3000 + ">",
        "x = " + "y + " * 3000,
    ],
)
def test_pathological_lines_do_not_backtrack(line: str) -> None:
    find_code_spans([line, line, "", line])
    identify_language(line, use_model=False)
    extract(line)


MATH_AND_LISTS = {
    "a worked sum": (
        "The monthly share is:\n\nx = 32.25/36\nx = 0.8958\n\nSo each pays about 90 cents."
    ),
    "a future value": (
        "Use the formula:\n\nFV = 70,000 * (1 + r)^n\nFV = 70,000 * (1.05)^10\n"
        "FV = 114,023.63\n\nThat is the value after ten years."
    ),
    "a numbered list with colons": (
        "Settlement sizes:\n\n1: Small village\n2: Large village\n3: Town\n4: City"
    ),
    "probabilities": (
        "P(A) = 58% (probability of liking blue)\nP(B) = 45% (probability of liking green)\n"
        "P(A ∩ B) = 22% (probability of liking both colors)"
    ),
    "LaTeX display maths": (
        "Substituting:\n\n\\[\n\\frac{x}{2} + 6 = 25\n\\]\n\\[\nx = 19 \\times 2\n\\]\n"
    ),
    "logic notation": "The rule is:\n\nP ∧ Q → R\n¬R → ¬(P ∧ Q)\n\nwhich is the contrapositive.",
    "algebra with implicit products": (
        "From equation 1:\n\nx = 4z - y\n(4z - y)y = 4z^2\n4zy - y^2 = 4z^2\n"
        "y = (4z ± √(16z^2 - 16z^2)) / 2\nx = 4z - 2z\nx = 2z"
    ),
    "money and units": (
        "Total spent:\n\n$100 + $90 + $90 = $280\n$25 + $37.50 + $56.25 = $118.75\n"
        "1 kcal = 4184 joules (J)\nArea = pi * sqrt(5)^2"
    ),
    "Newton's method": (
        "Iterate:\n\nx_new = x_old - f(x_old) / f'(x_old)\nf(x) = 4x^3 - 9x - 14\n"
        "(2x - 1)(x - 7) = 0\n-x - 5 < 10"
    ),
}


@pytest.mark.parametrize("text", MATH_AND_LISTS.values(), ids=list(MATH_AND_LISTS))
def test_maths_and_lists_in_chat_answers_are_not_code(text: str) -> None:
    assert extract(text) == []


def test_a_sum_inside_a_program_stays_in_it() -> None:
    code = "def share(total, people):\n    x = 32.25/36\n    return total * x / people"
    artifact = only(f"Try this:\n\n{code}\n\nIt rounds nothing.")
    assert artifact.content == code


@pytest.mark.parametrize(
    "line",
    [
        "x = 4z - y",
        "(4z - y)y = 4z^2",
        "20x = 5y - 2",
        "x = (5y - 2) / 20",
        "$100 + $90 + $90 = $280",
        "1 kcal = 4184 joules (J)",
        "x_new = x_old - f(x_old) / f'(x_old)",
        "P(dislikes blue | likes green) = (P(likes green) - P(likes both)) / P(likes green)",
        "rate = 1.5e-3 * n",
    ],
)
def test_sums_of_chat_answers_are_maths(line: str) -> None:
    # Lines of GPT-4's and Llama-2-chat's MT-Bench answers (maths and reasoning questions).
    assert math_or_list(line)


@pytest.mark.parametrize(
    "line",
    [
        "result = compute(data) + 1",
        "total_cost = price * 2",
        "count += 1",
        "return x + 1",
        "kill -9 1234",
        "hf download Qwen/Qwen3-0.6B",
        "a = b.c + 1",
        "x = [1, 2]",
    ],
)
def test_program_lines_are_not_read_as_sums(line: str) -> None:
    assert not math_or_list(line)


def test_a_sentence_ending_in_a_colon_cuts_two_programs_apart() -> None:
    # Llama-2-chat, MT-Bench 123 and 126: two blocks, fences lost, one intro line between them.
    html = '<!DOCTYPE html>\n<html>\n<body>\n  <div id="joke"></div>\n</body>\n</html>'
    script = (
        "// Define the list of jokes\nconst jokes = [\n  'one',\n  'two',\n];\n"
        "document.getElementById('joke').textContent = jokes[0];"
    )
    text = f'HTML:\n{html}\nJavaScript (in a file called "random-joke.js"):\n{script}'
    assert [a.content for a in extract(text)] == [html, script]
    first = "function a(arr) {\n  const n = arr.length;\n  return arr[n - 1];\n}"
    second = "function b(arr) {\n  const n = arr.length;\n  return arr[0];\n}"
    found = extract(f"1. First:\n{first}\n2. Introsort:\n{second}")
    assert [a.content for a in found] == [first, second]


def test_an_unfenced_html_page_is_one_artifact() -> None:
    page = (
        "<!DOCTYPE html>\n<html>\n<head>\n    <title>Jokes</title>\n</head>\n<body>\n"
        '    <button onclick="show()">Joke</button>\n</body>\n</html>'
    )
    artifact = only(f"Here is the page:\n\n{page}\n\nOpen it in a browser.")
    assert artifact.content == page
    assert artifact.language == "html"
