"""`contextd snapshot`: print a source's context snapshot, or copy it to the clipboard."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from typing import Annotated, Any

import typer

from contextd.cli.common import (
    JsonOpt,
    KeyOpt,
    Output,
    SourceArg,
    TimeoutOpt,
    UrlOpt,
    WaitOpt,
    fail,
    session,
)
from contextd.cli.prefixes import source_id

CLIPBOARD_TOOLS = (
    ("wl-copy", ["wl-copy"]),
    ("xclip", ["xclip", "-selection", "clipboard"]),
    ("xsel", ["xsel", "--clipboard", "--input"]),
    ("pbcopy", ["pbcopy"]),
    ("clip.exe", ["clip.exe"]),
)


def copy_to_clipboard(text: str, out: Output) -> str | None:
    """Copy with the first clipboard tool present, else OSC 52 on a terminal; returns how."""
    for name, command in CLIPBOARD_TOOLS:
        if name == "wl-copy" and not os.environ.get("WAYLAND_DISPLAY"):
            continue
        if name in ("xclip", "xsel") and not os.environ.get("DISPLAY"):
            continue
        if shutil.which(command[0]) is None:
            continue
        try:
            subprocess.run(command, input=text.encode(), check=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        return name
    if out.err.is_terminal:
        # OSC 52: the terminal (also over SSH, in most terminals) puts it on the clipboard.
        payload = base64.b64encode(text.encode()).decode()
        sys.stderr.write(f"\x1b]52;c;{payload}\x07")
        sys.stderr.flush()
        return "OSC 52 (if your terminal allows it)"
    return None


def snapshot(
    source: SourceArg,
    copy: Annotated[
        bool, typer.Option("--copy", help="Copy to the clipboard, do not print")
    ] = False,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = 600.0,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Print (or --copy) a source's context snapshot, the Markdown to paste into a new chat."""
    with session(url, api_key, json_) as s:
        source = source_id(s.client, source)
        if wait:
            s.client.sources.wait_until_done(source, timeout=timeout)
        snap = s.client.sources.snapshot(source)
        if copy:
            how = copy_to_clipboard(snap.content, s.out)
            if how is None:
                fail(
                    "could not copy: no clipboard tool (wl-copy, xclip, xsel, pbcopy) and no "
                    "terminal for OSC 52; run without --copy and pipe the output instead",
                    1,
                )
            s.out.note(
                f"copied the snapshot ({snap.tokens_after} tokens, "
                f"{len(snap.content)} characters) with {how}"
            )
            if s.json:
                s.out.emit({"copied": True, "via": how, **_jsonable_snapshot(snap)})
            return
        if s.json:
            s.out.emit(snap)
            return
        sys.stdout.write(snap.content if snap.content.endswith("\n") else snap.content + "\n")
        s.out.note(
            f"[dim]{snap.tokens_before} -> {snap.tokens_after} tokens "
            f"({snap.compression:.1f}x)[/dim]"
        )


def _jsonable_snapshot(snap: Any) -> dict[str, Any]:
    data: dict[str, Any] = snap.model_dump(mode="json", by_alias=True)
    return data
