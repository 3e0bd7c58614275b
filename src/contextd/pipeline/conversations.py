"""Find the turns of a conversation, in structured chat exports and in plain-text transcripts.

Turns are what retrieval, artifact provenance and snapshots point at, so a conversation must be
cut where its speakers change and nowhere else. Two sources exist:

* Chat exports (ChatGPT's and Claude's `conversations.json`, OpenAI-style message lists) say
  exactly who spoke when; `parse_export` reads them without guessing.
* Pasted or converted transcripts only have "Speaker:" lines. `parse_transcript` accepts a text
  as a conversation only on evidence (several turns, several speakers, little text outside the
  turns), because wrongly chopping an ordinary document into "turns" by its "Note:" lines is
  worse than treating a conversation as one document.

Everything here is linear in the size of the input: transcripts of a million words are normal.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from contextd.pipeline.types import Conversation, Document, Turn

# ---------------------------------------------------------------------------------------------
# Speakers and timestamps
# ---------------------------------------------------------------------------------------------

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


def _is_known_speaker(name: str) -> bool:
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


def _epoch(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _any_timestamp(value: object) -> datetime | None:
    """Exports write epoch seconds (ChatGPT) or ISO strings (Claude); accept either."""
    if isinstance(value, str):
        return parse_timestamp(value)
    return _epoch(value)


def format_timestamp(value: datetime) -> str:
    """The one timestamp spelling contextd writes; `parse_timestamp` reads it back."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# Structured exports
# ---------------------------------------------------------------------------------------------


def _as_dict(value: object) -> dict[str, object] | None:
    return value if isinstance(value, dict) else None


def _as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _dicts(value: object) -> list[dict[str, object]] | None:
    """The value as a non-empty list of objects, else None (JSON arrays of anything else)."""
    if not isinstance(value, list) or not value:
        return None
    items = [item for item in value if isinstance(item, dict)]
    return items if len(items) == len(value) else None


