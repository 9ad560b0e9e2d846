"""The units of work' building blocks: each function works inside the session it is given."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from bot.plans import codes
from bot.plans.members import Person
from bot.plans.views import (
    AnswerView,
    Choice,
    ExportView,
    MemberView,
    PersonalItem,
    PlanSnapshot,
    Reading,
    RevisionView,
)
from bot.storage.models import Answer, AnswerRevision, ExportRecord, Member, Partner, Plan, SkippedQuestion, utc_now


def answer_view(answer: Answer) -> AnswerView:
    member = answer.member
    return _view(answer, member.name if member else None, member.role if member else None, answer.revisions)


def _view(answer: Any, member_name: str | None, member_role: str | None, revisions: Iterable[Any]) -> AnswerView:
    """The view of an answer given as anything with its columns as attributes: a mapped Answer,
    or a row of the snapshot's query, with its revisions likewise."""
    return AnswerView(
        id=answer.id,
        question_id=answer.question_id,
        text=answer.text,
        member_name=member_name,
        member_role=member_role,
        created_at=answer.created_at,
        updated_at=answer.updated_at,
        revisions=tuple(RevisionView(r.number, r.text, r.created_at, _items(r.personal_items)) for r in revisions),
        discipline_matter=answer.discipline_matter,
        discipline_kept=bool(answer.discipline_kept),
        personal_items=_items(answer.personal_items) or (),
        topics=tuple(answer.topics or ()),
        voices_concern=bool(answer.voices_concern),
        choice=Choice.from_stored(answer.choice),
    )


def _items(stored: list[list[Any]] | None) -> tuple[PersonalItem, ...] | None:
    if stored is None:
        return None
    return tuple(PersonalItem(text, kind, start, end) for kind, start, end, text in stored)


def stored_items(items: Iterable[PersonalItem]) -> list[list[Any]]:
    return [[i.kind, i.start, i.end, i.text] for i in items]


def apply_reading(answer: Answer, reading: Reading) -> None:
    """Store what the reading of the answer's current wording found; a new wording is read anew."""
    answer.discipline_matter = reading.discipline_matter
    answer.discipline_kept = False
    answer.personal_items = stored_items(reading.personal)
    answer.topics = list(reading.topics)
    answer.voices_concern = reading.concern
    answer.choice = reading.choice.stored() if reading.choice else None


# Load members and revisions with the answers, not one query per answer.
_ANSWER_LOADS = (selectinload(Answer.member), selectinload(Answer.revisions))
STANDING = Answer.withdrawn_at.is_(None)  # answers not taken back: the only ones anyone reads


def find_plan(s: Session, code: str, lock: bool = False) -> Plan | None:
    """`lock`: the plan is about to change. Writing to its row first takes the write lock
    before anything is read (PostgreSQL locks the row; SQLite, the database), so two processes
    changing one plan at once take turns, each reading what the other wrote."""
    code = codes.normalize_code(code)
    if lock:
        s.execute(
            update(Plan)
            .where(Plan.code == code)
            .values(updated_at=utc_now())
            .execution_options(synchronize_session=False)
        )
    return cast(Plan | None, s.execute(select(Plan).where(Plan.code == code)).scalar_one_or_none())


def free_code(s: Session) -> str:
    digits = codes.code_digits(s.execute(select(func.count(Plan.id))).scalar_one())
    for _ in range(codes.CODE_ATTEMPTS):
        code = codes.new_code(digits)
        if s.execute(select(Plan.id).where(Plan.code == code)).first() is None:
            return code
    raise codes.NoFreeCode(f"no free plan code after {codes.CODE_ATTEMPTS} tries")


def add_plan(s: Session, name: str, school: str, agency: str, first_question_id: str, access_key: str | None) -> Plan:
    plan = Plan(
        code=free_code(s),
        name=name,
        current_question_id=first_question_id,
        access_key_hash=codes.key_hash(access_key) if access_key else codes.NO_KEY_YET,
    )
    plan.partners = [Partner(kind="school", name=school), Partner(kind="agency", name=agency)]
    s.add(plan)
    s.flush()
    return plan


