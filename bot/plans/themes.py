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
    people: tuple[str, ...]  # the members named, in the order they raised it
    members: int  # how many raised it: the members named, and the committee for unnamed answers


def themes(answers: Iterable[Any], minimum: int = 2, limit: int | None = 5) -> list[Theme]:
    """Topics raised by at least `minimum` members or by fewer in at least `minimum` answers
    (which comes to: in `minimum` answers); those raised by the most members first, then those
    raised in the most answers.

    `answers` are AnswerViews (anything with .topics and .member_name)."""
    count: dict[str, int] = defaultdict(int)
    people: dict[str, list[str]] = defaultdict(list)
    unnamed: set[str] = set()
    for answer in answers:
        for topic in set(answer.topics):
            count[topic] += 1
            if not answer.member_name:
                unnamed.add(topic)
            elif answer.member_name not in people[topic]:
                people[topic].append(answer.member_name)
    # Answers given with no member named are the committee's: together one voice, as one person
    # may have given them all; each still counts as an answer.
    members = {t: len(people[t]) + (t in unnamed) for t in count}
    ranked = sorted((t for t in count if count[t] >= minimum), key=lambda t: (-members[t], -count[t], t))
    return [Theme(t, count[t], tuple(people[t]), members[t]) for t in ranked[:limit]]


def concerns(answers: Sequence[Any], limit: int = 5) -> list[Theme]:
    """The topics most raised in answers that voice a worry, across the whole plan; one member's
    single remark is not yet a concern of the committee."""
    return themes([a for a in answers if a.voices_concern], minimum=2, limit=limit)