def _fence(text: str, language: str = "") -> str:
    """Fence `text` with more backticks than it contains, so embedded fences cannot close it."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=0)
    marker = "`" * max(3, longest + 1)
    return f"{marker}{language}\n{text.rstrip(chr(10))}\n{marker}"


def _chatgpt_branch(mapping: dict[str, object], current: object) -> list[dict[str, object]]:
    """The nodes of the branch the user last saw, root first.

    Edited prompts and regenerated answers leave sibling branches in `mapping`; only the path
    from `current_node` up to the root is the conversation as it stands. Without a usable
    `current_node`, the newest branch (last child at every fork) is taken instead.
    """
    nodes = {key: node for key, value in mapping.items() if (node := _as_dict(value)) is not None}
    path: list[dict[str, object]] = []
    seen: set[str] = set()
    node_id = _as_str(current)
    if node_id in nodes:
        while node_id is not None and node_id in nodes and node_id not in seen:
            seen.add(node_id)
            node = nodes[node_id]
            path.append(node)
            node_id = _as_str(node.get("parent"))
        path.reverse()
        return path
    roots = [key for key, node in nodes.items() if _as_str(node.get("parent")) not in nodes]
    node_id = roots[0] if roots else None
    while node_id is not None and node_id in nodes and node_id not in seen:
        seen.add(node_id)
        node = nodes[node_id]
        path.append(node)
        children = node.get("children")
        node_id = _as_str(children[-1]) if isinstance(children, list) and children else None
    return path


def _chatgpt_text(content: dict[str, object]) -> str:
    """The visible text of a ChatGPT message, or "" for content the user never saw as text."""
    kind = content.get("content_type")
    if kind in ("text", "multimodal_text"):
        parts = content.get("parts")
        texts: list[str] = []
        for part in parts if isinstance(parts, list) else []:
            if isinstance(part, str):
                texts.append(part)
            elif (d := _as_dict(part)) and d.get("content_type") == "audio_transcription":
                texts.append(_as_str(d.get("text")) or "")
        return "\n\n".join(t.strip("\n") for t in texts if t.strip())
    if kind in ("code", "execution_output"):
        # Code the model ran and what it printed: part of the work, and artifacts live there.
        text = _as_str(content.get("text")) or ""
        language = _as_str(content.get("language")) or ""
        if language == "unknown":
            language = ""
        return _fence(text, language) if text.strip() else ""
    return ""


def _shown_to_user(role: str, recipient: object, content_type: object) -> bool:
    """Whether ChatGPT showed the message, rather than exchanging it with a tool behind the scenes.

    The model's calls to search, memory or image tools and most tool replies are plumbing; code it
    ran with the Python tool, and that code's output, were shown and are kept.
    """
    if role == "assistant":
        return recipient in (None, "all", "python")
    if role == "tool":
        return content_type == "execution_output"
    return True


def _chatgpt_turns(conversation: dict[str, object]) -> list[Turn]:
    mapping = _as_dict(conversation.get("mapping")) or {}
    speakers = {"user": "User", "assistant": "ChatGPT", "tool": "Tool"}
    turns: list[Turn] = []
    for node in _chatgpt_branch(mapping, conversation.get("current_node")):
        message = _as_dict(node.get("message"))
        if message is None:
            continue
        author = _as_dict(message.get("author")) or {}
        role = _as_str(author.get("role")) or ""
        metadata = _as_dict(message.get("metadata")) or {}
        content = _as_dict(message.get("content")) or {}
        if role not in speakers or metadata.get("is_visually_hidden_from_conversation"):
            continue
        if not _shown_to_user(role, message.get("recipient"), content.get("content_type")):
            continue
        text = _chatgpt_text(content)
        if not text.strip():
            continue
        timestamp = _epoch(message.get("create_time"))
        turns.append(Turn(len(turns), speakers[role], role, text, timestamp))
    return turns


def _claude_text(message: dict[str, object]) -> str:
    blocks = message.get("content")
    texts = [
        _as_str(block.get("text")) or ""
        for block in (blocks if isinstance(blocks, list) else [])
        if isinstance(block, dict) and block.get("type") == "text"
    ]
    text = "\n\n".join(t for t in texts if t.strip()) or (_as_str(message.get("text")) or "")
    # Pasted files arrive as attachments; their text is part of what the user said.
    attachments = message.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        if not isinstance(attachment, dict):
            continue
        extracted = _as_str(attachment.get("extracted_content")) or ""
        if extracted.strip():
            name = _as_str(attachment.get("file_name")) or "attachment"
            text = f"{text}\n\n{name}:\n\n{_fence(extracted)}".lstrip("\n")
    return text.strip("\n")


def _claude_turns(conversation: dict[str, object]) -> list[Turn]:
    senders = {"human": ("Human", "user"), "assistant": ("Claude", "assistant")}
    turns: list[Turn] = []
    for message in _dicts(conversation.get("chat_messages")) or []:
        sender = senders.get(_as_str(message.get("sender")) or "")
        text = _claude_text(message)
        if sender is None or not text.strip():
            continue
        timestamp = _any_timestamp(message.get("created_at"))
        turns.append(Turn(len(turns), sender[0], sender[1], text, timestamp))
    return turns


def _message_text(message: dict[str, object]) -> str:
    """Text of an OpenAI (`content`), Anthropic (`content` blocks) or Gemini (`parts`) message."""
    content = message.get("content", message.get("parts"))
    if isinstance(content, str):
        return content.strip("\n")
    texts: list[str] = []
    for part in content if isinstance(content, list) else []:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and part.get("type", "text") == "text":
            texts.append(_as_str(part.get("text")) or "")
    return "\n\n".join(t.strip("\n") for t in texts if t.strip())


def _message_turns(messages: list[dict[str, object]]) -> list[Turn]:
    turns: list[Turn] = []
    for message in messages:
        written = _as_str(message.get("role")) or ""
        role = speaker_role(written)  # "model" (Gemini) is the assistant, "developer" a system
        speaker = _as_str(message.get("name")) or written.capitalize()
        text = _message_text(message)
        if not text.strip():
            continue
        stamp = next(
            (message[k] for k in ("timestamp", "created_at", "create_time") if k in message), None
        )
        turns.append(Turn(len(turns), speaker, role, text, _any_timestamp(stamp)))
    return turns


def _is_message(item: dict[str, object]) -> bool:
    return isinstance(item.get("role"), str) and ("content" in item or "parts" in item)


def _is_chat(messages: list[dict[str, object]]) -> bool:
    """Messages with roles, at least one of them a user or a model (not, say, an ACL list)."""
    return all(_is_message(m) for m in messages) and any(
        speaker_role(str(m["role"])) in ("user", "assistant") for m in messages
    )


def detect_export(data: object) -> tuple[str, list[Conversation]] | None:
    """Recognise a chat export already parsed from JSON; return its format name and contents.

    The format name ("chatgpt", "claude" or "messages") becomes `Document.format`.
    """
    items = _dicts(data) or ([d] if (d := _as_dict(data)) is not None else None)
    if items is None:
        return None
    if all(isinstance(item.get("mapping"), dict) for item in items):
        return "chatgpt", [
            Conversation(_as_str(c.get("title")), tuple(_chatgpt_turns(c))) for c in items
        ]
    if all(isinstance(item.get("chat_messages"), list) for item in items):
        return "claude", [
            Conversation(_as_str(c.get("name")), tuple(_claude_turns(c))) for c in items
        ]
    wrapper = _as_dict(data)
    messages = _dicts(wrapper.get("messages")) if wrapper is not None else items
    if messages and _is_chat(messages):
        title = _as_str(wrapper.get("title")) if wrapper is not None else None
        return "messages", [Conversation(title, tuple(_message_turns(messages)))]
    return None


def parse_export(data: object) -> list[Conversation] | None:
    """The conversations of a structured chat export, or None when `data` is not one."""
    found = detect_export(data)
    return found[1] if found is not None else None


def render_transcript(conversations: Sequence[Conversation]) -> str:
    """Write conversations as Markdown that reads well and that `parse_transcript` reads back.

    Each turn is an `### Speaker · timestamp` heading followed by its text; with several
    conversations, each starts with a `## title` heading.
    """
    blocks: list[str] = []
    several = len(conversations) > 1
    for number, conversation in enumerate(conversations, 1):
        if several:
            title = " ".join((conversation.title or "").split()) or f"Conversation {number}"
            blocks.append(f"## {title}\n")
        for turn in conversation.turns:
            head = turn.speaker
            if turn.timestamp is not None:
                head += f" · {format_timestamp(turn.timestamp)}"
            elif not _is_known_speaker(turn.speaker):
                head += ":"  # a bare unknown name in a heading is not taken for a speaker
            blocks.append(f"### {head}\n\n{turn.text}\n")
    return "\n".join(blocks)


def export_document(format: str, conversations: Sequence[Conversation]) -> Document:
    """The Document of a chat export: its rendered transcript, titled when it holds one chat."""
    title = conversations[0].title if len(conversations) == 1 else None
    return Document(text=render_transcript(conversations), format=format, title=title)


# ---------------------------------------------------------------------------------------------
# Plain-text transcripts
# ---------------------------------------------------------------------------------------------

# Words that end in a colon at the start of a line in ordinary prose and documentation.
_LABELS = """
    a address advantages answer appendix args arguments attention author background bcc bonus
    case caution caveat cc chapter conclusion cons context cost danger date definition
    description details disadvantages disclaimer edit email error errors example examples
    exception exercise figure fix fixme from goal goals hint important info information input
    introduction issue label lesson location name nb note notes notice option options output
    overview p.s params parameters part phone price problem prerequisites pros ps q question
    raises re reason requirements result results return returns rule section see solution source
    sources status step steps subject summary table task tip tips title tl;dr tldr to todo total
    update usage version warning yields
