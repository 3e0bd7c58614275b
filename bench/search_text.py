"""Synthetic notes and queries for `bench/search.py`: seeded, Zipf-like, with the names, places,
dates and ticket ids that make lexical and vector search disagree as they do on real notes."""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Sequence

from contextd.pipeline.types import Document

PER_SOURCE = 100


def _words(text: str) -> list[str]:
    return text.split()


NAMES = _words(
    """Maria John Aiko Tomas Priya Omar Lena Carlos Fatima Jonas Mei Samuel Ines Ravi Hannah
Diego Yara Lukas Zoe Andre Nadia Felix Chloe Mateo Sara Victor Elena Kofi Ingrid Hugo Amara
Pavel Lucia Kenji Rosa Tariq Alice Bruno Leila Oscar"""
)
PLACES = _words(
    """Lisbon Berlin Osaka Nairobi Toronto Austin Lyon Krakow Seoul Denver Porto Oslo Cairo
Dublin Madrid Boston Quito Hanoi Perth Zurich Seattle Bogota Vienna Chennai"""
)
PROJECTS = _words(
    """atlas beacon cobalt delta ember falcon garnet harbor indigo juniper kestrel lumen
meridian nimbus orchid pioneer quartz raven sierra tundra"""
)
NOUNS = _words(
    """invoice deploy release budget roadmap schedule meeting contract migration dashboard
report backlog sprint ticket outage incident review survey proposal prototype database cache
queue webhook pipeline cluster backup certificate license vendor client supplier shipment
warehouse kayak bicycle garden kitchen concert recipe painting camera guitar marathon workshop
conference flight hotel apartment lease mortgage dentist vaccine puppy kitten birthday wedding
holiday picnic festival museum library newsletter podcast interview lecture thesis exam grant
onboarding hiring salary bonus audit policy firewall password login checkout payment refund
subscription discount coupon catalog inventory forecast metric alert latency throughput
endpoint schema index replica shard token session cookie bucket container image volume
network router printer laptop monitor keyboard battery charger sensor thermostat heater fridge
"""
)
VERBS = _words(
    """moved cancelled approved rejected fixed broke shipped delayed reviewed updated migrated
booked paid signed renewed postponed finished started tested deployed reverted archived
planned drafted merged split doubled halved scheduled forgot found lost replaced repaired
painted cooked visited sold bought borrowed returned measured cleaned"""
)
ADJECTIVES = _words(
    """new old slow fast broken urgent quarterly monthly weekly annual shared private
public remote local noisy quiet expensive cheap tiny huge blue green red yellow wooden
digital manual legacy stable flaky secure risky draft final internal external"""
)
DAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
MONTHS = _words(
    """January February March April May June July August September October November
December"""
)
TEMPLATES = (
    "{name} {verb} the {adj} {noun} for the {project} project on {day}.",
    "We agreed to move the {noun} review to {day} because {name} is in {place}.",
    "The {noun} in {place} was {verb} after the {adj} {noun2} update ({ticket}).",
    "{name} asked whether the {noun} could wait until {month} {num}.",
    "Remember that {name}'s {noun} {verb} {num} times last week.",
    "{name} thinks the {adj} {noun} is why the {noun2} keeps failing in {place}.",
    "Next step: {name} checks the {noun2} and {name2} updates the {noun} by {day}.",
    "The {project} team {verb} the {noun} and the {noun2} before the {month} deadline.",
    "{name} and {name2} met in {place} to talk about the {adj} {noun}.",
    "Ticket {ticket}: the {noun} returns an error when the {noun2} is {adj}.",
)
QUESTIONS = (
    "when did {name} move the {noun}",
    "why is the {noun} {adj} in {place}",
    "what did the {project} team decide about the {noun2}",
    "who {verb} the {noun} last {day}",
    "{name} {noun} {place}",
    "{adj} {noun} {noun2}",
    "{ticket}",
    "{project} {noun} {month}",
)


@functools.cache
def _cumulative(size: int) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(size)))


def _zipf(items: Sequence[str], rng: random.Random) -> str:
    # The same draw as rng.choices(items, weights), which accumulates the weights on every call.
    return rng.choices(items, cum_weights=_cumulative(len(items)))[0]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        name=_zipf(NAMES, rng),
        name2=_zipf(NAMES, rng),
        place=_zipf(PLACES, rng),
        project=_zipf(PROJECTS, rng).capitalize(),
        noun=_zipf(NOUNS, rng),
        noun2=_zipf(NOUNS, rng),
        verb=_zipf(VERBS, rng),
        adj=_zipf(ADJECTIVES, rng),
        day=rng.choice(DAYS),
        month=rng.choice(MONTHS),
        num=rng.randint(2, 31),
        ticket=f"{rng.choice(('INC', 'OPS', 'WEB', 'FIN'))}-{rng.randint(100, 9999)}",
    )


def section(rng: random.Random) -> tuple[str, str]:
    """(heading, one or two sentences)."""
    heading = f"{_zipf(PROJECTS, rng).capitalize()} {_zipf(NOUNS, rng)} notes"
    sentences = [_fill(rng.choice(TEMPLATES), rng) for _ in range(rng.choice((1, 1, 2)))]
    return heading, " ".join(sentences)


def documents(chunks: int, seed: int) -> list[Document]:
    rng = random.Random(seed)
    docs: list[Document] = []
    for start in range(0, chunks, PER_SOURCE):
        parts = [section(rng) for _ in range(min(PER_SOURCE, chunks - start))]
        text = "\n\n".join(f"## {heading}\n\n{body}" for heading, body in parts)
        docs.append(Document(text=text, format="markdown", title=f"notes {start // PER_SOURCE}"))
    return docs


def queries(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [_fill(rng.choice(QUESTIONS), rng) for _ in range(count)]


# --- database --------------------------------------------------------------------------------
