"""What the assistant notices in an answer as it is saved: a routine-discipline role for the
SRO, personal information about an individual, and the topics it raises.

One spaCy pass per answer, done when the answer is stored (a few milliseconds), so the
documents never have to parse a thousand answers at export time.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import replace

from spacy.language import Language

from bot.plans.members import is_member
from bot.plans.views import PersonalItem, Reading
from bot.reading.discipline import DisciplineGuard
from bot.reading.language import parse
from bot.reading.privacy import PrivacyScreen
from bot.reading.topics import topics_of, voices_concern

logger = logging.getLogger(__name__)

# A long answer is read in pieces of about this many characters, cut between sentences or
# words, with the model handed to other committees between pieces: a 100,000-character answer
# then keeps nobody else waiting longer than one piece (about a tenth of a second). Each piece
# is read with the next OVERLAP characters too, so that a name or number cut in two at the end
# of a piece is still found whole; what starts in the overlap is left to the next piece.
# 2,000 until the eleventh session: an answer of 300-400 words (2,000-2,400 characters) was
# then read in two pieces, the second mostly overlap, and took 74 ms to read against 53 ms for
# one spaCy pass; a 4,000-character piece reads in about 0.1 s.
PIECE = 4_000
OVERLAP = 200
# Readings begun ahead and not yet taken: a committee's next answer, at most, each; older ones
# (a long message that was not an answer after all) are let go.
KEPT_AHEAD = 64
# Longer than any reading takes; a reading process that has not answered by then is read around.
AHEAD_WAIT_SECONDS = 10.0


def pieces(text: str, size: int = PIECE) -> Iterator[tuple[int, str]]:
    """(offset, piece) covering `text`, each cut after a line, sentence or word end if one is
    in its second half."""
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            window = text[start + size // 2 : end]
            cut = max(window.rfind("\n"), window.rfind(". "), window.rfind("? "), window.rfind("! "))
            if cut < 0:
                cut = window.rfind(" ")
            if cut >= 0:
                end = start + size // 2 + cut + 1
        yield start, text[start:end]
        start = end


class TakingTurns:
    """A lock that threads get in the order they asked for it. Python's own lock lets the
    thread that releases it take it straight back, so a long reading could starve the rest."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._issued = 0
        self._serving = 0

    def __enter__(self) -> None:
        with self._changed:
            ticket = self._issued
            self._issued += 1
            self._changed.wait_for(lambda: self._serving == ticket)

    def __exit__(self, *_: object) -> None:
        with self._changed:
            self._serving += 1
            self._changed.notify_all()


class AnswerReader:
    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.discipline = DisciplineGuard(nlp)
        self.privacy = PrivacyScreen(nlp)
        # Actions run in worker threads; spaCy does not promise that one pipeline and its
        # matchers may be used by several threads at once.
        self._turns = TakingTurns()
        self._ahead: OrderedDict[str, Future[Reading]] = OrderedDict()
        self._ahead_guard = threading.Lock()
        self.helper: Executor | None = None

    def read_ahead(self, text: str) -> None:
        """Start reading `text` in the helper process, for a `read` of the same text soon."""
        if self.helper is None:
            return
        with self._ahead_guard:
            if text in self._ahead:
                return
            try:
                self._ahead[text] = self.helper.submit(read_alone, text)
            except RuntimeError as stopped:  # the reading process died, or was shut down
                logger.warning(
                    "Reading ahead stopped (%s): answers are read as they are stored, more slowly; "
                    "restart the assistant to read ahead again.",
                    stopped,
                )
                self.helper = None
                return
            while len(self._ahead) > KEPT_AHEAD:
                self._ahead.popitem(last=False)

    def waiting_ahead(self) -> int:
        """Readings begun ahead and not yet taken."""
        with self._ahead_guard:
            return len(self._ahead)

    def read(self, text: str, known_people: Sequence[str] = ()) -> Reading:
        """`known_people`: registered members and signatories, whose names are not private."""
        with self._ahead_guard:
            ahead = self._ahead.pop(text, None)
        if ahead is not None and ahead.cancel():  # still queued behind other readings: read here, alongside
            ahead = None
        if ahead is not None:
            try:
                reading = ahead.result(timeout=AHEAD_WAIT_SECONDS)
            except Exception:  # noqa: BLE001 - whatever befell the reading process, read it here
                reading = None
            # Read ahead, the text was read as if it named no member; if it names none, that is
            # the same reading (members only take names out of it).
            if reading is not None and not any(
                item.kind == "name" and is_member(item.text, known_people) for item in reading.personal
            ):
                return reading
        return self.read_here(text, known_people)

    def read_here(self, text: str, known_people: Sequence[str] = ()) -> Reading:
        readings = []
        for offset, piece in pieces(text):
            with self._turns:
                end = offset + len(piece)
                readings.append(self._read_piece(text[offset : end + OVERLAP], known_people, offset, end))
        return merged(readings)

    def _read_piece(self, text: str, known_people: Sequence[str], offset: int, end: int) -> Reading:
        doc = parse(self.nlp, text)
        return Reading(
            discipline=tuple(self.discipline.check_doc(doc)),
            personal=tuple(
                replace(item, start=item.start + offset, end=item.end + offset)
                for item in self.privacy.find_in(doc, known_people)
                if item.start + offset < end  # one that starts in the overlap is the next piece's
            ),
            topics=tuple(topics_of(doc)),
            concern=voices_concern(doc),
        )


def merged(readings: Sequence[Reading]) -> Reading:
    """One reading of the whole answer; what two overlapping pieces both found counts once."""
    personal: list[PersonalItem] = []
    reached = 0  # the items come in order of where they start
    for item in (item for r in readings for item in r.personal):
        if item.start >= reached:
            personal.append(item)
            reached = item.end
    return Reading(
        discipline=tuple(dict.fromkeys(flag for r in readings for flag in r.discipline)),
        personal=tuple(personal),
        topics=tuple(dict.fromkeys(topic for r in readings for topic in r.topics)),
        concern=any(r.concern for r in readings),
    )


_alone: AnswerReader | None = None


def read_alone(text: str) -> Reading:
    """A reading in the helper process, which has its own spaCy."""
    global _alone
    if _alone is None:
        from bot.reading.language import english

        _alone = AnswerReader(english())
    return _alone.read_here(text)
