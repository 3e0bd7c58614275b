"""Lay out the documentation report set of `language_id.py --kind docs` (nothing committed).

The second held-out set for naming unlabelled code: labelled fences of public documentation
(cheat sheets, language tutorials, API docs), closer to what people paste than Rosetta Code's
task solutions. Nothing here was tuned on: no cue, weight or threshold was chosen with it.
The sources, their commits and licences are in `evals/data/doc_fences/SOURCES.md`; each is
read from a git directory you already have (the `fetch` tool gives one), only its Markdown:

    python evals/build_doc_fences.py --out /tmp/langcorp/docs GITDIR...
    python evals/language_id.py --kind docs --per-file 3 --per-language 40 \\
        --corpus /tmp/langcorp/docs/*

A git directory's name is expected as `<owner>+<name>/repo` (the `fetch` layout); the
document tree goes to `OUT/<owner>+<name>/`.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("gitdirs", type=Path, nargs="+")
    args = parser.parse_args()
    for gitdir in args.gitdirs:
        name = gitdir.parent.name if gitdir.name == "repo" else gitdir.name
        target = args.out / name
        target.mkdir(parents=True, exist_ok=True)
        files = subprocess.run(
            ["git", f"--git-dir={gitdir}", "ls-tree", "-r", "--name-only", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split("\n")
        markdown = [f for f in files if f.endswith(".md")]
        archive = subprocess.run(
            ["git", f"--git-dir={gitdir}", "archive", "HEAD", "--", *markdown],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        print(f"{name}: {len(markdown)} Markdown files")


if __name__ == "__main__":
    main()
