"""Fenced code is stored byte for byte: only a recognised prompt marker may go.

The examples are the shapes that used to be rewritten: a PowerShell script whose `$variables`
were read as prompts, a router session behind a root `# ` prompt, a shell script whose blank
lines were dropped, and a terminal session pasted with its output.
"""

from __future__ import annotations

import pytest

from contextd.domain.enums import ArtifactType
from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.ingest import ingest
from contextd.pipeline.types import ArtifactDraft, Document, Fetched

FENCE = "```"


def only_block(label: str, body: str, *, lead: str = "") -> ArtifactDraft:
    text = f"Here it is:\n\n{lead}{FENCE}{label}\n{body}\n{lead}{FENCE}\n\nDone.\n"
    artifacts = extract_artifacts(Document(text=text, format="markdown"), [])
    assert len(artifacts) == 1, artifacts
    return artifacts[0]


POWERSHELL_BACKUP = r"""$sourceFolder = "C:\Users\Public\Documents"
$destinationFolder = "\\NAS01\backup\documents"
$logFile = "C:\Logs\robocopy_$(Get-Date -Format yyyyMMdd).log"

robocopy $sourceFolder $destinationFolder /MIR /Z /R:3 /W:10 /LOG:$logFile
icacls $destinationFolder /grant "DOMAIN\Backup Operators:(OI)(CI)F" /T
Write-Host "Backup finished with exit code $LASTEXITCODE\""""

SHELL_SCRIPT = """set -u
BACKUP_DIR=/var/backups/db

mkdir -p "$BACKUP_DIR"

pg_dump -Fc mydb > "$BACKUP_DIR/mydb-$(date +%F).dump"

# keep a week of dumps
find "$BACKUP_DIR" -name '*.dump' -mtime +7 -delete"""


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("powershell", POWERSHELL_BACKUP),
        ("", POWERSHELL_BACKUP),
        ("bash", SHELL_SCRIPT),
        ("bash", "#!/bin/sh\n\necho start\n\n   ./run.sh --fast\n"),
        ("bash", "IP=/sbin/ip\n$IP route add 10.8.0.0/24 via 192.168.1.1 dev eth0\n$IP route show"),
    ],
)
def test_scripts_are_code_with_every_line_kept(label: str, body: str) -> None:
    artifact = only_block(label, body)
    assert artifact.type is ArtifactType.CODE
    assert artifact.content == body


def test_a_dollar_without_a_space_is_a_variable_not_a_prompt() -> None:
    artifact = only_block("sh", "$IP route add 10.8.0.0/24 via 192.168.1.1 dev eth0")
    assert artifact.content == "$IP route add 10.8.0.0/24 via 192.168.1.1 dev eth0"


IP_ROUTE_SESSION = """# ip route add 10.8.0.0/24 via 192.168.1.1 dev eth0
# ip route show
default via 192.168.1.1 dev eth0 proto dhcp metric 100
10.8.0.0/24 via 192.168.1.1 dev eth0
192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.23"""

TERMINAL_SESSION = """alice@build01:~/src/app$ git status --short
 M src/app/main.py
?? notes.txt
alice@build01:~/src/app$ python -m pytest -q
....F
FAILED tests/test_main.py::test_home - AssertionError
1 failed, 4 passed in 0.31s"""


@pytest.mark.parametrize(
    ("body", "commands"),
    [
        (
            IP_ROUTE_SESSION,
            ["ip route add 10.8.0.0/24 via 192.168.1.1 dev eth0", "ip route show"],
        ),
        (TERMINAL_SESSION, ["git status --short", "python -m pytest -q"]),
    ],
)
def test_a_session_keeps_prompts_and_output_and_lists_its_commands(
    body: str, commands: list[str]
) -> None:
    artifact = only_block("console", body)
    assert artifact.type is ArtifactType.COMMAND
    assert artifact.content == body
    assert artifact.meta["commands"] == commands


def test_hash_lines_above_commands_are_comments_not_root_prompts() -> None:
    body = "# install the dependencies\npip install -r requirements.txt\n\n# run\nmake serve"
    artifact = only_block("bash", body)
    assert artifact.type is ArtifactType.COMMAND
    assert artifact.content == body


def test_quoted_lines_in_a_text_block_are_not_prompts() -> None:
    body = "> note: the service restarts itself\n> after an upgrade"
    assert only_block("text", body).content == body


@pytest.mark.parametrize(
    "body",
    [
        "x = 1   \ny = 2\t",  # trailing whitespace (Markdown line breaks, diff context)
        "\n\ndef f():\n    return 1\n\n",  # surrounding blank lines
        "page one\x0cpage two\x1cthree\u2028four",  # separators that are not line breaks
        "all:\n\tgcc -o app main.c\t# build",  # tabs
    ],
)
def test_fence_bodies_are_stored_byte_for_byte(body: str) -> None:
    assert only_block("", body).content == body


def test_an_indented_fence_loses_only_its_indentation() -> None:
    body = "all:\n\tgcc -o app main.c\n  \tstrip app"
    indented = "\n".join("  " + line for line in body.split("\n"))
    assert only_block("makefile", indented, lead="  ").content == body


def test_a_fence_inside_a_block_quote_is_stored_without_the_quote_markers() -> None:
    text = (
        "> [!NOTE]\n> If you see a numpy error, run:\n> ```bash\n> pip install 'numpy<2'\n> ```\n"
        ">\n>  ```js\n>     const save = config.get('foo')\n>  ```\n"
    )
    artifacts = extract_artifacts(Document(text=text, format="markdown"), [])
    assert [a.content for a in artifacts] == [
        "pip install 'numpy<2'",
        "   const save = config.get('foo')",
    ]


PROBLEM_STATEMENT = """\
Here is a dynamic-programming exercise.

Function signature:

```python
def cheapest_route(grid: list[list[int]]) -> int:
    # your code here
```

Rules:
1. Move right or down only.

Explanation: the route 1 -> 3 -> 1 costs 5.

Hints: keep one row of partial sums.

Explanation: each cell adds the smaller of its two neighbours.
"""


def test_a_fence_above_label_lines_read_as_turns_is_still_stored() -> None:
    # A chat answer's "Explanation:" / "Hints:" lines may be taken for speakers; the text above
    # the first of them belongs to no turn, and its fenced code used to be dropped with it.
    ingested = ingest(Fetched(PROBLEM_STATEMENT.encode(), "text/markdown", filename="a.md"))
    artifacts = extract_artifacts(ingested.document, ingested.turns)
    body = "def cheapest_route(grid: list[list[int]]) -> int:\n    # your code here"
    assert body in [a.content for a in artifacts]
