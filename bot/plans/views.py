"""Plain read models: what the documents, the replies and the page are given, read from the
database in one unit of work, and what the readers find in an answer. No ORM, no spaCy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

# What an answer is attributed to when nobody was named as speaker.
UNNAMED_SPEAKER = "the committee"
# One limit for every name a person types: members, speakers, partners.
MAX_NAME_LENGTH = 80


# --- what the readers find in an answer (bot/reading/) ------------------------------------


@dataclass(frozen=True)
class PersonalItem:
    text: str
    kind: str  # a key of bot.documents.redaction.PLACEHOLDERS
    start: int
    end: int


@dataclass(frozen=True)
class DisciplineFlag:
    sentence: str
    matter: str  # the routine matter named, e.g. "dress code"


@dataclass(frozen=True)
class Choice:
    """What an answer decides: one of the question's alternatives with the values it names,
    or (alternative None) the committee's own wording of the clause."""

    alternative: str | None
    values: tuple[tuple[str, str], ...] = ()
    wording: str | None = None
    # The answer says more than the choice ("option 2, but we worry about summer funding"):
    # what it says goes with the clause as a remark, as discussion does.
    remark: bool = False

    def value(self, name: str) -> str | None:
        return dict(self.values).get(name)

    def stored(self) -> dict[str, object]:
        if self.alternative is None:
            return {"wording": self.wording}
        return {"alternative": self.alternative, "values": dict(self.values), "remark": self.remark}

    @classmethod
    def from_stored(cls, stored: dict[str, object] | None) -> Choice | None:
        if not stored:
            return None
        if "alternative" in stored:
            values = stored.get("values") or {}
            assert isinstance(values, dict)
            values_ = tuple((str(k), str(v)) for k, v in values.items())
            return cls(str(stored["alternative"]), values_, remark=bool(stored.get("remark")))
        return cls(None, wording=str(stored.get("wording") or ""))


@dataclass(frozen=True)
class Reading:
    discipline: tuple[DisciplineFlag, ...]
    personal: tuple[PersonalItem, ...]
    topics: tuple[str, ...]
    concern: bool
    choice: Choice | None = None  # set by the Planner, which knows the question

    @property
    def discipline_matter(self) -> str | None:
        return self.discipline[0].matter if self.discipline else None


# --- a plan, as read in one unit of work --------------------------------------------------


@dataclass(frozen=True)
class RevisionView:
    number: int
    text: str
    created_at: datetime
    personal_items: tuple[PersonalItem, ...] | None = None  # None: never read on its own


@dataclass(frozen=True)
class AnswerView:
    id: int
    question_id: str
    text: str
    member_name: str | None
    member_role: str | None
    created_at: datetime
    updated_at: datetime
    revisions: tuple[RevisionView, ...]
    discipline_matter: str | None = None
    discipline_kept: bool = False
    personal_items: tuple[PersonalItem, ...] = ()
    topics: tuple[str, ...] = ()
    voices_concern: bool = False
    choice: Choice | None = None

    @property
    def speaker(self) -> str:
        """Who gave it: the member, or the committee when nobody was named."""
        return self.member_name or UNNAMED_SPEAKER

    @property
    def was_revised(self) -> bool:
        return len(self.revisions) > 1

    @property
    def discipline_unresolved(self) -> bool:
        """Flagged by the guardrail and neither reworded nor knowingly kept."""
        return self.discipline_matter is not None and not self.discipline_kept


@dataclass(frozen=True)
class MemberView:
    name: str
    role: str


@dataclass(frozen=True)
class PlanSnapshot:
    """Everything the documents and reports need, read in one unit of work."""

    code: str
    name: str
    school: str
    agency: str
    created_at: datetime
    current_question_id: str | None
    members: tuple[MemberView, ...]
    answers: tuple[AnswerView, ...]
    skipped: frozenset[str]

    def answers_to(self, question_id: str) -> list[AnswerView]:
        return list(self._by_question.get(question_id, ()))

    @cached_property
    def _by_question(self) -> dict[str, list[AnswerView]]:
        """The answers of each question, in order: the documents ask for every question's, and
        a scan of all the answers for each took a tenth of an export of 1,000 answers."""
        found: dict[str, list[AnswerView]] = {}
        for answer in self.answers:
            found.setdefault(answer.question_id, []).append(answer)
        return found

    def decision(self, question_id: str) -> AnswerView | None:
        """The answer whose choice stands for this question: the latest one made or changed."""
        return latest_choice(self.answers_to(question_id))

    def chosen(self) -> dict[str, str | None]:
        """Each decided question's alternative (None for the committee's own wording)."""
        decided = {a.question_id for a in self.answers if a.choice is not None}
        return {q: choice.alternative for q in decided if (choice := _choice_of(self.decision(q)))}

    def discussion(self, question_id: str) -> list[AnswerView]:
        """What the committee said about this question: the answers that decide nothing, and
        the choices that said more than the choice."""
        return [a for a in self.answers_to(question_id) if a.choice is None or a.choice.remark]


def _choice_of(answer: AnswerView | None) -> Choice | None:
    return answer.choice if answer else None


def latest_choice(answers: list[AnswerView]) -> AnswerView | None:
    choices = [a for a in answers if a.choice is not None]
    return max(choices, key=lambda a: (a.updated_at, a.id)) if choices else None


@dataclass(frozen=True)
class ExportView:
    kind: str
    file_name: str
    created_at: datetime
