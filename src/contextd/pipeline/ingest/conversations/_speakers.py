"""Who a speaker is ("User", "ChatGPT", "Ben") and when they spoke, as every reader spells them.

Readers of exports and of plain transcripts map names to roles and read timestamps here, so a
turn gets the same role and time whichever way its conversation arrived.
"""

from __future__ import annotations

from datetime import UTC, datetime

_USER_NAMES = frozenset({"user", "human", "me", "you", "the user"})
_ASSISTANT_NAMES = frozenset(
    {
        "assistant",
        "ai",
        "ai assistant",
        "bot",
        "chatbot",
        "model",
        "llm",
        "chatgpt",
        "gpt",
        "bard",
        "gemini",
        "claude",
        "copilot",
        "github copilot",
        "bing",
        "perplexity",
        "llama",
        "mistral",
        "grok",
        "deepseek",
        "qwen",
        "meta ai",
    }
)
# Model names carry versions ("GPT-4o", "Claude 3.5 Sonnet", "gemini-1.5-pro").
_ASSISTANT_PREFIXES = (
    "gpt-",
    "gpt ",
    "chatgpt ",
    "claude ",
    "claude-",
    "gemini ",
    "gemini-",
    "llama",
    "mistral",
    "deepseek",
    "qwen",
)
_SYSTEM_NAMES = frozenset({"system", "developer"})
_TOOL_NAMES = frozenset({"tool", "function"})


def speaker_role(speaker: str) -> str:
    """Map a speaker name as written to a role, so user-ish and model-ish names agree everywhere.

    Any other name is a person in a multi-party chat, hence "other".
    """
    name = " ".join(speaker.lower().split())
    if name in _USER_NAMES:
        return "user"
    if name in _ASSISTANT_NAMES or name.startswith(_ASSISTANT_PREFIXES):
        return "assistant"
    if name in _SYSTEM_NAMES:
        return "system"
    if name in _TOOL_NAMES:
        return "tool"
    return "other"


def is_known_speaker(name: str) -> bool:
    return speaker_role(name) != "other"


_TIMESTAMP_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %I:%M %p",
    "%Y-%m-%d %I:%M:%S %p",
    "%I:%M %p on %d %B, %Y",  # LoCoMo's session dates: "1:56 pm on 8 May, 2023"
    "%d %B %Y %H:%M",
    "%B %d, %Y %I:%M %p",
    "%B %d, %Y, %I:%M %p",
)


def parse_timestamp(value: str) -> datetime | None:
    """Read the timestamps transcripts and exports write, as aware datetimes (naive ones are UTC).

    A time without a date ("12:01") cannot be placed in time and gives None.
    """
    text = value.strip()
    if not text or not any(ch.isdigit() for ch in text):
        return None
    if text.endswith((" UTC", " GMT")):
        text = text[:-4] + "+00:00"
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _TIMESTAMP_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def epoch(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def any_timestamp(value: object) -> datetime | None:
    """Exports write epoch seconds (ChatGPT) or ISO strings (Claude); accept either."""
    if isinstance(value, str):
        return parse_timestamp(value)
    return epoch(value)


def format_timestamp(value: datetime) -> str:
    """The one timestamp spelling contextd writes; `parse_timestamp` reads it back."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