def list_plans(s: Session) -> list[Plan]:
    return list(s.execute(select(Plan).order_by(Plan.created_at, Plan.id)).scalars())


def find_member(s: Session, plan: Plan, name: str) -> Member | None:
    wanted = name.casefold()
    return next((m for m in plan.members if m.name.casefold() == wanted), None)


def add_member(s: Session, plan: Plan, name: str, role: str) -> Member:
    member = find_member(s, plan, name)
    if member is None:
        member = Member(plan_id=plan.id, name=name, role=role)
        plan.members.append(member)
        s.flush()
    return member


def add_members(s: Session, plan: Plan, people: Iterable[Person]) -> None:
    """A new plan's member list in one pass: each name is looked up in a set, not the list."""
    known = {m.name.casefold() for m in plan.members}
    for person in people:
        if person.name.casefold() not in known:
            known.add(person.name.casefold())
            plan.members.append(Member(plan_id=plan.id, name=person.name, role=person.role))
    s.flush()


def add_answer(s: Session, plan: Plan, question_id: str, text: str, member: Member | None, reading: Reading) -> Answer:
    now = utc_now()
    answer = Answer(
        plan_id=plan.id,
        question_id=question_id,
        text=text,
        member=member,
        created_at=now,
        updated_at=now,
    )
    apply_reading(answer, reading)
    answer.revisions.append(
        AnswerRevision(number=1, text=text, created_at=now, personal_items=stored_items(reading.personal))
    )
    s.add(answer)
    # An answered question is no longer open, even if it was skipped earlier.
    s.execute(
        delete(SkippedQuestion)
        .where(SkippedQuestion.plan_id == plan.id, SkippedQuestion.question_id == question_id)
        .execution_options(synchronize_session=False)
    )
    # No touch of plans.updated_at here: every caller took the plan to change it (find_plan's
    # lock), which already set it, one statement earlier in this unit of work.
    s.flush()
    return answer


def revise_answer(s: Session, answer: Answer, text: str, reading: Reading) -> Answer:
    """Give an answer new wording; the earlier wording stays as a revision."""
    now = utc_now()
    apply_reading(answer, reading)
    answer.revisions.append(
        AnswerRevision(
            number=len(answer.revisions) + 1,
            text=text,
            created_at=now,
            personal_items=stored_items(reading.personal),
        )
    )
    answer.text = text
    answer.updated_at = now
    s.flush()
    return answer


def get_answer(s: Session, plan: Plan, answer_id: int) -> Answer | None:
    answer = s.get(Answer, answer_id)
    return answer if answer is not None and answer.plan_id == plan.id and answer.withdrawn_at is None else None


def withdraw_answer(s: Session, answer: Answer) -> None:
    answer.withdrawn_at = utc_now()


def latest_answer(s: Session, plan: Plan) -> Answer | None:
    return cast(
        Answer | None,
        s.execute(
            select(Answer)
            .where(Answer.plan_id == plan.id, STANDING)
            .order_by(Answer.created_at.desc(), Answer.id.desc())
            .limit(1)
        ).scalar_one_or_none(),
    )


def answers_to(s: Session, plan: Plan, question_ids: Iterable[str]) -> list[Answer]:
    return list(
        s.execute(
            select(Answer)
            .options(*_ANSWER_LOADS)
            .where(Answer.plan_id == plan.id, STANDING, Answer.question_id.in_(list(question_ids)))
            .order_by(Answer.created_at, Answer.id)
        ).scalars()
    )


