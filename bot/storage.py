"""Plans, partners, members, answers (with revision history) and export records.

SQLAlchemy 1.4 in 2.0 style. The engine and session factory are built by the caller at
start-up and passed in; every function here works inside the session it is given, so the
caller decides the unit of work (`with sessions.begin() as s:`) and each answer is
committed before the bot replies.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.pool import QueuePool
from sqlalchemy.orm import Session, declarative_base, relationship, selectinload, sessionmaker

from bot.members import Person
from bot.privacy import PersonalItem
from bot.reading import Reading

Base = declarative_base()

MAX_NAME_LENGTH = 200


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Plan(Base):
    __tablename__ = "plans"
    id = Column(Integer, primary_key=True)
    code = Column(String(20), nullable=False, unique=True)
    name = Column(String(MAX_NAME_LENGTH * 2 + 10), nullable=False)
    # Only a hash of the access key is kept: the key itself is shown once, at creation.
    access_key_hash = Column(String(64), nullable=False)
    # The question the committee is on; NULL once every question has been passed.
    current_question_id = Column(String(80), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utc_now, onupdate=utc_now)

    partners = relationship("Partner", order_by="Partner.id", cascade="all, delete-orphan")
    members = relationship("Member", order_by="Member.id", cascade="all, delete-orphan")


class Partner(Base):
    """A party to the MOU: the school or district, the law enforcement agency."""

    __tablename__ = "partners"
    id = Column(Integer, primary_key=True)
    plan_id = Column(ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)  # "school" or "agency"
    name = Column(String(MAX_NAME_LENGTH), nullable=False)


class Member(Base):
    """Somebody in the room: the answers they give are attributed to them."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)
    id = Column(Integer, primary_key=True)
    plan_id = Column(ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(String(MAX_NAME_LENGTH), nullable=False)
    role = Column(String(40), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)


class Answer(Base):
    """One member's answer to one question. `text` is the current wording; every
    wording, the first included, is also kept in `revisions`."""

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_plan_question", "plan_id", "question_id"),)
    id = Column(Integer, primary_key=True)
    plan_id = Column(ForeignKey("plans.id", ondelete="CASCADE"), nullable=False)
    question_id = Column(String(80), nullable=False)
    member_id = Column(ForeignKey("members.id"), nullable=True)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    # What the reading of the current wording found (bot/reading.py).
    discipline_matter = Column(String(40), nullable=True)  # set: gives the SRO routine discipline
    discipline_kept = Column(Boolean, nullable=False, default=False)  # kept after the warning
    personal_items = Column(JSON, nullable=False, default=list)  # [[kind, start, end, text], ...]
    topics = Column(JSON, nullable=False, default=list)
    voices_concern = Column(Boolean, nullable=False, default=False)

    member = relationship("Member")
    revisions = relationship(
        "AnswerRevision", order_by="AnswerRevision.number", cascade="all, delete-orphan"
    )


class AnswerRevision(Base):
    __tablename__ = "answer_revisions"
    __table_args__ = (UniqueConstraint("answer_id", "number"),)
    id = Column(Integer, primary_key=True)
    answer_id = Column(ForeignKey("answers.id", ondelete="CASCADE"), nullable=False, index=True)
    number = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    # What the privacy screen found in this wording, as in Answer.personal_items; NULL for
    # wordings stored before they were read one by one (migration 0003).
    personal_items = Column(JSON, nullable=True)


class SkippedQuestion(Base):
    """A question the committee chose to leave open for now."""

    __tablename__ = "skipped_questions"
    plan_id = Column(ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    question_id = Column(String(80), primary_key=True)
    skipped_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)


class ExportRecord(Base):
    __tablename__ = "exports"
    id = Column(Integer, primary_key=True)
    plan_id = Column(ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)  # "draft_mou" or "summary"
    file_name = Column(String(255), nullable=False)
    answer_count = Column(Integer, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)


# --- engine and schema -------------------------------------------------------------------


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:///"):
        Path(database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 opens a new SQLite connection per session by default (NullPool), and
        # each connect sets the pragmas again: on every message. A pool keeps them open.
        engine = create_engine(
            database_url, future=True, poolclass=QueuePool,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(database_url, future=True, pool_pre_ping=True)


def safe_url(database_url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(database_url).render_as_string(hide_password=True)


def ensure_database(database_url: str) -> bool:
    """Create a PostgreSQL database that does not exist yet (SQLite files are made on first
    use). Returns whether it was created."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql" or not url.database:
        return False
    admin = create_engine(url.set(database="postgres"), future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if connection.execute(sql("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": url.database}).first():
                return False
            quoted = connection.dialect.identifier_preparer.quote(url.database)
            connection.execute(sql(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        admin.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the CLI read while the action server writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True, expire_on_commit=False)


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(engine: Engine, revision: str = "head") -> str:
    """Bring the schema to `revision`, the latest by default (bot/migrations/), and return it. A database made
    before migrations existed is first stamped with the revision its tables match. Several
    processes may start at once (action servers): one migrates, the others wait for it."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        tables = inspect(connection).get_table_names()
        if "plans" in tables and "alembic_version" not in tables:
            command.stamp(config, _revision_of_tables(connection))
        command.upgrade(config, revision)
        return MigrationContext.configure(connection).get_current_revision() or ""


def _revision_of_tables(connection) -> str:
    """The revision that tables made without Alembic (create_all, before migrations) match."""
    def columns(table: str) -> set[str]:
        return {c["name"] for c in inspect(connection).get_columns(table)}

    if "personal_items" in columns("answer_revisions"):
        return "0003"
    return "0002" if "discipline_matter" in columns("answers") else "0001"


def latest_revision() -> str:
    """The newest revision in bot/migrations/: what `migrate` brings a database to."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head() or ""


# Any fixed number: PostgreSQL's advisory locks are named by integers.
MIGRATION_LOCK_KEY = 4_170_2026


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """SQLite has no advisory lock: a lock file beside the database serves."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migration-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- plan codes --------------------------------------------------------------------------

# Short, common, unambiguous words: a code such as "MAPLE-417" can be read aloud in a meeting.
CODE_WORDS = (
    "ACORN", "AMBER", "APPLE", "ASPEN", "BADGE", "BEACON", "BIRCH", "BISON", "BRAVO", "BROOK",
    "CABIN", "CANOE", "CEDAR", "CHALK", "CLOVER", "COMET", "CORAL", "CRANE", "DAISY", "DELTA",
    "EAGLE", "EMBER", "FALCON", "FERN", "FIELD", "FLINT", "FOREST", "GARDEN", "GLOBE", "HARBOR",
    "HAWK", "HAZEL", "HERON", "HONEY", "IVORY", "JASPER", "JUNIPER", "KITE", "LAKE", "LANTERN",
    "LARK", "LEMON", "LILAC", "LINDEN", "MAPLE", "MEADOW", "MESA", "MOON", "NORTH", "OAK",
    "OCEAN", "OLIVE", "ORBIT", "OTTER", "PEARL", "PINE", "PLANET", "POPPY", "PRAIRIE", "QUARTZ",
    "RAVEN", "RIVER", "ROBIN", "SAGE", "SIERRA", "SPRUCE", "STONE", "SUMMIT", "SUNNY", "TIGER",
    "TULIP", "VALLEY", "VIOLET", "WILLOW", "WREN", "ZEPHYR",
)


class NoFreeCode(RuntimeError):
    """Every code tried was taken: the plan was not created."""


# A code's digits grow before the codes of their length are crowded: with at most one in
# CROWDED of a length's codes in use, a random code is free at least nine times in ten.
CROWDED = 10
CODE_ATTEMPTS = 25  # each free with odds of nine in ten or better: failing all is a real fault
MIN_CODE_DIGITS, MAX_CODE_DIGITS = 3, 6


def code_digits(plans_so_far: int) -> int:
    """How many digits new codes take: three (68,400 codes) until a tenth of those are in use,
    then four, and so on."""
    digits = MIN_CODE_DIGITS
    while digits < MAX_CODE_DIGITS and plans_so_far * CROWDED >= len(CODE_WORDS) * 9 * 10 ** (digits - 1):
        digits += 1
    return digits


def new_code(digits: int = MIN_CODE_DIGITS) -> str:
    low = 10 ** (digits - 1)
    return f"{secrets.choice(CODE_WORDS)}-{low + secrets.randbelow(9 * low)}"


def new_access_key() -> str:
    return secrets.token_urlsafe(9)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


# A plan made in a chat gets its key from the channel that shows it (bot/web/channel.py), so
# the key never passes through Rasa's conversation store. Until then it has none: no key matches.
NO_KEY_YET = ""


def key_matches(plan: Plan, key: Optional[str]) -> bool:
    return bool(key) and plan.access_key_hash != NO_KEY_YET and hmac.compare_digest(plan.access_key_hash, key_hash(key))


def normalize_code(raw: str) -> str:
    """'maple 417', 'Maple417' and ' MAPLE-417 ' all name the same plan."""
    letters = "".join(ch for ch in raw if ch.isalpha()).upper()
    digits = "".join(ch for ch in raw if ch.isdigit())
    return f"{letters}-{digits}" if letters and digits else raw.strip().upper()


# "ZEBRA-999" has a code's shape, typo or not; without the hyphen ("maple 417") only a code word
# counts, so "resume our 2025 plan" names no plan.
_DIGITS = r"(\d{%d,%d})\b" % (MIN_CODE_DIGITS, MAX_CODE_DIGITS)
_CODE_IN_TEXT = re.compile(
    rf"\b(?:([A-Za-z]{{3,10}})-{_DIGITS}|({'|'.join(CODE_WORDS)}) ?{_DIGITS})", re.IGNORECASE
)


def find_code(text: str) -> Optional[str]:
    """The plan code in a message such as 'resume plan maple 417', if there is one."""
    match = _CODE_IN_TEXT.search(text)
    if match is None:
        return None
    word, digits = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return f"{word.upper()}-{digits}"


# --- reading a plan as a whole ------------------------------------------------------------


@dataclass(frozen=True)
class RevisionView:
    number: int
    text: str
    created_at: datetime
    personal_items: Optional[tuple[PersonalItem, ...]] = None  # None: never read on its own


@dataclass(frozen=True)
class AnswerView:
    id: int
    question_id: str
    text: str
    member_name: Optional[str]
    member_role: Optional[str]
    created_at: datetime
    updated_at: datetime
    revisions: tuple[RevisionView, ...]
    discipline_matter: Optional[str] = None
    discipline_kept: bool = False
    personal_items: tuple[PersonalItem, ...] = ()
    topics: tuple[str, ...] = ()
    voices_concern: bool = False

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
    current_question_id: Optional[str]
    members: tuple[MemberView, ...]
    answers: tuple[AnswerView, ...]
    skipped: frozenset[str]

    def answers_to(self, question_id: str) -> list[AnswerView]:
        return [a for a in self.answers if a.question_id == question_id]


def answer_view(answer: Answer) -> AnswerView:
    return AnswerView(
        id=answer.id,
        question_id=answer.question_id,
        text=answer.text,
        member_name=answer.member.name if answer.member else None,
        member_role=answer.member.role if answer.member else None,
        created_at=answer.created_at,
        updated_at=answer.updated_at,
        revisions=tuple(RevisionView(r.number, r.text, r.created_at, _items(r.personal_items)) for r in answer.revisions),
        discipline_matter=answer.discipline_matter,
        discipline_kept=bool(answer.discipline_kept),
        personal_items=_items(answer.personal_items) or (),
        topics=tuple(answer.topics or ()),
        voices_concern=bool(answer.voices_concern),
    )


def _items(stored: Optional[list]) -> Optional[tuple[PersonalItem, ...]]:
    if stored is None:
        return None
    return tuple(PersonalItem(text, kind, start, end) for kind, start, end, text in stored)


def stored_items(items: Iterable[PersonalItem]) -> list[list]:
    return [[i.kind, i.start, i.end, i.text] for i in items]


def apply_reading(answer: Answer, reading: Reading) -> None:
    """Store what the reading of the answer's current wording found; a new wording is read anew."""
    answer.discipline_matter = reading.discipline_matter
    answer.discipline_kept = False
    answer.personal_items = stored_items(reading.personal)
    answer.topics = list(reading.topics)
    answer.voices_concern = reading.concern


# Load members and revisions with the answers, not one query per answer.
_ANSWER_LOADS = (selectinload(Answer.member), selectinload(Answer.revisions))


# --- repository --------------------------------------------------------------------------


def find_plan(s: Session, code: str, lock: bool = False) -> Optional[Plan]:
    """`lock`: the plan is about to change. Writing to its row first takes the write lock
    before anything is read (PostgreSQL locks the row; SQLite, the database), so two processes
    changing one plan at once take turns, each reading what the other wrote."""
    code = normalize_code(code)
    if lock:
        s.execute(update(Plan).where(Plan.code == code).values(updated_at=utc_now())
                  .execution_options(synchronize_session=False))
    return s.execute(select(Plan).where(Plan.code == code)).scalar_one_or_none()


def free_code(s: Session) -> str:
    digits = code_digits(s.execute(select(func.count(Plan.id))).scalar_one())
    for _ in range(CODE_ATTEMPTS):
        code = new_code(digits)
        if s.execute(select(Plan.id).where(Plan.code == code)).first() is None:
            return code
    raise NoFreeCode(f"no free plan code after {CODE_ATTEMPTS} tries")


def add_plan(
    s: Session, name: str, school: str, agency: str, first_question_id: str, access_key: Optional[str]
) -> Plan:
    plan = Plan(
        code=free_code(s), name=name, current_question_id=first_question_id,
        access_key_hash=key_hash(access_key) if access_key else NO_KEY_YET,
    )
    plan.partners = [Partner(kind="school", name=school), Partner(kind="agency", name=agency)]
    s.add(plan)
    s.flush()
    return plan


def list_plans(s: Session) -> list[Plan]:
    return list(s.execute(select(Plan).order_by(Plan.created_at, Plan.id)).scalars())


def find_member(s: Session, plan: Plan, name: str) -> Optional[Member]:
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


def add_answer(
    s: Session, plan: Plan, question_id: str, text: str, member: Optional[Member], reading: Reading
) -> Answer:
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
    answer.revisions.append(AnswerRevision(number=1, text=text, created_at=now, personal_items=stored_items(reading.personal)))
    s.add(answer)
    # An answered question is no longer open, even if it was skipped earlier.
    skipped = s.get(SkippedQuestion, (plan.id, question_id))
    if skipped is not None:
        s.delete(skipped)
    plan.updated_at = now
    s.flush()
    return answer


def revise_answer(s: Session, answer: Answer, text: str, reading: Reading) -> Answer:
    """Give an answer new wording; the earlier wording stays as a revision."""
    now = utc_now()
    apply_reading(answer, reading)
    answer.revisions.append(AnswerRevision(
        number=len(answer.revisions) + 1, text=text, created_at=now, personal_items=stored_items(reading.personal),
    ))
    answer.text = text
    answer.updated_at = now
    s.flush()
    return answer


def get_answer(s: Session, plan: Plan, answer_id: int) -> Optional[Answer]:
    answer = s.get(Answer, answer_id)
    return answer if answer is not None and answer.plan_id == plan.id else None


def latest_answer(s: Session, plan: Plan) -> Optional[Answer]:
    return s.execute(
        select(Answer)
        .where(Answer.plan_id == plan.id)
        .order_by(Answer.created_at.desc(), Answer.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def answers_to(s: Session, plan: Plan, question_ids: Iterable[str]) -> list[Answer]:
    return list(
        s.execute(
            select(Answer)
            .options(*_ANSWER_LOADS)
            .where(Answer.plan_id == plan.id, Answer.question_id.in_(list(question_ids)))
            .order_by(Answer.created_at, Answer.id)
        ).scalars()
    )


def answer_counts(s: Session, plan: Plan, question_ids: Optional[Iterable[str]] = None) -> dict[str, int]:
    """Answers per question: every question's, or only those of `question_ids`."""
    query = select(Answer.question_id, func.count(Answer.id)).where(Answer.plan_id == plan.id)
    if question_ids is not None:
        query = query.where(Answer.question_id.in_(list(question_ids)))
    rows = s.execute(query.group_by(Answer.question_id))
    return {question_id: count for question_id, count in rows}


def skipped_questions(s: Session, plan: Plan) -> frozenset[str]:
    return frozenset(
        s.execute(
            select(SkippedQuestion.question_id).where(SkippedQuestion.plan_id == plan.id)
        ).scalars()
    )


def mark_skipped(s: Session, plan: Plan, question_id: str) -> None:
    if s.get(SkippedQuestion, (plan.id, question_id)) is None:
        s.add(SkippedQuestion(plan_id=plan.id, question_id=question_id))
        s.flush()


def add_export_record(
    s: Session, plan: Plan, kind: str, file_name: str, answer_count: int
) -> None:
    s.add(ExportRecord(plan_id=plan.id, kind=kind, file_name=file_name, answer_count=answer_count))


@dataclass(frozen=True)
class ExportView:
    kind: str
    file_name: str
    created_at: datetime


def exports_of(s: Session, plan: Plan) -> list[ExportView]:
    """The plan's exported files, newest first."""
    records = s.execute(
        select(ExportRecord)
        .where(ExportRecord.plan_id == plan.id)
        .order_by(ExportRecord.created_at.desc(), ExportRecord.id.desc())
    ).scalars()
    return [ExportView(r.kind, r.file_name, r.created_at) for r in records]


def snapshot(s: Session, plan: Plan) -> PlanSnapshot:
    partners = {p.kind: p.name for p in plan.partners}
    answers: Sequence[Answer] = s.execute(
        select(Answer)
        .options(*_ANSWER_LOADS)
        .where(Answer.plan_id == plan.id)
        .order_by(Answer.created_at, Answer.id)
    ).scalars().all()
    return PlanSnapshot(
        code=plan.code,
        name=plan.name,
        school=partners.get("school", ""),
        agency=partners.get("agency", ""),
        created_at=plan.created_at,
        current_question_id=plan.current_question_id,
        members=tuple(MemberView(m.name, m.role) for m in plan.members),
        answers=tuple(answer_view(a) for a in answers),
        skipped=skipped_questions(s, plan),
    )
