"""Values in what a committee says: times ("7:30 to 4:00", "half past seven"), dates ("August 1,
2027"), durations ("sixty days", "two years"), numbers, percentages and ordinals ("the second").

Microsoft's Recognizers-Text reads them (the same recognisers as its Bot Framework; English
culture), numbers written in words included, so no page of regular expressions is needed here.
Each value comes back in the words a clause prints ("7:30 a.m.", "60 days", "August 1, 2027").
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from recognizers_date_time import DateTimeRecognizer
from recognizers_number import NumberRecognizer
from recognizers_text import Culture

UNITS = {"Y": "year", "M": "month", "W": "week", "D": "day", "H": "hour"}
_DURATION = re.compile(r"^P(T)?(\d+(?:\.\d+)?)([YMWDH])$")


@dataclass
class Found:
    """What one message names: each value with where it starts and its kind, and the spans
    the values cover (so that what is left can be read as words)."""

    items: list[tuple[int, str, str]] = field(default_factory=list)  # (start, kind, value)
    spans: list[tuple[int, int]] = field(default_factory=list)

    def add(self, start: int, end: int, kind: str, value: str) -> None:
        self.items.append((start, kind, value))
        self.spans.append((start, end))

    def of_kind(self, kind: str) -> list[str]:
        """The values of one kind in the order said. A count may also be said as a duration's
        number ("40 hours" of training)."""
        kinds = {"count", "duration"} if kind == "count" else {kind}
        found = sorted((start, k, value) for start, k, value in self.items if k in kinds)
        return [value.split()[0] if k != kind else value for _, k, value in found]

    @property
    def times(self) -> list[str]:
        return self.of_kind("time")

    @property
    def dates(self) -> list[str]:
        return self.of_kind("date")

    @property
    def durations(self) -> list[str]:
        return self.of_kind("duration")

    @property
    def percents(self) -> list[str]:
        return self.of_kind("percent")


class _Models:
    """The recognisers, built once per process (about a second): each parse is then 10-50 ms.
    They keep no state between parses, but a lock keeps two threads off one model anyway."""

    def __init__(self) -> None:
        numbers = NumberRecognizer(Culture.English)
        self.datetime = DateTimeRecognizer(Culture.English).get_datetime_model()
        self.number = numbers.get_number_model()
        self.ordinal = numbers.get_ordinal_model()
        self.percent = numbers.get_percentage_model()
        self.lock = threading.Lock()


@lru_cache(maxsize=1)
def _models() -> _Models:
    return _Models()


def warm_up() -> None:
    """Build the recognisers now (at start-up) rather than on a committee's first choice."""
    read_values("from 7:30 to 4:00, 60 days")


# Days counted on the school calendar, which the recognisers do not read as a duration.
_CALENDAR_DAYS = re.compile(r"\s*(school|business|working) days?\b", re.IGNORECASE)


def read_values(text: str) -> Found:
    models = _models()
    found = Found()
    with models.lock:
        for result in models.datetime.parse(text):
            _take_datetime(result, found)
        for result in models.percent.parse(text):
            if not _inside(result.start, found.spans):
                value = f"{_number(result.resolution.get('value', '').rstrip('%'))} percent"
                found.add(result.start, result.end + 1, "percent", value)
        for result in models.number.parse(text):
            if _inside(result.start, found.spans):
                continue
            number = _number(result.resolution.get("value", ""))
            days = _CALENDAR_DAYS.match(text, result.end + 1)
            if days:  # "five school days": a duration in the school's own days
                unit = f"{days.group(1).lower()} day" + ("" if number == "1" else "s")
                found.add(result.start, days.end(), "duration", f"{number} {unit}")
            else:
                found.add(result.start, result.end + 1, "count", number)
    return found


def position_in(text: str) -> int | None:
    """Which one is meant: 'the second', '2nd', 'two', '2' -> 2 (an ordinal first, else the first
    whole number said)."""
    models = _models()
    with models.lock:
        results = [*models.ordinal.parse(text), *models.number.parse(text)]
    for result in results:
        value = _number(result.resolution.get("value", ""))
        if value.isdigit():
            return int(value)
    return None


def _take_datetime(result: Any, found: Found) -> None:
    values = (result.resolution or {}).get("values") or []
    if not values:
        return
    first, span = values[0], (result.start, result.end + 1)
    kind = first.get("type")
    if kind == "timerange" and first.get("start") and first.get("end"):
        found.add(*span, "time", _clock(first["start"]))
        found.add(result.start + 1, span[1], "time", _clock(first["end"]))
    elif kind == "time" and first.get("value"):
        found.add(*span, "time", _clock(first["value"]))
    elif kind == "date" and first.get("value"):
        # A date said without a year resolves both ways; an agreement's dates are to come.
        found.add(*span, "date", _day(values[-1]["value"]))
    elif kind == "daterange" and first.get("Mod") in ("after", "since") and first.get("start"):
        found.add(*span, "date", _day(values[-1].get("start") or first["start"]))  # "starting August 1, 2027"
    elif kind == "duration" and _duration(first.get("timex", "")):
        found.add(*span, "duration", _duration(first["timex"]))


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _number(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    return str(int(number)) if number.is_integer() else str(number)


def _clock(value: str) -> str:
    """'16:00:00' -> '4:00 p.m.'"""
    hours, minutes = (int(part) for part in value.split(":")[:2])
    hours %= 24
    suffix = "a.m." if hours < 12 else "p.m."
    return f"{(hours - 1) % 12 + 1}:{minutes:02d} {suffix}"


def _day(value: str) -> str:
    """'2027-08-01' -> 'August 1, 2027'."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day:%B} {day.day}, {day.year}"


def _duration(timex: str) -> str:
    """'P60D' -> '60 days', 'P1Y' -> '1 year', 'PT48H' -> '48 hours'."""
    match = _DURATION.match(timex)
    if not match or (match.group(1) and match.group(3) != "H"):
        return ""
    amount, unit = _number(match.group(2)), UNITS[match.group(3)]
    return f"{amount} {unit}" + ("" if amount == "1" else "s")