def standing_choice(s: Session, plan: Plan, question_id: str) -> Choice | None:
    """The choice of the latest answer that made one on the question. Its column alone, not the
    answers with their members and wordings: it is read on every answer."""
    rows = s.execute(
        select(Answer.choice, Answer.updated_at, Answer.id).where(
            Answer.plan_id == plan.id, STANDING, Answer.question_id == question_id
        )
    ).all()
    choices = [(updated, id_, choice) for stored, updated, id_ in rows if (choice := Choice.from_stored(stored))]
    return max(choices, key=lambda row: row[:2])[2] if choices else None


def answer_counts(s: Session, plan: Plan, question_ids: Iterable[str] | None = None) -> dict[str, int]:
    """Answers per question: every question's, or only those of `question_ids`."""
    query = select(Answer.question_id, func.count(Answer.id)).where(Answer.plan_id == plan.id, STANDING)
    if question_ids is not None:
        query = query.where(Answer.question_id.in_(list(question_ids)))
    rows = s.execute(query.group_by(Answer.question_id))
    return {question_id: count for question_id, count in rows}


def skipped_questions(s: Session, plan: Plan) -> frozenset[str]:
    return frozenset(s.execute(select(SkippedQuestion.question_id).where(SkippedQuestion.plan_id == plan.id)).scalars())


def mark_skipped(s: Session, plan: Plan, question_id: str) -> None:
    if s.get(SkippedQuestion, (plan.id, question_id)) is None:
        s.add(SkippedQuestion(plan_id=plan.id, question_id=question_id))
        s.flush()


def add_export_record(s: Session, plan: Plan, kind: str, file_name: str, answer_count: int) -> None:
    s.add(ExportRecord(plan_id=plan.id, kind=kind, file_name=file_name, answer_count=answer_count))


def exports_of(s: Session, plan: Plan) -> list[ExportView]:
    """The plan's exported files, newest first."""
    records = s.execute(
        select(ExportRecord)
        .where(ExportRecord.plan_id == plan.id)
        .order_by(ExportRecord.created_at.desc(), ExportRecord.id.desc())
    ).scalars()
    return [ExportView(r.kind, r.file_name, r.created_at) for r in records]


# What the snapshot reads of each answer and each wording: columns, not mapped objects. For a
# plan of 1,000 answers the ORM's instance bookkeeping was more than half of reading the plan.
_ANSWER_COLUMNS = (
    Answer.id,
    Answer.question_id,
    Answer.text,
    Answer.created_at,
    Answer.updated_at,
    Answer.discipline_matter,
    Answer.discipline_kept,
    Answer.personal_items,
    Answer.topics,
    Answer.voices_concern,
    Answer.choice,
    Member.name.label("member_name"),
    Member.role.label("member_role"),
)
_REVISION_COLUMNS = (
    AnswerRevision.answer_id,
    AnswerRevision.number,
    AnswerRevision.text,
    AnswerRevision.created_at,
    AnswerRevision.personal_items,
)


def snapshot(s: Session, plan: Plan) -> PlanSnapshot:
    partners = {p.kind: p.name for p in plan.partners}
    revisions: dict[int, list[Any]] = {}
    for revision in s.execute(
        select(*_REVISION_COLUMNS)
        .join(Answer, AnswerRevision.answer_id == Answer.id)
        .where(Answer.plan_id == plan.id, STANDING)
        .order_by(AnswerRevision.answer_id, AnswerRevision.number)
    ):
        revisions.setdefault(revision.answer_id, []).append(revision)
    answers = s.execute(
        select(*_ANSWER_COLUMNS)
        .outerjoin(Answer.member)
        .where(Answer.plan_id == plan.id, STANDING)
        .order_by(Answer.created_at, Answer.id)
    )
    return PlanSnapshot(
        code=plan.code,
        name=plan.name,
        school=partners.get("school", ""),
        agency=partners.get("agency", ""),
        created_at=plan.created_at,
        current_question_id=plan.current_question_id,
        members=tuple(MemberView(m.name, m.role) for m in plan.members),
        answers=tuple(_view(a, a.member_name, a.member_role, revisions.get(a.id, ())) for a in answers),
        skipped=skipped_questions(s, plan),
    )
