"""`contextd spaces ...` and `contextd collections ...`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.tree import Tree

from contextd.cli.common import (
    JsonOpt,
    KeyOpt,
    UrlOpt,
    WideOpt,
    resolve_collection,
    resolve_space,
    session,
    short_time,
)
from contextd.cli.ids import short_id
from contextd.cli.tables import KEY, MINOR, USEFUL, Col
from contextd.client import CollectionNode

spaces_app = typer.Typer(help="Spaces: the project containers.", no_args_is_help=True)
collections_app = typer.Typer(
    help="Collections: folders inside a space, forming a tree.", no_args_is_help=True
)

SpaceArg = Annotated[str, typer.Argument(help="Space id (or a unique prefix) or name")]
SPACE_COLUMNS = (
    Col("id", KEY),
    Col("name", KEY, wrap=True, min_width=12),
    Col("description", USEFUL, wrap=True, min_width=16),
    Col("created", MINOR),
)


@spaces_app.command("list")
def spaces_list(
    url: UrlOpt = None, api_key: KeyOpt = None, json_: JsonOpt = False, wide: WideOpt = False
) -> None:
    """List your spaces."""
    with session(url, api_key, json_, wide) as s:
        spaces = list(s.client.spaces.list(per_page=100))
        if s.json:
            s.out.emit(spaces)
            return
        if not spaces:
            s.out.note("no spaces yet: `contextd spaces create NAME`")
            return
        rows = [
            [
                s.out.id(space.id),
                escape(space.name),
                escape(space.description or ""),
                short_time(space.created_at),
            ]
            for space in spaces
        ]
        s.out.table(SPACE_COLUMNS, rows)


@spaces_app.command("create")
def spaces_create(
    name: Annotated[str, typer.Argument(help="The new space's name")],
    description: Annotated[str | None, typer.Option(help="What the space is about")] = None,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Create a space; prints its id."""
    with session(url, api_key, json_) as s:
        s.out.created("space", s.client.spaces.create(name, description=description))


@spaces_app.command("show")
def spaces_show(
    space: SpaceArg, url: UrlOpt = None, api_key: KeyOpt = None, json_: JsonOpt = False
) -> None:
    """A space with its collections and the number of its sources."""
    with session(url, api_key, json_) as s:
        found = resolve_space(s.client, space)
        tree = s.client.collections.tree(found)
        sources = s.client.sources.list(found, per_page=1).page(1)
        if s.json:
            body = found.model_dump(mode="json", by_alias=True)
            body["collections"] = [n.model_dump(mode="json", by_alias=True) for n in tree]
            body["sources"] = sources.pagination.total
            s.out.emit(body)
            return
        s.out.out.print(f"[bold]{found.name}[/bold]  {found.id}")
        if found.description:
            s.out.out.print(found.description)
        s.out.out.print(
            f"created {short_time(found.created_at)}, {sources.pagination.total} sources"
        )
        if tree:
            s.out.out.print(_tree(found.name, tree, s.out.wide))


@spaces_app.command("delete")
def spaces_delete(
    space: SpaceArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask")] = False,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Delete a space with its collections, sources and artifacts."""
    with session(url, api_key, json_) as s:
        found = resolve_space(s.client, space)
        if not yes and not typer.confirm(
            f"Delete space {found.name!r} ({found.id}) and everything in it?", err=True
        ):
            raise typer.Exit(1)
        s.client.spaces.delete(found)
        if s.json:
            s.out.emit({"id": found.id, "deleted": True})
        else:
            s.out.note(f"deleted space {found.name!r}")


def _tree(title: str, nodes: list[CollectionNode], wide: bool = False) -> Tree:
    root = Tree(f"[bold]{escape(title)}[/bold]")

    def add(parent: Tree, items: list[CollectionNode]) -> None:
        for node in items:
            branch = parent.add(f"{escape(node.name)}  [dim]{short_id(node.id, wide)}[/dim]")
            add(branch, node.children)

    add(root, nodes)
    return root


@collections_app.command("list")
def collections_list(
    space: SpaceArg,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """The space's collections as a tree (short ids; --wide for whole ones)."""
    with session(url, api_key, json_, wide) as s:
        found = resolve_space(s.client, space)
        tree = s.client.collections.tree(found)
        if s.json:
            s.out.emit(tree)
            return
        if not tree:
            s.out.note(f"no collections in {found.name!r}: `contextd collections create`")
            return
        s.out.out.print(_tree(found.name, tree, s.out.wide))


@collections_app.command("create")
def collections_create(
    space: SpaceArg,
    name: Annotated[str, typer.Argument(help="The new collection's name")],
    parent: Annotated[
        str | None, typer.Option(help="Parent collection (id, name or path a/b)")
    ] = None,
    description: Annotated[str | None, typer.Option(help="What it holds")] = None,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Create a collection, at the root or under --parent; prints its id."""
    with session(url, api_key, json_) as s:
        found = resolve_space(s.client, space)
        parent_id = resolve_collection(s.client, found, parent) if parent else None
        created = s.client.collections.create(
            found, name, description=description, parent=parent_id
        )
        s.out.created("collection", created)


@collections_app.command("delete")
def collections_delete(
    space: SpaceArg,
    collection: Annotated[str, typer.Argument(help="Collection id, name or path a/b")],
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Delete a collection and its sub-collections; their sources stay, unfiled."""
    with session(url, api_key, json_) as s:
        found = resolve_space(s.client, space)
        collection_id = resolve_collection(s.client, found, collection)
        s.client.collections.delete(collection_id)
        if s.json:
            s.out.emit({"id": collection_id, "deleted": True})
        else:
            s.out.note(f"deleted collection {collection_id}")
