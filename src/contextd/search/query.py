"""Turning a user's query into terms: for the lexical indexes and for highlights."""

from __future__ import annotations

import re

_TERM = re.compile(r"[^\W_]+", re.UNICODE)
# Words too common to rank by; each database's own stemmer handles the rest.
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    }
)


def terms(query: str, *, limit: int = 32) -> list[str]:
    """Distinct lower-case terms in order, stopwords dropped (all kept if nothing else is left)."""
    words = [w.lower() for w in _TERM.findall(query)]
    kept = [w for w in words if w not in STOPWORDS] or words
    return list(dict.fromkeys(kept))[:limit]


def fts5_match(query: str) -> str | None:
    """An FTS5 MATCH expression: any term, each quoted so no user input is FTS syntax."""
    found = terms(query)
    return " OR ".join(f'"{t}"' for t in found) if found else None


def tsquery(query: str) -> str | None:
    """A to_tsquery expression: any term (terms are alphanumeric, so nothing needs escaping)."""
    found = terms(query)
    return " | ".join(found) if found else None


def highlights(text: str, query: str, *, width: int = 80, most: int = 3) -> list[str]:
    """Snippets of `text` around the query's terms, each match wrapped in <mark>…</mark>."""
    found = [t for t in terms(query) if len(t) > 1]
    if not found:
        return []
    pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in found) + r")\w*", re.IGNORECASE)
    snippets: list[str] = []
    last_end = -1
    for match in pattern.finditer(text):
        if match.start() < last_end:
            continue
        start = max(0, match.start() - width)
        end = min(len(text), match.end() + width)
        piece = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", text[start:end])
        snippets.append(("…" if start else "") + piece.strip() + ("…" if end < len(text) else ""))
        last_end = end
        if len(snippets) >= most:
            break
    return snippets
