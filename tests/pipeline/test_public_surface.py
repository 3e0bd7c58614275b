"""Each pipeline stage is a subpackage whose `__init__.py` names what others may import.

Code outside a subpackage (the rest of `src/contextd`, `tests/`, `bench/`, `evals/`) imports a
stage's names from the subpackage itself (`from contextd.pipeline.snapshot import
build_snapshot`), or a submodule the subpackage exports by name (`contextd.pipeline.ingest.
conversations`), never a private or unexported module (`contextd.pipeline.snapshot._cues`,
`contextd.pipeline.snapshot.builtin`). Unit tests of a subpackage, under
`tests/pipeline/<subpackage>/`, may reach inside it. The pipeline's own private modules
(`contextd.pipeline._fences`) are not imported from outside `pipeline/` at all.

Modelled on httpx's `tests/test_exported_members.py`: every name in `__all__` exists, and
every public name a subpackage binds is in its `__all__`.
"""

from __future__ import annotations
import __future__

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import contextd.pipeline

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "src" / "contextd" / "pipeline"
SUBPACKAGES = sorted(p.name for p in PIPELINE.iterdir() if (p / "__init__.py").is_file())
SCANNED = [ROOT / "src" / "contextd", ROOT / "tests", ROOT / "bench", ROOT / "evals"]


def _packages() -> list[str]:
    """Every package under `contextd.pipeline` (subpackages and their own subpackages)."""
    found = ["contextd.pipeline"]
    for info in pkgutil.walk_packages(contextd.pipeline.__path__, "contextd.pipeline."):
        if info.ispkg:
            found.append(info.name)
    return found


def _exported(module_name: str) -> set[str] | None:
    """The module's `__all__`, or None when it declares none."""
    names = getattr(importlib.import_module(module_name), "__all__", None)
    return None if names is None else set(names)


def _home(path: Path) -> tuple[str | None, bool]:
    """(the pipeline subpackage the file may reach inside, whether it is inside `pipeline/`)."""
    parts = path.relative_to(ROOT).parts
    if parts[:3] == ("src", "contextd", "pipeline"):
        return (parts[3] if len(parts) > 4 else None), True
    if parts[:2] == ("tests", "pipeline") and len(parts) > 3 and parts[2] in SUBPACKAGES:
        return parts[2], False
    return None, False


def _imports(tree: ast.AST) -> Iterator[tuple[int, str, list[str] | None]]:
    """(line, module, names imported from it, or None for `import module`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [alias.name for alias in node.names]


def violation(module: str, names: list[str] | None, home: str | None, in_pipeline: bool) -> str:
    """Why importing `names` from `module` breaks the rule from a file at `home` ("" if fine)."""
    if module != "contextd.pipeline" and not module.startswith("contextd.pipeline."):
        return ""
    parts = module.split(".")[2:]
    if not parts:
        private = [n for n in names or () if n.startswith("_")]
        if private and not in_pipeline:
            return f"private pipeline module {private} imported from outside pipeline/"
        return ""
    if parts[0].startswith("_"):
        return "" if in_pipeline else f"{module} is private to pipeline/"
    if parts[0] not in SUBPACKAGES or parts[0] == home:
        return ""
    current = f"contextd.pipeline.{parts[0]}"
    for part in parts[1:]:
        exported = _exported(current)
        if exported is None or part not in exported:
            return f"{current}.{part} is not exported by {current}.__all__"
        current = f"{current}.{part}"
    exported = _exported(current)
    for name in names or ():
        if exported is not None and name not in exported:
            return f"{name} is not in {current}.__all__"
        if exported is None and name.startswith("_"):
            return f"{current}.{name} is private"
    return ""


def test_nothing_outside_a_subpackage_imports_its_private_modules() -> None:
    problems: list[str] = []
    for base in SCANNED:
        for path in sorted(base.rglob("*.py")):
            home, in_pipeline = _home(path)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, module, names in _imports(tree):
                why = violation(module, names, home, in_pipeline)
                if why:
                    problems.append(f"{path.relative_to(ROOT)}:{line}: {why}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "home", "in_pipeline", "allowed"),
    [
        ("from contextd.pipeline.snapshot import build_snapshot", None, False, True),
        ("from contextd.pipeline.snapshot._cues import judge", None, False, False),
        ("from contextd.pipeline.snapshot import builtin", None, False, False),
        ("import contextd.pipeline.snapshot.builtin", None, False, False),
        ("from contextd.pipeline.snapshot.llm import LLMConfig", None, False, False),
        ("from contextd.pipeline.ingest.conversations import parse_transcript", None, False, True),
        ("from contextd.pipeline.ingest.conversations._chatgpt import READER", None, False, False),
        ("from contextd.pipeline.artifacts import _magika", None, False, False),
        ("from contextd.pipeline.artifacts import _magika", "artifacts", False, True),
        ("from contextd.pipeline.snapshot._cues import judge", "snapshot", True, True),
        ("from contextd.pipeline._fences import split_segments", "snapshot", True, True),
        ("from contextd.pipeline._fences import split_segments", None, False, False),
        ("from contextd.pipeline import _fences", None, False, False),
        ("from contextd.pipeline.types import Turn", None, False, True),
    ],
)
def test_the_rule_tells_public_from_private(
    source: str, home: str | None, in_pipeline: bool, allowed: bool
) -> None:
    ((_, module, names),) = list(_imports(ast.parse(source)))
    assert (violation(module, names, home, in_pipeline) == "") is allowed


@pytest.mark.parametrize("package", _packages())
def test_every_exported_name_exists(package: str) -> None:
    module = importlib.import_module(package)
    exported = getattr(module, "__all__", None)
    if package == "contextd.pipeline":
        assert exported is None  # the stages are its surface
        return
    assert exported is not None, f"{package} declares no __all__"
    assert len(exported) == len(set(exported)), f"{package}.__all__ repeats a name"
    missing = [name for name in exported if not hasattr(module, name)]
    assert not missing, f"{package}.__all__ names what it lacks: {missing}"


@pytest.mark.parametrize("package", [p for p in _packages() if p != "contextd.pipeline"])
def test_every_public_name_of_a_subpackage_is_exported(package: str) -> None:
    """Submodules bound by the import system are not names the package offers."""
    module = importlib.import_module(package)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, ModuleType | __future__._Feature)
    }
    assert public <= set(module.__all__), f"{package}: public but not in __all__"
