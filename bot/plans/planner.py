"""What a committee can do with a plan. Each method is one unit of work: it opens a
session, does its work and commits before it returns, so an answer is in the database
before the bot says anything about it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from bot.documents.agreement import DraftClause, draft_clause
from bot.documents.exports import ExportedFiles, write_documents
from bot.guide import SIGNATORY_QUESTIONS, Guide, Question, load_guide
from bot.plans import codes, views
from bot.plans.members import (
    Person,
    likely_answer_text,
    parse_members,
    resolve_name,
    role_from,
    split_attribution,
)
from bot.plans.review import Review, review_plan
from bot.plans.text import clean_text
from bot.plans.views import MAX_NAME_LENGTH, AnswerView, Choice, MemberView, PlanSnapshot, Reading
from bot.reading.choices import read_choice
from bot.reading.values import warm_up
from bot.settings import Settings
from bot.storage import database, models, repository
from bot.storage.models import Plan

if TYPE_CHECKING:
    from bot.reading.reader import AnswerReader

# Far above any real answer (the tests send 20,000 characters), low enough that one
# message cannot fill the database or the Word document.
MAX_ANSWER_LENGTH = 100_000
# A planning committee, with room to spare; each member is a row and a name to match.
MAX_MEMBERS = 100


class PlanNotFound(LookupError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class AnswerRejected(ValueError):
    """The text cannot be stored as an answer; the message says why and what to do."""


class PlanRefused(ValueError):
    """The plan cannot be created as asked; the message says why and what to do."""


class NoOpenQuestion(LookupError):
    """Every question has been passed; there is nothing to answer until the committee goes back."""


@dataclass(frozen=True)
class PlanState:
    code: str
    name: str
    school: str
    agency: str
    current: Question | None
    answers_here: tuple[AnswerView, ...]
    members: tuple[MemberView, ...]
    # The access key, present only in the state returned when the plan is created.
    access_key: str | None = None


@dataclass(frozen=True)
class Position:
    """Where the plan is: what the question loop needs on every message, read cheaply."""

    current: Question | None
    answers_here: int


@dataclass(frozen=True)
class RecordedAnswer:
    answer: AnswerView
    question: Question
    answers_on_question: int


@dataclass(frozen=True)
class Accepted:
    """What "use the proposed wording for article 6" did, clause by clause."""

    article: int
    accepted: tuple[Question, ...]  # the guidance's proposal, now the committee's choice
    already: tuple[Question, ...]  # decided before: left as the committee chose
    open: tuple[Question, ...]  # no proposal in the guidance: still to decide


@dataclass(frozen=True)
class SectionProgress:
    title: str
    answered: int
    total: int
    open_questions: tuple[Question, ...]


@dataclass(frozen=True)
class Progress:
    sections: tuple[SectionProgress, ...]
    answered: int
    total: int
    current: Question | None
    skipped: tuple[Question, ...]


@dataclass(frozen=True)
class PlanListing:
    code: str
    name: str
    answered: int
    total: int
    finished: bool


def members_in(text: str) -> list[Person]:
    people = parse_members(clean_text(text))
    if len(people) > MAX_MEMBERS:
        raise PlanRefused(
            f"That list names {len(people):,} people; a plan keeps at most {MAX_MEMBERS} members. "
            "Name the committee's members, and attribute others' words to them or to the committee."
        )
    return people


def clean_name(text: str) -> str:
    return " ".join(clean_text(text).split())[:MAX_NAME_LENGTH]


def clean_answer(text: str | None) -> str:
    """The text as typed, minus what no database can keep or no reader should see (bot/text.py)
    and with one newline convention; refuses empty and oversized answers with a message that
    says what to do."""
    text = clean_text(text or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise AnswerRejected(
            "That message was empty, so nothing was saved. Type the answer, or say “skip” to leave this question open."
        )
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerRejected(
            f"That answer is {len(text):,} characters long; the limit is "
            f"{MAX_ANSWER_LENGTH:,}. Nothing was saved: please send it in parts."
        )
    return text


def spacy_reader() -> AnswerReader:
    """The answer reader with spaCy's English model. Imported here, not at the top: importing
    spaCy takes most of a second, which every command-line call that never reads an answer
    (plans, show, migrate) and every test process would pay."""
    from bot.reading.language import english
    from bot.reading.reader import AnswerReader

    return AnswerReader(english())


class Planner:
    def __init__(
        self,
        guide: Guide,
        sessions: sessionmaker,
        exports_dir: Path,
        reader: AnswerReader | None = None,
        settings: Settings | None = None,
    ):
        self.guide = guide
        self.sessions = sessions
        self.exports_dir = exports_dir
        self._reader = reader
        # What built it, so that another process can build the same planner (the export worker).
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: Settings, serving: bool = True) -> Planner:
        """`serving=False` (the command line): spaCy and the value recognisers load when first used."""
        engine = database.make_engine(settings.database_url)
        database.migrate(engine)
        if serving:
            warm_up()  # the value recognisers take a second to build: not on a committee's first choice
        sessions = database.make_session_factory(engine)
        # Serving, spaCy is loaded now (a second), not on a committee's first answer.
        reader = spacy_reader() if serving else None
        return cls(load_guide(), sessions, settings.exports_dir, reader, settings)

    @property
    def reader(self) -> AnswerReader:
        """spaCy's reader, loaded on first use where it was not given (the command line's plans,
        show and migrate never read an answer)."""
        if self._reader is None:
            self._reader = spacy_reader()
        return self._reader

    # --- plans -------------------------------------------------------------------------

    def create_plan(self, school: str, agency: str, members_text: str = "", with_key: bool = True) -> PlanState:
        """`with_key=False`: the plan gets its key later, from `issue_key`, in the channel
        that shows it (a chat's replies are stored; the key must not be among them)."""
        school, agency = clean_name(school), clean_name(agency)
        people = members_in(members_text)
        key = codes.new_access_key() if with_key else None
        with self.sessions.begin() as s:
            try:
                plan = repository.add_plan(s, f"{school} and {agency}", school, agency, self.guide.questions[0].id, key)
            except codes.NoFreeCode as full:
                raise PlanRefused(
                    "No free plan code could be found, so no plan was created. Try again; if it "
                    "happens again, tell whoever runs the assistant (old plans can be purged)."
                ) from full
            repository.add_members(s, plan, people)
            return replace(self._state(s, plan), access_key=key)

    def issue_key(self, code: str) -> str | None:
        """A new access key for a plan created without one; None if it has one already."""
        with self.sessions.begin() as s:
            plan = self._plan(s, code, to_change=True)
            return self._new_key(plan) if plan.access_key_hash == codes.NO_KEY_YET else None

    def replace_key(self, code: str) -> str:
        """A new access key instead of the plan's key (the operator's `python -m bot key`)."""
        with self.sessions.begin() as s:
            return self._new_key(self._plan(s, code, to_change=True))

    @staticmethod
    def _new_key(plan: Plan) -> str:
        key = codes.new_access_key()
        plan.access_key_hash = codes.key_hash(key)
        return key

    def has_access(self, code: str, key: str | None) -> bool:
        """True only for an existing plan and its own access key."""
        with self.sessions.begin() as s:
            plan = repository.find_plan(s, code)
            return plan is not None and codes.key_matches(plan.access_key_hash, key)

    def state(self, code: str) -> PlanState:
        with self.sessions.begin() as s:
            return self._state(s, self._plan(s, code))

    def position(self, code: str) -> Position:
        with self.sessions.begin() as s:
            plan = self._plan(s, code)
            if plan.current_question_id is None:
                return Position(None, 0)
            count = repository.answer_counts(s, plan, [plan.current_question_id]).get(plan.current_question_id, 0)
            return Position(self.guide.question(plan.current_question_id), count)

    def snapshot(self, code: str) -> PlanSnapshot:
        with self.sessions.begin() as s:
            return repository.snapshot(s, self._plan(s, code))

    def list_plans(self) -> list[PlanListing]:
        total = len(self.guide.questions)
        with self.sessions.begin() as s:
            return [
                PlanListing(
                    code=plan.code,
                    name=plan.name,
                    answered=len(repository.answer_counts(s, plan)),
                    total=total,
                    finished=plan.current_question_id is None,
                )
                for plan in repository.list_plans(s)
            ]

    # --- members -----------------------------------------------------------------------

    def add_member(self, code: str, person: Person) -> MemberView:
        with self.sessions.begin() as s:
            plan = self._plan(s, code, to_change=True)
            name = resolve_name(clean_name(person.name), [m.name for m in plan.members])
            member = self._member(s, plan, name, person.role)
            return MemberView(member.name, member.role)

    def _member(self, s: Session, plan: Plan, name: str, role: str) -> models.Member:
        """The member of that name, added if new and the plan has room."""
        if repository.find_member(s, plan, name) is None and len(plan.members) >= MAX_MEMBERS:
            raise AnswerRejected(
                f"This plan already has {MAX_MEMBERS} members, the most it keeps, so “{name}” "
                "was not added and nothing was saved. Name one of its members as the speaker."
            )
        return repository.add_member(s, plan, name, role)

    # --- answers -----------------------------------------------------------------------

    def record_answer(self, code: str, text: str, speaker: str | None = None) -> RecordedAnswer:
        """Add an answer to the current question. 'Ms. Ortiz: ...' names the speaker of this
        answer; otherwise it goes to `speaker`, the person last named as speaking."""
        text = clean_answer(text)
        # spaCy reads the answer before the plan is locked, so other committees' answers do
        # not wait for it; read again in the rare case the plan moved on meanwhile.
        with self.sessions.begin() as s:
            plan = self._plan(s, code)
            seen = (plan.current_question_id, tuple(m.name for m in plan.members), self._standing(s, plan))
        answer_text, speaker, reading = self._attribute_and_read(text, speaker, *seen)
        with self.sessions.begin() as s:
            plan = self._plan(s, code, to_change=True)
            if plan.current_question_id is None:
                raise NoOpenQuestion(code)
            now = (plan.current_question_id, tuple(m.name for m in plan.members), self._standing(s, plan))
            if now != seen:
                answer_text, speaker, reading = self._attribute_and_read(text, speaker, *now)
            member = None
            if speaker:
                name = resolve_name(clean_name(speaker), list(now[1]))
                member = self._member(s, plan, name, role_from(name))
            answer = repository.add_answer(s, plan, plan.current_question_id, answer_text, member, reading)
            count = repository.answer_counts(s, plan, [plan.current_question_id]).get(plan.current_question_id, 0)
            return RecordedAnswer(
                answer=repository.answer_view(answer),
                question=self.guide.question(plan.current_question_id),
                answers_on_question=count,
            )

    def read_ahead(self, message: str) -> None:
        """A message long enough to be an answer has just reached the Rasa server: begin
        reading the answer it likely is, so that storing it finds its reading done or under way."""
        try:
            text = clean_answer(message)
        except AnswerRejected:
            return
        self.reader.read_ahead(likely_answer_text(text))

    def _attribute_and_read(
        self,
        text: str,
        speaker: str | None,
        question_id: str | None,
        members: tuple[str, ...],
        standing: Choice | None,
    ) -> tuple[str, str | None, Reading]:
        """The answer's own text and speaker ('Ms. Ortiz: ...' names one), and its reading."""
        named, rest = split_attribution(text, list(members))
        if named and rest.strip():
            speaker, text = named, rest
        return text, speaker, self._read(members, question_id, text, standing)

    @staticmethod
    def _standing(s: Session, plan: Plan) -> Choice | None:
        """The choice that stands on the current question: a short message may change its values."""
        if plan.current_question_id is None:
            return None
        return repository.standing_choice(s, plan, plan.current_question_id)

    def accept_proposals(self, code: str, article: int, said: str, speaker: str | None = None) -> Accepted:
        """Make the guidance's proposed alternative the committee's choice for every clause of
        one article that has no choice yet: one answer per clause, attributed and kept like any
        other, so each can be changed later. `article` counts from 1, as the draft numbers it."""
        said = clean_answer(said)
        entries = set(self.guide.articles[article - 1].clauses)
        questions = [q for q in self.guide.questions if q.id in entries and q.decision]
        accepted, already, still_open = [], [], []
        with self.sessions.begin() as s:
            plan = self._plan(s, code, to_change=True)
            snapshot = repository.snapshot(s, plan)
            chosen = snapshot.chosen()
            member = None
            if speaker:
                name = resolve_name(clean_name(speaker), [m.name for m in plan.members])
                member = self._member(s, plan, name, role_from(name))
            for question in questions:
                assert question.decision is not None
                proposal = question.decision.proposal(chosen)
                if snapshot.decision(question.id) is not None:
                    already.append(question)
                elif proposal is None:
                    still_open.append(question)
                else:
                    reading = Reading((), (), (), False, choice=Choice(proposal))
                    repository.add_answer(s, plan, question.id, said, member, reading)
                    accepted.append(question)
        return Accepted(article, tuple(accepted), tuple(already), tuple(still_open))

    def last_answer(self, code: str, answer_id: int | None = None) -> AnswerView | None:
        """The answer this conversation gave last, or else the plan's latest answer."""
        with self.sessions.begin() as s:
            plan = self._plan(s, code)
            answer = repository.get_answer(s, plan, answer_id) if answer_id else None
            answer = answer or repository.latest_answer(s, plan)
            return repository.answer_view(answer) if answer else None

    def revise_answer(self, code: str, answer_id: int, text: str) -> AnswerView:
        text = clean_answer(text)
        # Read before the plan is locked, as record_answer does: nobody waits for spaCy.
        with self.sessions.begin() as s:
            plan = self._plan(s, code)
            answer = repository.get_answer(s, plan, answer_id)
            if answer is None:
                raise AnswerRejected("That answer is no longer in this plan; nothing was changed.")
            # New wording of a choice may give only new values: they change that choice.
            earlier = repository.answer_view(answer).choice
            reading = self._read(tuple(m.name for m in plan.members), answer.question_id, text, earlier)
        with self.sessions.begin() as s:
            answer = repository.get_answer(s, self._plan(s, code, to_change=True), answer_id)
            if answer is None:
                raise AnswerRejected("That answer is no longer in this plan; nothing was changed.")
            return repository.answer_view(repository.revise_answer(s, answer, text, reading))

    def keep_answer(self, code: str, answer_id: int) -> AnswerView:
        """The committee keeps a flagged answer as written, having heard the guidance."""
        with self.sessions.begin() as s:
            answer = repository.get_answer(s, self._plan(s, code, to_change=True), answer_id)
            if answer is None:
                raise AnswerRejected("That answer is no longer in this plan; nothing was changed.")
            answer.discipline_kept = answer.discipline_matter is not None
            return repository.answer_view(answer)

    def withdraw_answer(self, code: str, answer_id: int) -> AnswerView:
        """Take an answer back ("undo"): it stays in the database, out of every view."""
        with self.sessions.begin() as s:
            answer = repository.get_answer(s, self._plan(s, code, to_change=True), answer_id)
            if answer is None:
                raise AnswerRejected("That answer is no longer in this plan; nothing was taken back.")
            repository.withdraw_answer(s, answer)
            return repository.answer_view(answer)

    def answers_to(self, code: str, question_ids: list[str]) -> dict[str, list[AnswerView]]:
        with self.sessions.begin() as s:
            plan = self._plan(s, code)
            found: dict[str, list[AnswerView]] = {qid: [] for qid in question_ids}
            for answer in repository.answers_to(s, plan, question_ids):
                found[answer.question_id].append(repository.answer_view(answer))
            return found

    # --- moving through the guide ------------------------------------------------------

    def next_question(self, code: str) -> PlanState:
        """Move on. A question left without an answer stays open (skipped)."""
        with self.sessions.begin() as s:
            plan = self._plan(s, code, to_change=True)
            if plan.current_question_id is not None:
                if not repository.answer_counts(s, plan).get(plan.current_question_id):
                    repository.mark_skipped(s, plan, plan.current_question_id)
                following = self.guide.after(plan.current_question_id)
                plan.current_question_id = following.id if following else None
            return self._state(s, plan)

    def go_back(self, code: str) -> PlanState:
        """Return to the previous question; no answer is touched."""
        with self.sessions.begin() as s:
            plan = self._plan(s, code, to_change=True)
            previous = self.guide.before(plan.current_question_id)
            if previous is not None:
                plan.current_question_id = previous.id
            return self._state(s, plan)

    def go_to(self, code: str, question_id: str) -> PlanState:
        with self.sessions.begin() as s:
            plan = self._plan(s, code, to_change=True)
            plan.current_question_id = self.guide.question(question_id).id
            return self._state(s, plan)

    def progress(self, code: str) -> Progress:
        with self.sessions.begin() as s:
            plan = self._plan(s, code)
            counts = repository.answer_counts(s, plan)
            skipped = repository.skipped_questions(s, plan)
            current = plan.current_question_id
        sections = tuple(
            SectionProgress(
                title=section.title,
                answered=sum(1 for q in section.questions if counts.get(q.id)),
                total=len(section.questions),
                open_questions=tuple(q for q in section.questions if not counts.get(q.id)),
            )
            for section in self.guide.sections
        )
        return Progress(
            sections=sections,
            answered=sum(p.answered for p in sections),
            total=sum(p.total for p in sections),
            current=self.guide.question(current) if current else None,
            skipped=tuple(q for q in self.guide.questions if q.id in skipped and not counts.get(q.id)),
        )

    # --- documents ---------------------------------------------------------------------

    def export(self, code: str, keep_personal: bool = False) -> ExportedFiles:
        """Both documents. Personal details in answers are removed unless `keep_personal`."""
        snapshot = self.snapshot(code)
        if not keep_personal:
            snapshot = self._every_wording_read(snapshot)
        files = write_documents(self.guide, snapshot, self.exports_dir, keep_personal=keep_personal)
        with self.sessions.begin() as s:
            plan = self._plan(s, code)
            for kind, path in (("draft_mou", files.draft_mou), ("summary", files.summary)):
                repository.add_export_record(s, plan, kind, path.name, len(snapshot.answers))
        return files

    def _every_wording_read(self, plan: PlanSnapshot) -> PlanSnapshot:
        """Earlier wordings stored before each was read on its own (migration 0003) are read
        now, so that the privacy screen covers them as well."""
        members = [m.name for m in plan.members]
        answers = tuple(
            replace(
                a,
                revisions=tuple(
                    r
                    if r.personal_items is not None
                    else replace(r, personal_items=self._read(members, a.question_id, r.text).personal)
                    for r in a.revisions
                ),
            )
            for a in plan.answers
        )
        return replace(plan, answers=answers)

    def clause(self, code: str, number: str) -> DraftClause | None:
        """The draft's clause numbered `number` ('4.3'), as the draft would print it now."""
        entry = self.guide.clause_at(number)
        return draft_clause(self.guide, self.snapshot(code), entry) if entry else None

    def review(self, code: str) -> Review:
        return review_plan(self.guide, self.snapshot(code))

    def exports(self, code: str) -> list[views.ExportView]:
        with self.sessions.begin() as s:
            return repository.exports_of(s, self._plan(s, code))

    # --- helpers -----------------------------------------------------------------------

    def _plan(self, s: Session, code: str, to_change: bool = False) -> Plan:
        """The plan by its code. `to_change` locks its row until the unit of work ends (on
        PostgreSQL), so that two action servers moving or answering in one plan at the same
        instant take turns instead of both acting on the same question."""
        plan = repository.find_plan(s, code, lock=to_change)
        if plan is None:
            raise PlanNotFound(code)
        return plan

    def _read(
        self, members: Sequence[str], question_id: str | None, text: str, standing: Choice | None = None
    ) -> Reading:
        """Members are named on purpose; so are the signatories, in their own questions. On a
        question that decides a clause, the reading says what the answer chooses, if anything."""
        reading = self.reader.read(text, list(members))
        question = self.guide.question(question_id) if question_id else None
        if question and question.special in SIGNATORY_QUESTIONS:
            reading = replace(reading, personal=tuple(i for i in reading.personal if i.kind != "name"))
        if question and question.decision:
            reading = replace(reading, choice=read_choice(question.decision, text, standing))
        return reading

    def _state(self, s: Session, plan: Plan) -> PlanState:
        current = self.guide.question(plan.current_question_id) if plan.current_question_id else None
        answers_here = (
            tuple(repository.answer_view(a) for a in repository.answers_to(s, plan, [current.id])) if current else ()
        )
        snapshot_partners = {p.kind: p.name for p in plan.partners}
        return PlanState(
            code=plan.code,
            name=plan.name,
            school=snapshot_partners.get("school", ""),
            agency=snapshot_partners.get("agency", ""),
            current=current,
            answers_here=answers_here,
            members=tuple(MemberView(m.name, m.role) for m in plan.members),
        )