"""
_NOT_NAMES = frozenset(_LABELS.split())

# A speaker's name: up to 40 characters of letters, digits, spaces and . ' - _ starting with a
# letter. Every part of the pattern is bounded, so a line costs the same whatever follows.
_NAME = r"[^\W\d_][\w.'\u2019\- ]{0,39}?"
_CORE = re.compile(
    r"(?:\[(?P<pre>[^\[\]]{1,40})\][ \t]*)?"  # [12:01] Alice:
    rf"(?P<name>{_NAME})"
    r"(?:[ \t]*\((?P<paren>[^()]{1,40})\))?"  # User (2024-01-02 10:00):
    r"(?:[ \t]+·[ \t]+(?P<dot>[^·]{1,40}?))?"  # ### User · 2024-01-02T10:00:00Z
    r"(?P<said>[ \t]+said)?"  # ChatGPT said:
    r"[ \t]*(?:(?P<colon>:)(?:[ \t]+(?P<rest>.*))?)?"
)
_BOLD = re.compile(r"(\*\*|__)([^*_]{1,100}?)\1(.*)")
_PROMPT = re.compile(r">>>[ \t]*(.*)")
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)")


@dataclass(frozen=True)
class _Head:
    """A line that may start a turn."""

    line: int
    style: str
    speaker: str
    known: bool
    timestamp: datetime | None
    stamped: bool  # a timestamp was written, even one that gives no datetime ("12:01")
    rest: str


def _looks_like_time(value: str) -> bool:
    return any(ch.isdigit() for ch in value) and all(
        ch.isalnum() or ch in " :/.,-+" for ch in value
    )


def _plausible_name(name: str, *, lenient: bool) -> bool:
    """A person's name or handle rather than a label such as "Note" or "Step 2"."""
    words = name.split()
    if not 1 <= len(words) <= 3:
        return False
    if words[0].lower().rstrip(".") in _NOT_NAMES or name.lower() in _NOT_NAMES:
        return False
    # Without a timestamp to vouch for it, "The answer:" is prose: names are capitalised (or
    # written in a script without case).
    return lenient or all(word[0].isalpha() and not word[0].islower() for word in words)


