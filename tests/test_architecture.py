"""The shape of the package, enforced: layers, an SDK apart from the server, and no import cycle.

The contracts live in `pyproject.toml` (`[tool.importlinter]`, also run by `make lint` as
`lint-imports`); they are checked here against the `contextd` this suite imports, so a new
import that runs back up a layer, or a new circle, fails the suite and says which import it is.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest
from importlinter.application import use_cases
from importlinter.configuration import configure

import contextd

ROOT = Path(__file__).resolve().parents[1]


def module_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The import cycles between modules: strongly connected components of more than one module
    (Tarjan's algorithm, iterative: the graph is deeper than the recursion limit allows)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_the_import_contracts_are_kept(capfd: pytest.CaptureFixture[str]) -> None:
    """Layers (lowest first): domain | config, store | blobs, pipeline | jobs, search,
    services | webhooks, runtime, tasks, web, api | mcp, cli, __main__, testing; the SDK
    imports nothing of the server; what queues work uses only `jobs.queue`; no cycle between
    sibling packages."""
    configure()
    kept = use_cases.lint_imports(
        config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True
    )
    report = capfd.readouterr().out
    assert kept, report
    assert "0 broken" in report


def test_no_module_of_the_package_is_in_an_import_cycle() -> None:
    graph = grimp.build_graph(
        contextd.__name__, exclude_type_checking_imports=False, cache_dir=None
    )
    assert len(graph.modules) > 100  # the real package, not an empty stand-in
    cycles = module_cycles(graph)
    assert cycles == [], "import cycles between modules:\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles
    )


def test_the_cycle_check_finds_a_planted_cycle() -> None:
    """The check above can fail: a circle through three modules, beside an acyclic branch."""
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("pkg.a", "pkg.b"),
        ("pkg.b", "pkg.c"),
        ("pkg.c", "pkg.a"),
        ("pkg.c", "pkg.d"),
        ("pkg.e", "pkg.d"),
    ]:
        graph.add_import(importer=importer, imported=imported)
    assert module_cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
