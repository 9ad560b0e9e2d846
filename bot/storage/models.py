"""The tables: plans, partners, members, answers (with revision history), skipped questions
and export records."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship

Base: Any = declarative_base()
# Name columns are wider than the names typed (MAX_NAME_LENGTH in bot/plans/views.py), as migration
# 0001 made them.
NAME_WIDTH = 200


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Plan(Base):
    __tablename__ = "plans"
    id = Column(Integer, primary_key=True)
    code = Column(String(20), nullable=False, unique=True)
    name = Column(String(NAME_WIDTH * 2 + 10), nullable=False)
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
    name = Column(String(NAME_WIDTH), nullable=False)


class Member(Base):
    """Somebody in the room: the answers they give are attributed to them."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)
    id = Column(Integer, primary_key=True)
    plan_id = Column(ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(String(NAME_WIDTH), nullable=False)
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
    # What the reading of the current wording found (bot/reading/).
    discipline_matter = Column(String(40), nullable=True)  # set: gives the SRO routine discipline
    discipline_kept = Column(Boolean, nullable=False, default=False)  # kept after the warning
    personal_items = Column(JSON, nullable=False, default=list)  # [[kind, start, end, text], ...]
    topics = Column(JSON, nullable=False, default=list)
    voices_concern = Column(Boolean, nullable=False, default=False)
    # What the answer decides (bot.plans.views.Choice.stored()); NULL for a discussion answer.
    choice = Column(JSON, nullable=True)
    # Set: taken back ("undo"); kept, but out of everything the committee reads.
    withdrawn_at = Column(DateTime(timezone=True), nullable=True)

    member = relationship("Member")
    revisions = relationship("AnswerRevision", order_by="AnswerRevision.number", cascade="all, delete-orphan")


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
