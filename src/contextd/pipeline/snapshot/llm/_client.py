"""The model's side of the LLM engine: one Chat Completions request, and its failures as reasons.

The client is the official `openai` package, imported on first use (it takes seconds), one per
configuration, with `max_retries=0` so that `LLMConfig.timeout` bounds the wait. The call is
synchronous: run it in the job worker, never on a request path. Every failure becomes
`LLMUnavailable` with a reason a user can read (and with the API key masked).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

_MAX_REASON_CHARS = 300
# The openai client insists on a key; this one is never sent (see `request`).
_NO_KEY = "contextd-no-api-key"
# Small enough for the local servers' usual windows (llama.cpp's and Ollama's defaults are
# smaller still: set them to at least this, or set `context_tokens` to what they use).
DEFAULT_CONTEXT_TOKENS = 8192


class LLMUnavailable(Exception):
    """The LLM engine could not produce a usable snapshot; `reason` says why, for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LLMConfig:
    """Where the model is. `base_url` is the API root the client appends `/chat/completions` to,
    e.g. "http://127.0.0.1:11434/v1"; `timeout` is in seconds per request phase (no retries);
    `context_tokens` is the model's context window (prompt and answer together, as the server
    was started with: llama.cpp's `-c`, Ollama's `num_ctx`, vLLM's `--max-model-len`). Every
    request is sized to fit it; a longer source is read in sections (map-reduce).
    """

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    context_tokens: int = DEFAULT_CONTEXT_TOKENS


def request(
    config: LLMConfig, messages: list[ChatCompletionMessageParam], *, max_tokens: int
) -> str:
    """Send one Chat Completions request and return the answer's text, or raise LLMUnavailable.

    `max_tokens` caps the answer so that prompt and answer fit the model's window: a local
    server started with a small context would otherwise cut the prompt or fail. Only what every
    server speaks is sent (no JSON mode, no tools); `usage` is never read, as some omit it.
    """
    import openai

    try:
        completion = _client(config).chat.completions.create(
            model=config.model,
            messages=messages,
            max_tokens=max_tokens,
            extra_headers=None if config.api_key else {"Authorization": openai.Omit()},
        )
    except openai.APITimeoutError as exc:
        raise LLMUnavailable(f"timed out after {config.timeout:g} s") from exc
    except openai.APIConnectionError as exc:
        raise LLMUnavailable(_reason(f"connection failed: {_cause(exc)}", config)) from exc
    except openai.APIStatusError as exc:
        detail = _status_detail(exc)
        raise LLMUnavailable(_reason(f"HTTP {exc.status_code}: {detail}", config)) from exc
    except (openai.OpenAIError, ValueError, TypeError) as exc:
        # A 200 whose body is not JSON, a response the client could not build, a bad base URL.
        raise LLMUnavailable(_reason(f"invalid response: {_cause(exc)}", config)) from exc
    return _content(completion)


@functools.lru_cache(maxsize=8)
def _client(config: LLMConfig) -> openai.OpenAI:
    """One client per configuration, kept for its connection pool (it is thread-safe).

    The key is passed explicitly so that the client never picks up OPENAI_API_KEY from the
    environment and sends it to a third-party URL; without a key, `request` omits the
    Authorization header altogether. `openai` is imported on first use: it takes seconds.
    """
    import openai

    return openai.OpenAI(
        base_url=config.base_url,
        api_key=config.api_key or _NO_KEY,
        timeout=config.timeout,
        max_retries=0,
    )


def _content(completion: object) -> str:
    """The first choice's text; the client does not validate shapes, so neither do we assume."""
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise LLMUnavailable("invalid response: no choices")
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None)
    if not isinstance(content, str) or not content.strip():
        refusal = getattr(message, "refusal", None)
        if isinstance(refusal, str) and refusal.strip():
            raise LLMUnavailable(f"the model refused: {' '.join(refusal.split())[:200]}")
        raise LLMUnavailable("empty answer")
    return content


def _status_detail(exc: openai.APIStatusError) -> str:
    """The server's own error message ({"error": {"message": ...}} in OpenAI's shape)."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return " ".join(str(message).split())
    text = exc.response.text if not body else str(body)
    return " ".join(text.split()) or exc.response.reason_phrase


def _cause(exc: BaseException) -> str:
    """The innermost useful message: "Connection error." alone says little."""
    parts = [" ".join(str(exc).split()) or type(exc).__name__]
    inner = exc.__cause__ or exc.__context__
    if inner is not None and str(inner) and str(inner) not in parts[0]:
        parts.append(" ".join(str(inner).split()))
    return ": ".join(parts)


def _reason(text: str, config: LLMConfig) -> str:
    if config.api_key:
        text = text.replace(config.api_key, "***")
    if len(text) > _MAX_REASON_CHARS:
        text = text[: _MAX_REASON_CHARS - 1].rstrip() + "…"
    return text
