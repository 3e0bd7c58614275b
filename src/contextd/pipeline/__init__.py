"""The pure processing stages, one subpackage per stage, each naming its public surface.

* `ingest/`: fetch (with the network policy), convert, conversations, and the ingest stage;
* `artifacts/`: code, schemas, diagrams and commands found in a source;
* `snapshot/`: the snapshot format and its two engines (builtin, llm);
* `chunk`, `embed`, `tokens`: chunking for search, embedding models, the token counter.

`types` (the data passed between stages) and `_fences` (Markdown fences, read by both the
artifacts and the snapshot's sentence splitter) are shared by the stages, so they stay here.
Other packages import a subpackage's names from the subpackage itself, never its private
modules (`tests/pipeline/test_public_surface.py` enforces it).
"""