def _read_core(text: str, style: str, line: int) -> _Head | None:
    """Parse "[time] Name (time) · time said: rest" once the style's markup is removed."""
    m = _CORE.fullmatch(text)
    if m is None:
        return None
    speaker = m["name"].strip()
    known = _is_known_speaker(speaker)
    prefix = m["pre"]
    if prefix is not None and not _looks_like_time(prefix):
        return None
    if not m["colon"] and (style == "plain" or not (known or m["dot"])):
        return None  # "## Introduction" is a section, "User" alone on a line is a word
    if m["said"] and not known:
        return None  # "Alice said: ..." is prose
    if not known and not _plausible_name(speaker, lenient=prefix is not None):
        return None
    stamp = next((s for s in (prefix, m["paren"], m["dot"]) if s), None)
    timestamp = parse_timestamp(stamp) if stamp else None
    return _Head(line, style, speaker, known, timestamp, stamp is not None, m["rest"] or "")


def _heading_text(line: str) -> str | None:
    """The text of an ATX heading ("## Title ##" -> "Title"), without a regex: headings are long."""
    level = len(line) - len(line.lstrip("#"))
    if not 1 <= level <= 6 or line[level : level + 1] not in (" ", "\t"):
        return None
    text = line[level:].strip()
    closing = text.rstrip("#")
    if closing != text and (not closing or closing[-1] in " \t"):
        text = closing.rstrip()
    return text


def _read_head(text: str, line: int) -> _Head | None:
    """Recognise one (stripped) line as a speaker line in any supported style, or None."""
    first = text[:1]
    if first == "#":
        heading = _heading_text(text)
        return _read_core(heading, "heading", line) if heading else None
    if first in ("*", "_"):
        m = _BOLD.fullmatch(text)
        if m is None:
            return None
        inner, after = m[2].rstrip(), m[3]
        if not inner.endswith(":"):
            after = after.lstrip(" \t")  # "**User**: hi"
            if after and after[0] != ":":
                return None
        return _read_core(inner + after, "bold", line)
    if first == ">":
        m = _PROMPT.fullmatch(text)
        return _read_core(m[1], "prompt", line) if m else None
    if ":" not in text[:100]:
        return None  # the common case: a line of prose, rejected without a regex
    return _read_core(text, "plain", line)


