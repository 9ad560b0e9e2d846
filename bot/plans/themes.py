"""Themes: answers that share a topic (bot/reading/topics.py finds each answer's), so a
facilitator can read the room; the summary also counts the topics of answers voicing a concern.
Plain counting over read models."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Theme:
    topic: str
    answers: int
    people: tuple[str, ...]


def themes(answers: Iterable[Any], minimum: int = 2, limit: int | None = 5) -> list[Theme]:
    """Topics raised in at least `minimum` answers, most-raised first.

    `answers` are AnswerViews (anything with .topics and .member_name)."""
    count: dict[str, int] = defaultdict(int)
    people: dict[str, list[str]] = defaultdict(list)
    for answer in answers:
        for topic in set(answer.topics):
            count[topic] += 1
            if answer.member_name and answer.member_name not in people[topic]:
                people[topic].append(answer.member_name)
    ranked = sorted((t for t in count if count[t] >= minimum), key=lambda t: (-count[t], t))
    return [Theme(t, count[t], tuple(people[t])) for t in ranked[:limit]]


def concerns(answers: Sequence[Any], limit: int = 5) -> list[Theme]:
    """The topics most raised in answers that voice a worry, across the whole plan."""
    return themes([a for a in answers if a.voices_concern], minimum=1, limit=limit)
