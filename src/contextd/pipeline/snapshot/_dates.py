"""Say when a relative time word happened, from the date of the turn it was written in.

"I went to a support group yesterday" is true on the day it was said; in a snapshot read weeks
later, and without the session headers of the chat, "yesterday" names no day. When the turn has
a timestamp, the snapshot's line says it: "yesterday (7 May 2023)", "last week (week before
8 May 2023)", "last Friday (Friday before 15 July 2023)", "next month (June 2023)", "last year
(2022)", "two days ago (10 July 2023)"; a span running to the day it was said gives its start:
"seven years now (since 2016)", "for 4 years (since 2019)", "for three months (since February
2023)" (a reader asks "how long?" weeks later, when the count has moved on). Exact dates are
given only where the words fix one (a day, a month, a year); a week or a weekend is said relative
to the turn's date, as a person would. A phrase already followed by a parenthesis is left alone,
so text annotated once (a previous snapshot's line) is never annotated twice.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBREVIATIONS = {day[:3]: day for day in _WEEKDAYS} | {
    "tues": "tuesday",
    "thurs": "thursday",
}
_NUMBER_TEXT = "one two three four five six seven eight nine ten"
_NUMBERS = {word: value for value, word in enumerate(_NUMBER_TEXT.split(), start=1)}
_NUMBERS |= {"a": 1, "an": 1, "couple of": 2, "a couple of": 2}
_DAY_NAME = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?\.?"
_COUNT = (
    r"(?:a couple of|couple of|a few|few|several|an?|one|two|three|four|five|six|seven|eight"
    r"|nine|ten|\d{1,2})"
)
_PHRASE_RE = re.compile(
    r"\b(?:"
    r"(?P<yesterday>yesterday|last night)"
    r"|(?P<today>today|tonight|this (?:morning|afternoon|evening))"
    r"|(?P<tomorrow>tomorrow)"
    r"|(?P<rel>last|this|next|past) (?P<unit>week|weekend|month|year|" + _DAY_NAME + r")"
    r"|(?P<count>" + _COUNT + r") (?P<units>days?|weeks?|weekends?|months?|years?) ago"
    r"|(?P<span>for (?:the (?:past|last) )?(?P<for>" + _COUNT + r") (?P<for_units>months?|years?)"
    r"|(?P<now>" + _COUNT + r") (?P<now_units>months?|years?) (?:now|already))"
    r")\b(?!\s*\()",
    re.IGNORECASE,
)
_MAX_ANNOTATIONS = 3  # per sentence: more would cost more than they tell


def _day(when: date) -> str:
    return f"{when.day} {when:%B %Y}"


def _month(when: date, shift: int) -> str:
    index = when.year * 12 + when.month - 1 + shift
    return f"{date(index // 12, index % 12 + 1, 1):%B %Y}"


def _weekday(token: str) -> str | None:
    key = token.lower().rstrip(".")
    if key in _WEEKDAYS:
        return key
    return _WEEKDAY_ABBREVIATIONS.get(key.removesuffix("day"))


def _count(text: str) -> int | None:
    lowered = text.lower()
    if lowered.isdigit():
        return int(lowered)
    return _NUMBERS.get(lowered)


def _when(match: re.Match[str], today: date) -> str | None:
    """What the matched phrase means on `today`, or None when it fixes nothing."""
    if match.group("yesterday"):
        return _day(today - timedelta(days=1))
    if match.group("today"):
        return _day(today)
    if match.group("tomorrow"):
        return _day(today + timedelta(days=1))
    if match.group("rel"):
        rel = match.group("rel").lower()
        unit = match.group("unit").lower()
        direction = {"last": "before", "past": "before", "next": "after"}.get(rel)
        if unit in ("week", "weekend"):
            return f"{unit} {direction} {_day(today)}" if direction else f"{unit} of {_day(today)}"
        if unit == "month":
            return _month(today, {"before": -1, "after": 1}.get(direction or "", 0))
        if unit == "year":
            return str(today.year + {"before": -1, "after": 1}.get(direction or "", 0))
        day = _weekday(unit)
        if day is None:
            return None
        return f"{day.capitalize()} {direction or 'of the week of'} {_day(today)}"
    if match.group("span"):
        return _since(match, today)
    count = _count(match.group("count"))
    unit = match.group("units").lower().rstrip("s")
    if count is None:  # "a few weeks ago": not a date, but when it was said still helps
        return f"{match.group('count').lower()} {unit}s before {_day(today)}"
    if unit == "day":
        return _day(today - timedelta(days=count))
    if unit == "month":
        return _month(today, -count)
    if unit == "year":
        return str(today.year - count)
    plural = "s" if count > 1 else ""
    return f"{count} {unit}{plural} before {_day(today)}"


def _since(match: re.Match[str], today: date) -> str | None:
    """When a span of months or years that runs to `today` began ("for 4 years": since 2019)."""
    count = _count(match.group("for") or match.group("now"))
    if count is None:  # "for a few years": no start to name
        return None
    unit = (match.group("for_units") or match.group("now_units")).lower()
    if unit.startswith("year"):
        return f"since {today.year - count}"
    return f"since {_month(today, -count)}"


def date_relative(text: str, stamp: datetime | None) -> str:
    """`text` with each relative time phrase followed by the date it means, in parentheses."""
    if stamp is None:
        return text
    today = stamp.date()
    parts: list[str] = []
    last = 0
    for number, match in enumerate(_PHRASE_RE.finditer(text)):
        if number >= _MAX_ANNOTATIONS:
            break
        meaning = _when(match, today)
        if meaning is None:
            continue
        parts.append(text[last : match.end()])
        parts.append(f" ({meaning})")
        last = match.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)
