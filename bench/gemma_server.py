"""llama-cpp-python's OpenAI-compatible server for a Gemma 3 GGUF, with Gemma 3's own chat format.

Usage (in a venv of its own, never the project's: llama-cpp-python is a server a user runs):
    nice -n 5 /tmp/llmvenv/bin/python bench/gemma_server.py --model PATH.gguf --n_ctx 8192 \
        --port 8080 --chat_format gemma3-system

Why this file: the Gemma 3 270M GGUF on the package index carries no chat template, and
llama-cpp-python's own `gemma` format drops system messages, so the LLM engine's instructions
never reached the model. Gemma 3's template puts the system text at the head of the first user
turn; this registers that format and then hands every argument to the stock server.
"""

from __future__ import annotations

from typing import Any

from llama_cpp import llama_chat_format as chat  # type: ignore[import-not-found]
from llama_cpp.server.__main__ import main  # type: ignore[import-not-found]


@chat.register_chat_format("gemma3-system")  # type: ignore[untyped-decorator]
def gemma3_system(messages: list[dict[str, Any]], **_: Any) -> Any:
    system = "\n\n".join(str(m["content"]) for m in messages if m["role"] == "system")
    prompt = ""
    for message in (m for m in messages if m["role"] != "system"):
        role = "model" if message["role"] == "assistant" else "user"
        content = str(message.get("content") or "")
        if system and role == "user":
            content, system = f"{system}\n\n{content}", ""
        prompt += f"<start_of_turn>{role}\n{content}<end_of_turn>\n"
    prompt += "<start_of_turn>model\n"
    return chat.ChatFormatterResponse(prompt=prompt, stop=["<end_of_turn>"])


if __name__ == "__main__":
    main()
