"""What the assistant notices in an answer as it is saved: a routine-discipline role for the
SRO, personal information about an individual, and the topics it raises.

One spaCy pass per answer, done when the answer is stored (a few milliseconds), so the
documents never have to parse a thousand answers at export time.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Optional, Sequence

from bot.discipline import DisciplineFlag, DisciplineGuard
from bot.privacy import PersonalItem, PrivacyScreen
from bot.themes import topics_of, voices_concern


@dataclass(frozen=True)
class Reading:
    discipline: tuple[DisciplineFlag, ...]
    personal: tuple[PersonalItem, ...]
    topics: tuple[str, ...]
    concern: bool

    @property
    def discipline_matter(self) -> Optional[str]:
        return self.discipline[0].matter if self.discipline else None


class AnswerReader:
    def __init__(self, nlp) -> None:
        self.nlp = nlp
        self.discipline = DisciplineGuard(nlp)
        self.privacy = PrivacyScreen(nlp)
        # Actions run in worker threads; spaCy does not promise that one pipeline and its
        # matchers may be used by several threads at once.
        self._lock = threading.Lock()

    def read(self, text: str, known_people: Sequence[str] = ()) -> Reading:
        """`known_people`: registered members and signatories, whose names are not private."""
        with self._lock:
            doc = self.nlp(text)
            return Reading(
                discipline=tuple(self.discipline.check_doc(doc)),
                personal=tuple(self.privacy.find_in(doc, known_people)),
                topics=tuple(topics_of(doc)),
                concern=voices_concern(doc),
            )
