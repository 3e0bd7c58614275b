"""Find the turns of a conversation, in structured chat exports and in plain-text transcripts.

Turns are what retrieval, artifact provenance and snapshots point at, so a conversation must be
cut where its speakers change and nowhere else. Two sources exist:

* Chat exports (ChatGPT's and Claude's `conversations.json`, OpenAI-style message lists) say
  exactly who spoke when; `exports` reads them without guessing, one reader module per format.
* Pasted or converted transcripts only have "Speaker:" lines; `transcripts.parse_transcript`
  accepts a text as a conversation only on evidence.

Speaker roles and timestamps are read the same way for both (`_speakers`). Everything here is
pure code (the CLI's importer uses it on the client side) and linear in the size of the input.
"""

from contextd.pipeline.ingest.conversations._common import ExportReader
from contextd.pipeline.ingest.conversations._speakers import (
    format_timestamp,
    parse_timestamp,
    speaker_role,
)
from contextd.pipeline.ingest.conversations.exports import (
    READERS,
    detect_export,
    export_document,
    parse_export,
    render_transcript,
)
from contextd.pipeline.ingest.conversations.transcripts import parse_transcript

__all__ = [
    "READERS",
    "ExportReader",
    "detect_export",
    "export_document",
    "format_timestamp",
    "parse_export",
    "parse_timestamp",
    "parse_transcript",
    "render_transcript",
    "speaker_role",
]
