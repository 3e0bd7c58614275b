"""A local HTTP server speaking the OpenAI Chat Completions protocol, with scripted replies.

The hosted LLM is the one boundary we cannot run here; this server speaks its real wire format,
so the real `openai` client (and contextd's engine through it) is exercised end to end. Replies
are scripted in order (`answer`) or, once the script is used up, written per request by a
`responder` that reads the request's body (a map-reduce sends many, each different).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contextd.pipeline.tokens import count_tokens
from contextd.testing import ThreadedServer


@dataclass
class Reply:
    content: str | None = ""
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None  # sent as is, instead of a completion
    usage: bool = True  # False: no `usage` in the completion, as some local servers do


@dataclass
class Recorded:
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeModelServer:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    replies: deque[Reply] = field(default_factory=deque)
    responder: Callable[[dict[str, Any]], Reply | str] | None = None

    def reset(self) -> None:
        self.requests.clear()
        self.replies.clear()
        self.responder = None

    def answer(self, *replies: Reply | str) -> None:
        self.replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    async def chat_completions(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(Recorded(dict(request.headers), body))
        if self.replies:
            reply = self.replies.popleft()
        elif self.responder is not None:
            written = self.responder(body)
            reply = written if isinstance(written, Reply) else Reply(written)
        else:
            reply = Reply("")
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.raw is not None:
            return Response(reply.raw, status_code=reply.status, media_type="application/json")
        if reply.status != 200:
            error = {"message": f"scripted failure {reply.status}", "type": "server_error"}
            return JSONResponse({"error": {**error, "param": None, "code": None}}, reply.status)
        message = {"role": "assistant", "content": reply.content, "refusal": None}
        prompt_tokens = sum(count_tokens(m["content"]) for m in body["messages"])
        completion_tokens = count_tokens(reply.content or "")
        completion: dict[str, Any] = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
            ],
        }
        if reply.usage:
            completion["usage"] = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            }
        return JSONResponse(completion)


@contextmanager
def running_model_server() -> Iterator[FakeModelServer]:
    """The fake model on a real HTTP server (loopback, a free port); `url` is its API root."""
    fake = FakeModelServer()
    app = Starlette(routes=[Route("/v1/chat/completions", fake.chat_completions, methods=["POST"])])
    with ThreadedServer(app, timeout_graceful_shutdown=1) as server:
        fake.url = server.url + "/v1"
        yield fake


# --- a model of contextd's own prompts, for the LLM engine's map-reduce --------------------

_TURN_RE = re.compile(r"^\[t(\d+)\] [^:]*: (.*)$", re.M)
_NOTE_RE = re.compile(r"^- .*\[t[\d, t]+\]$", re.M)
MapExtra = Callable[[list[tuple[int, str]]], list[str]]


def request_kind(body: dict[str, Any]) -> str:
    """Which of the LLM engine's requests this is: "whole", "map", "condense" or "final"."""
    system = body["messages"][0]["content"]
    if system.startswith("You take notes"):
        return "map"
    if system.startswith("You merge notes"):
        final = "Write the snapshot now." in body["messages"][1]["content"]
        return "final" if final else "condense"
    return "whole"


def seen_turns(body: dict[str, Any]) -> list[int]:
    """The turns a request showed the model, in order."""
    return [int(n) for n, _ in _TURN_RE.findall(body["messages"][1]["content"])]


def note_taker(
    *, keep: int = 6, map_extra: MapExtra | None = None
) -> Callable[[dict[str, Any]], Reply | str]:
    """A model that notes each turn's first sentence (after `map_extra`'s notes) and, merging,
    keeps the first `keep` notes; it thinks aloud first and answers without `usage`, as local
    servers may. It writes more than asked: the engine trims each part's notes to length."""

    def respond(body: dict[str, Any]) -> Reply:
        user = body["messages"][1]["content"]
        if request_kind(body) in ("map", "whole"):
            turns = [(int(n), text) for n, text in _TURN_RE.findall(user)]
            lines = map_extra(turns) if map_extra else []
            lines += [f"- {text.split('. ')[0].rstrip('.')}. [t{n}]" for n, text in turns]
            answer = "## Constraints and facts\n" + "\n".join(lines)
        else:
            notes = _NOTE_RE.findall(user.split("<notes>")[1])
            answer = "## Constraints and facts\n" + "\n".join(notes[:keep])
        return Reply("<think>Let me read the part first.</think>\n" + answer, usage=False)

    return respond


def hashed_embedding(text: str, dim: int, salt: str = "") -> list[float]:
    """A deterministic bag-of-words vector: texts sharing words are similar."""
    import hashlib

    vector = [0.0] * dim
    for word in text.lower().split():
        digest = hashlib.sha256((salt + word.strip(".,!?:;")).encode()).digest()
        vector[digest[0] % dim] += 1.0 if digest[1] % 2 else -1.0
    return vector


@dataclass
class FakeEmbeddingServer:
    """`POST /v1/embeddings` with the real request and response shapes."""

    dim: int = 16
    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def embeddings(self, request: Request) -> Response:
        body = await request.json()
        self.calls.append(body)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": hashed_embedding(t, self.dim, body["model"]),
            }
            for i, t in enumerate(inputs)
        ]
        return JSONResponse(
            {"object": "list", "data": data, "model": body["model"],
             "usage": {"prompt_tokens": 0, "total_tokens": 0}}
        )  # fmt: skip
