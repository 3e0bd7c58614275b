"""guesslang, the open model VS Code uses to name a pasted file's language, as a baseline.

guesslang (yoeo/guesslang, MIT) is a TensorFlow DNN-linear model of 54 languages trained on
GitHub files; VS Code ships it converted to TensorFlow.js as the npm package
`@vscode/vscode-languagedetection` (MIT). It is the strongest open code-language classifier we
know of besides magika, so `language_id.py --guesslang DIR` scores it on the very same blocks.
It runs in Node.js (`guesslang_batch.js`), about 50 ms a block on this machine; neither Node nor
the package is a dependency of contextd. Install it by hand:

    npm install --prefix /tmp/guesslang @vscode/vscode-languagedetection@1.0.23
    G=/tmp/guesslang/node_modules/@vscode/vscode-languagedetection
    python evals/language_id.py ... --guesslang $G

Its labels are file extensions, mapped here to contextd's names; the languages it lacks (F#,
Scheme, Tcl, SCSS, Solidity, GraphQL, HCL, Zig, Protocol Buffers, diff...) count as wrong, as
they do for magika alone.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

_BATCH = Path(__file__).with_name("guesslang_batch.js")

LABELS = {
    "asm": "asm",
    "bat": "batch",
    "c": "c",
    "cbl": "cobol",
    "clj": "clojure",
    "cmake": "cmake",
    "coffee": "coffeescript",
    "cpp": "cpp",
    "cs": "csharp",
    "css": "css",
    "dart": "dart",
    "dockerfile": "dockerfile",
    "erl": "erlang",
    "ex": "elixir",
    "f90": "fortran",
    "go": "go",
    "groovy": "groovy",
    "hs": "haskell",
    "html": "html",
    "ini": "ini",
    "java": "java",
    "jl": "julia",
    "js": "javascript",
    "json": "json",
    "kt": "kotlin",
    "lisp": "lisp",
    "lua": "lua",
    "makefile": "makefile",
    "matlab": "matlab",
    "ml": "ocaml",
    "mm": "objective-c",
    "pas": "pascal",
    "php": "php",
    "pm": "perl",
    "prolog": "prolog",
    "ps1": "powershell",
    "py": "python",
    "r": "r",
    "rb": "ruby",
    "rs": "rust",
    "scala": "scala",
    "sh": "bash",
    "sql": "sql",
    "swift": "swift",
    "tex": "latex",
    "toml": "toml",
    "ts": "typescript",
    "v": "verilog",
    "vba": "vbnet",
    "xml": "xml",
    "yaml": "yaml",
}  # csv, md and dm (Dream Maker) name no language of ours


def guesslang_languages(blocks: Sequence[str], package: Path) -> list[str | None]:
    """guesslang's best label for each block, in contextd's names (None: not one of ours)."""
    with tempfile.TemporaryDirectory() as folder:
        given, answers = Path(folder, "in.json"), Path(folder, "out.json")
        given.write_text(json.dumps(list(blocks)))
        subprocess.run(["node", str(_BATCH), str(package), str(given), str(answers)], check=True)
        ranked: list[list[list[object]]] = json.loads(answers.read_text())
    return [LABELS.get(str(labels[0][0])) if labels else None for labels in ranked]
