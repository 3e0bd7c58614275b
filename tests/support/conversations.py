"""Conversations to build snapshots from, and how to read a snapshot's Markdown back."""

from __future__ import annotations

import re

from contextd.pipeline.types import Turn

CITATION = re.compile(r"\[(t\d+(?:, t\d+)*)\]$")


def section(markdown: str, heading: str) -> str:
    """The body of one section ("" if absent)."""
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    return match.group(1) if match else ""


# --- a realistic 200-turn conversation -----------------------------------------------------

TOPICS = [
    "tasks", "projects", "users", "comments", "labels", "attachments", "teams", "webhooks",
    "reports", "invites", "sessions", "audit logs", "exports", "notifications", "search",
]  # fmt: skip


def _user_turn(i: int, topic: str) -> str:
    name = topic.replace(" ", "_")
    variants = [
        f"Next I need the {topic} endpoint. It should support pagination with at most 100 "
        f"items per page. How do we handle filtering by status?",
        f"I ran the {topic} tests and got an error: KeyError 'owner_id' in list_{name}. "
        "Can you fix it?",
        f"Can we add caching to the {topic} list? Response time is about {120 + i} ms now.",
        f"Thanks, that works. The {topic} endpoint must not return deleted rows.",
        f"What about validation for {topic}? Titles should not be longer than 200 characters.",
    ]
    return variants[(i // 2) % len(variants)]


def _assistant_turn(i: int, topic: str) -> str:
    k = i // 2
    name = topic.replace(" ", "_")
    parts = [
        f"Good question. For {topic} we should keep the handler thin and move the queries into "
        "the repository layer.",
        f"The repository function `list_{name}` takes a cursor and a limit and returns the "
        "following cursor together with the page.",
    ]
    if k % 3 == 0:
        parts.append(
            f"Create `app/routes/{name}.py`:\n\n```python\nfrom fastapi import APIRouter\n\n"
            f"router = APIRouter()\n\n\n@router.get('/{name}')\n"
            f"def list_{name}(cursor: str | None = None, limit: int = 50):\n"
            f"    return repo.list_{name}(cursor=cursor, limit=min(limit, 100))\n```"
        )
    if k % 4 == 1:
        parts.append(f"Run the tests again:\n\n```bash\n$ pytest -q tests/test_{name}.py\n```")
    if k % 5 == 2:
        parts.append(
            f"I fixed the KeyError: the serializer now reads `owner_id` from the joined row, "
            f"so list_{name} works again."
        )
    parts.append(
        f"Filtering by status uses an index on ({name}.status, {name}.created_at), so the "
        "query stays under 10 ms for 1M rows."
    )
    parts.append("Let me know if you want me to add more tests!")
    return "\n\n".join(parts)


SPECIAL_TURNS = {
    0: (
        "I'm building a task tracking API with FastAPI for a small team of 20 people. "
        "The goal is to replace our spreadsheet with a REST service we can host on one VPS. "
        "It must run offline on our internal network."
    ),
    3: (
        "Let's use SQLite for the database, since everything runs on a single VPS. "
        "We'll keep the schema in one migration file.\n\n"
        "```sql\nCREATE TABLE tasks (\n  id INTEGER PRIMARY KEY,\n  title TEXT NOT NULL,\n"
        "  status TEXT NOT NULL DEFAULT 'open'\n);\n```"
    ),
    150: (
        "Actually, we have to switch the database to PostgreSQL instead of SQLite, because we "
        "will run four workers behind nginx."
    ),
    151: (
        "Agreed, PostgreSQL it is. I updated the connection settings to read DATABASE_URL, and "
        "the migrations now run with Alembic.\n\n```bash\n$ alembic upgrade head\n```"
    ),
    198: (
        "Next step: add the retry worker and write integration tests for the webhook delivery. "
        "TODO: document the DATABASE_URL variable in the README."
    ),
    199: "Should we put the webhook retries in a background queue, or is a cron job enough?",
}


def conversation(turns: int = 200) -> list[Turn]:
    """A user and an assistant building an API: questions, answers, code, a revised decision."""
    result = []
    for i in range(turns):
        user = i % 2 == 0
        topic = TOPICS[(i // 2) % len(TOPICS)]
        text = SPECIAL_TURNS.get(i) or (_user_turn(i, topic) if user else _assistant_turn(i, topic))
        result.append(
            Turn(
                index=i,
                speaker="User" if user else "Assistant",
                role="user" if user else "assistant",
                text=text,
            )
        )
    return result


# --- multi-party chat ----------------------------------------------------------------------

PHATIC = [
    "Wow, that's so awesome, I'm really happy for you!",
    "Thanks so much, your support means the world to me.",
    "You're doing amazing, keep it up!",
    "Haha, that sounds like so much fun!",
    "I'm always here for you, you know that.",
]
FACT_TEMPLATES = [
    "Last Saturday I adopted a {pet} named {name} from the shelter on {street} Street.",
    "I started a {craft} class at the {venue} in {month}.",
    "My sister {name} is getting married in {city} on {day} {month}.",
    "We drove to {city} last weekend and hiked the {street} Trail with {name}.",
    "I finally passed my {exam} exam yesterday after failing it twice in {year}.",
    "The {craft} studio I opened near {street} Street sold out by noon on Friday.",
]
FILLERS = [
    {"pet": "beagle", "name": "Max", "street": "Pine", "craft": "pottery", "venue": "library",
     "month": "March", "city": "Porto", "day": "14", "exam": "driving", "year": "2022"},
    {"pet": "kitten", "name": "Luna", "street": "Elm", "craft": "woodwork", "venue": "college",
     "month": "April", "city": "Denver", "day": "3", "exam": "nursing", "year": "2021"},
    {"pet": "parrot", "name": "Kiwi", "street": "Oak", "craft": "glassblowing",
     "venue": "town hall", "month": "May", "city": "Osaka", "day": "22", "exam": "piano",
     "year": "2020"},
    {"pet": "gecko", "name": "Zed", "street": "Maple", "craft": "quilting", "venue": "museum",
     "month": "August", "city": "Lyon", "day": "30", "exam": "diving", "year": "2018"},
    {"pet": "rabbit", "name": "Pip", "street": "Cedar", "craft": "origami", "venue": "church",
     "month": "June", "city": "Quito", "day": "17", "exam": "bar", "year": "2017"},
    {"pet": "hamster", "name": "Bo", "street": "Birch", "craft": "welding", "venue": "YMCA",
     "month": "July", "city": "Tallinn", "day": "9", "exam": "sommelier", "year": "2019"},
]  # fmt: skip


def chat() -> list[Turn]:
    """Two friends catching up: a distinct fact in every other turn, small talk in between."""
    facts = [t.format(**f) for f in FILLERS for t in FACT_TEMPLATES]
    turns: list[Turn] = []
    for i in range(2 * len(facts)):
        speaker = "Ana" if i % 2 == 0 else "Ben"
        text = facts[i // 2] if i % 2 == 0 else PHATIC[(i // 2) % len(PHATIC)]
        turns.append(Turn(i, speaker, "other", text))
    turns.append(Turn(len(turns), "Ben", "other", "Are you coming to my party on Sunday?"))
    return turns
