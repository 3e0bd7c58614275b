"""The optional LLM snapshot engine: any OpenAI-compatible Chat Completions endpoint.

The built-in engine is extractive: it can only quote. A language model can merge, rephrase and
notice what a revision made obsolete, so operators who run one (Ollama, vLLM, llama.cpp's server,
LM Studio, a hosted API) can point contextd at it. The model is asked for the built-in engine's
sections and citation format, and nothing it returns is trusted:

* only the known section headings are kept, rendered in the fixed order, empty ones omitted;
* every line must cite at least one turn (or paragraph) that shares its words: a citation that
  does not is removed, and a line left with none is re-cited to the turn that does, or dropped;
* the Artifacts section is not the model's: it is rendered from the extracted artifacts;
* the token budget is a hard limit, counted with our tokenizer: whole bullets are dropped from the
  end of the least important sections until the Markdown fits, never a partial line.

Every request fits the model's window (`LLMConfig.context_tokens`): a longer source is read in
sections, each turned into cited notes, and the notes merged into the snapshot (map-reduce).

The pieces: `_client` (the request and its failures), `_prompt` (the prompts, and the source cut
into sections), `_answer` (reading the model's Markdown back), `_citations` (checking citations
against the source), `_mapreduce` (sections, notes and merges within the window) and `engine`
(the flow, on the shared `snapshot.format`).
"""

from contextd.pipeline.snapshot.llm._client import LLMConfig, LLMUnavailable
from contextd.pipeline.snapshot.llm.engine import (
    ENGINE_PREFIX,
    build_llm_snapshot,
    snapshot_with_fallback,
)

__all__ = [
    "ENGINE_PREFIX",
    "LLMConfig",
    "LLMUnavailable",
    "build_llm_snapshot",
    "snapshot_with_fallback",
]
