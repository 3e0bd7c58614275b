"""Rebuild the labelled set of `artifacts_eval.py` from documents installed on this machine.

Run once by hand (`.venv/bin/python evals/build_artifacts_data.py`; `--provenance` only rewrites
PROVENANCE.md from the manifest); the result is committed
under `evals/data/artifacts/` so the evaluation itself never depends on what is installed.

Sources, all real Markdown written by people, all under permissive licences:

* the Markdown long descriptions (`*.dist-info/METADATA`) of the PyPI packages in `.venv`;
* Markdown files that those packages ship (docs folders, READMEs);
* the Node.js API and contributor docs that Debian's `nodejs` package installs (MIT);
* READMEs of npm packages bundled with the npm CLI (MIT / ISC);
* the rustfmt and clippy READMEs of the Rust toolchain (MIT OR Apache-2.0);
* pip's user guide as Debian ships it (MIT).

A document is kept when it has at least one fenced block whose label normalizes to a known
language. Big documents are skipped so that the set stays around 1.5 MB. The documents are
stored as `.txt` (their text is Markdown) so that formatters never rewrite their code blocks.
"""

from __future__ import annotations

import email
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path

from contextd.pipeline.artifacts import parse_fence_label

ROOT = Path(__file__).resolve().parents[1]


OUT = ROOT / "evals" / "data" / "artifacts"
SITE = ROOT / ".venv" / "lib" / "python3.11" / "site-packages"
MAX_DOC_CHARS = 45_000
MIN_DOC_CHARS = 400
_PERMISSIVE = re.compile(r"\b(MIT|BSD|Apache|ISC|PSF|Python Software Foundation|0BSD|Unlicense)")
_COPYLEFT = re.compile(r"GPL|MPL|Mozilla|EUPL|CDDL|SSPL|Commons Clause", re.IGNORECASE)
_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})[ \t]*([^\s`]*)", re.MULTILINE)
_NOT_CODE = frozenset({"text", "markdown", "none"})


def known_fences(text: str) -> int:
    count = 0
    for match in _FENCE.finditer(text):
        label = parse_fence_label(match.group(1)).language
        if label and label not in _NOT_CODE:
            count += 1
    return count


def metadata_docs() -> list[dict[str, str]]:
    docs = []
    for meta in sorted(SITE.glob("*.dist-info/METADATA")):
        message = email.message_from_string(meta.read_text("utf-8", errors="replace"))
        if "markdown" not in (message.get("Description-Content-Type") or ""):
            continue
        classifiers = [c for c in message.get_all("Classifier", []) if c.startswith("License")]
        licence = (message.get("License-Expression") or message.get("License") or "").strip()
        licence = licence.split("\n")[0][:200] or "; ".join(
            c.split(" :: ")[-1] for c in classifiers
        )
        if not _PERMISSIVE.search(licence) or _COPYLEFT.search(licence):
            continue
        body = message.get_payload()
        if not isinstance(body, str):
            continue
        docs.append(
            {
                "package": f"{message['Name']} (PyPI)",
                "version": str(message["Version"]),
                "license": licence,
                "path": str(meta.relative_to(ROOT / ".venv")) + " (long description)",
                "text": body,
            }
        )
    return docs


def file_docs() -> list[dict[str, str]]:
    groups: list[tuple[str, str, str, list[Path]]] = []
    node = Path("/usr/share/doc/nodejs")
    groups.append(
        (
            "nodejs (Debian)",
            "20.20.2",
            "MIT",
            sorted(node.glob("api/*.md")) + sorted(node.glob("contributing/*.md")),
        )
    )
    npm_modules = Path("/usr/lib/node_modules/npm/node_modules")
    for package_json in sorted(npm_modules.glob("*/package.json")) + sorted(
        npm_modules.glob("@*/*/package.json")
    ):
        info = json.loads(package_json.read_text())
        licence = str(info.get("license", ""))
        if licence not in ("MIT", "ISC", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0"):
            continue
        readmes = [
            *package_json.parent.glob("README.md"),
            *package_json.parent.glob("docs/**/*.md"),
        ]
        groups.append((f"{info['name']} (npm)", str(info["version"]), licence, sorted(readmes)))
    rust_doc = Path("/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc")
    for tool in ("rustfmt", "clippy"):
        groups.append(
            (
                f"{tool} (Rust toolchain)",
                "stable",
                "MIT OR Apache-2.0",
                [rust_doc / tool / "README.md"],
            )
        )
    groups.append(
        (
            "python3-pip (Debian)",
            "docs",
            "MIT",
            sorted(Path("/usr/share/doc/python3-pip/html").rglob("*.md*")),
        )
    )
    for dist in sorted(SITE.glob("*.dist-info")):
        name = dist.name.split("-")[0]
        package_dir = SITE / name.lower()
        if package_dir.is_dir():
            mds = sorted(package_dir.rglob("*.md"))
            if mds:
                message = email.message_from_string(
                    (dist / "METADATA").read_text("utf-8", errors="replace")
                )
                licence = (
                    message.get("License-Expression") or message.get("License") or ""
                ).strip()[:200]
                if _PERMISSIVE.search(licence) and not _COPYLEFT.search(licence):
                    groups.append(
                        (f"{message['Name']} (PyPI)", str(message["Version"]), licence, mds)
                    )
    docs = []
    for package, version, licence, paths in groups:
        for path in paths:
            if not path.is_file():
                continue
            if path.suffix == ".gz":
                with gzip.open(path, "rt") as handle:
                    raw = handle.read()
            else:
                raw = path.read_text("utf-8", errors="replace")
            docs.append(
                {
                    "package": package,
                    "version": version,
                    "license": licence,
                    "path": str(path),
                    "text": raw,
                }
            )
    return docs


def slug(doc: dict[str, str]) -> str:
    base = re.sub(r"[^A-Za-z0-9]+", "-", doc["package"].split(" (")[0]).strip("-").lower()
    tail = re.sub(r"[^A-Za-z0-9]+", "-", Path(doc["path"].split(" (")[0]).stem).strip("-").lower()
    if tail == "metadata":
        tail = "readme"
    return f"{base}--{tail}"[:80]


def write_provenance(manifest: list[dict[str, str]]) -> None:
    """PROVENANCE.md: one row per document, from the manifest."""
    size = sum((OUT / entry["file"]).stat().st_size for entry in manifest)
    rows = [
        "# Provenance of the artifact-extraction evaluation set",
        "",
        "Real Markdown documents, copied unchanged (as `.txt`, so formatters leave their code",
        "blocks alone) from packages installed on the development machine by",
        "`evals/build_artifacts_data.py`. Every document is under a permissive licence (MIT,",
        "BSD, Apache-2.0, ISC, MIT-0); the licence is the one the package declares. The gold",
        "labels are the documents' own fenced code blocks and their labels.",
        "",
        "The LoCoMo conversations used as negatives are not copied here: `artifacts_eval.py`",
        "reads them from `../shared/evaldata/locomo-dev/` (beside the repository) at run time",
        "when present.",
        "",
        f"{len(manifest)} documents, {size:,} bytes.",
        "",
        "| file | package | version | licence | path on the machine it came from |",
        "|---|---|---|---|---|",
    ]
    for entry in manifest:
        rows.append(
            f"| {entry['file']} | {entry['package']} | {entry['version']} | {entry['license']} "
            f"| `{entry['path']}` |"
        )
    (OUT / "PROVENANCE.md").write_text("\n".join(rows) + "\n")


def main() -> None:
    if sys.argv[1:] == ["--provenance"]:
        write_provenance(json.loads((OUT / "manifest.json").read_text()))
        return
    candidates = metadata_docs() + file_docs()
    seen: set[str] = set()
    kept = []
    per_package: dict[str, int] = {}
    for doc in candidates:
        text = doc["text"].replace("\r\n", "\n")
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest in seen or not MIN_DOC_CHARS <= len(text) <= MAX_DOC_CHARS:
            continue
        if known_fences(text) == 0:
            continue
        limit = 24 if doc["package"].startswith("nodejs") else 4
        if per_package.get(doc["package"], 0) >= limit:
            continue
        per_package[doc["package"]] = per_package.get(doc["package"], 0) + 1
        seen.add(digest)
        doc["text"] = text
        kept.append(doc)
    docs_dir = OUT / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    for old in docs_dir.glob("*.txt"):
        old.unlink()
    manifest = []
    names: set[str] = set()
    for doc in kept:
        name = slug(doc)
        while name in names:
            name += "-x"
        names.add(name)
        (docs_dir / f"{name}.txt").write_text(doc["text"])
        manifest.append(
            {k: doc[k] for k in ("package", "version", "license", "path")}
            | {"id": name, "file": f"docs/{name}.txt"}
        )
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    write_provenance(manifest)
    total = sum(len(d["text"]) for d in kept)
    print(f"{len(kept)} documents, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