def _fenced_lines(lines: Sequence[str]) -> list[bool]:
    """Which lines sit inside ``` or ~~~ fences (fence lines included).

    A fence that is never closed is treated as text: one stray ``` in a pasted answer must not
    swallow every later turn.
    """
    opens: list[tuple[int, str, int]] = []  # (line, char, length)
    closers: dict[str, list[tuple[int, int]]] = {"`": [], "~": []}
    for i, line in enumerate(lines):
        if "```" not in line and "~~~" not in line:
            continue
        m = _FENCE.fullmatch(line.strip())
        if m is None or (m[1][0] == "`" and "`" in m[2]):
            continue  # not a fence, or ```inline code``` on one line
        marker, info = m[1], m[2]
        opens.append((i, marker[0], len(marker)))
        if not info.strip():
            closers[marker[0]].append((i, len(marker)))
    closer_lines = {char: [c[0] for c in found] for char, found in closers.items()}
    inside = [False] * len(lines)
    position = 0
    for start, char, length in opens:
        if start < position:
            continue
        candidates = closers[char]
        k = bisect.bisect_right(closer_lines[char], start)
        while k < len(candidates) and candidates[k][1] < length:
            k += 1
        if k == len(candidates):
            continue
        end = candidates[k][0]
        inside[start : end + 1] = [True] * (end + 1 - start)
        position = end + 1
    return inside


def _heads(lines: Sequence[str]) -> Iterator[_Head]:
    inside = _fenced_lines(lines)
    for i, line in enumerate(lines):
        if inside[i]:
            continue
        if line.startswith(("    ", "\t")):
            continue  # an indented code block
        text = line.strip()
        if text and (head := _read_head(text, i)) is not None:
            yield head


def _select(heads: list[_Head]) -> list[_Head]:
    """Keep the speaker lines that belong to the conversation's own layout.

    A transcript is written in one style; speaker-looking lines in another style are content
    (an answer's "**Example:**"). The style is the one most of the known speaker names use.
    When at least two known speakers (User, Assistant, ...) take part, other names are content
    too (an example dialogue inside an answer).
    """
    if not heads:
        return []
    styles = Counter(h.style for h in heads if h.known) or Counter(h.style for h in heads)
    style = styles.most_common(1)[0][0]
    heads = [h for h in heads if h.style == style]
    if len({h.speaker.lower() for h in heads if h.known}) >= 2:
        return [h for h in heads if h.known]
    if any(h.known for h in heads):
        return heads
    # Only names nobody knows, as in a chat between people. People speak more than once, while the
    # labels of a "Name: value" list do not repeat; a timestamp on every line vouches by itself.
    if len(heads) > len({h.speaker for h in heads}) or all(h.stamped for h in heads):
        return heads
    return []


def _trim_blank(lines: Sequence[str]) -> str:
    """Join lines, dropping blank lines around them but keeping indentation (code stays exact)."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


# Text before the first turn (a title, a pasted intro) may be at most this share of the whole,
# unless it is shorter than _SMALL_PREAMBLE characters.
_MAX_PREAMBLE_SHARE = 0.4
_SMALL_PREAMBLE = 200


def parse_transcript(text: str) -> Conversation | None:
    """Split a plain-text transcript into turns, or return None when it is not a conversation.

    A speaker line starts a turn and the lines until the next speaker line belong to it; lines
    inside code fences never start turns. Evidence required: two or more turns, two or more
    distinct speakers, and most of the text inside turns (a title or a short intro may precede).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    heads = _select(list(_heads(lines)))
    if len(heads) < 2 or len({h.speaker.lower() for h in heads}) < 2:
        return None
    preamble = lines[: heads[0].line]
    outside = sum(len(line.strip()) for line in preamble)
    total = outside + sum(len(line.strip()) for line in lines[heads[0].line :])
    if outside > max(_SMALL_PREAMBLE, _MAX_PREAMBLE_SHARE * total):
        return None
    turns: list[Turn] = []
    bounds = [h.line for h in heads[1:]] + [len(lines)]
    for head, end in zip(heads, bounds, strict=True):
        body = _trim_blank([head.rest, *lines[head.line + 1 : end]])
        role = speaker_role(head.speaker)
        turns.append(Turn(len(turns), head.speaker, role, body, head.timestamp))
    return Conversation(_title(preamble), tuple(turns))


def _title(preamble: Sequence[str]) -> str | None:
    for line in preamble:
        heading = _heading_text(line.strip())
        if heading:
            return heading
    return None
