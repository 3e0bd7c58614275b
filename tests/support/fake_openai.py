"""A local HTTP server speaking the OpenAI Chat Completions protocol, with scripted replies.

The hosted LLM is the one boundary we cannot run here; this server speaks its real wire format,
so the real `openai` client (and contextd's engine through it) is exercised end to end.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from contextd.pipeline.tokens import count_tokens


@dataclass
class Reply:
    content: str | None = ""
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None  # sent as is, instead of a completion


@dataclass
class Recorded:
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeModelServer:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    replies: deque[Reply] = field(default_factory=deque)

    def answer(self, *replies: Reply | str) -> None:
        self.replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    async def chat_completions(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(Recorded(dict(request.headers), body))
        reply = self.replies.popleft() if self.replies else Reply("")
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
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )


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
