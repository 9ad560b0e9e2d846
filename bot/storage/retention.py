"""Deleting a plan completely, and purging plans nobody has worked on for a while.

A plan lives in three places: our own tables (the plan, its partners, members, answers with
every earlier wording, skipped questions, export records), the Word documents in the exports
folder, and Rasa's conversation store, whose events hold the committee's own words. Deleting
a plan removes it from all three, so that nothing the committee said is left behind.

Our tables are reached through the caller's `sessionmaker`; the conversation store through
its own engine (`conversation_store`), because it is another database, written by Rasa.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import column, create_engine, delete, func, inspect, select, table, update
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.plans.codes import normalize_code
from bot.storage.models import Answer, AnswerRevision, ExportRecord, Member, Partner, Plan, SkippedQuestion, utc_now
from bot.storage.repository import find_plan

# Every table of ours that holds part of a plan, in the order its rows are deleted: revisions
# before their answers, answers before the members they are attributed to, the plan last.
# A new table must be added here (tests/test_retention.py fails until it is).
PLAN_TABLES = (AnswerRevision, Answer, SkippedQuestion, ExportRecord, Member, Partner, Plan)

# Rasa's conversation store, only the columns we read: see rasa.core.tracker_store.SQLTrackerStore.
EVENTS = table("events", column("sender_id"), column("type_name"), column("data"))

# The meeting page names its conversations meeting:<code>:<device> (bot/web/channel.py).
MEETING_CONVERSATION = "meeting:{code}:"


@dataclass(frozen=True)
class PlanToDelete:
    """What deleting a plan removes; printed before anything is deleted."""

    code: str
    name: str
    last_activity: datetime
    answers: int
    revisions: int
    members: int
    skipped_questions: int
    export_files: tuple[Path, ...]  # the exported documents still on disk
    conversations: tuple[str, ...]  # Rasa sender ids


# --- the plan, read ----------------------------------------------------------------------


def describe(sessions: sessionmaker, exports_dir: Path, store: Engine | None, code: str) -> PlanToDelete | None:
    """What `delete_plan` would remove now, or None if there is no such plan."""
    with sessions.begin() as s:
        plan = find_plan(s, code)
        return _what_to_delete(s, plan, exports_dir, store) if plan else None


def inactive_plans(sessions: sessionmaker, older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Codes of the plans whose last activity is more than `older_than` ago, oldest first."""
    with sessions.begin() as s:
        return list(
            s.execute(
                select(Plan.code).where(Plan.updated_at < cutoff(older_than, now)).order_by(Plan.updated_at, Plan.id)
            ).scalars()
        )


def cutoff(older_than: timedelta, now: datetime | None = None) -> datetime:
    return (now or utc_now()) - older_than


def _what_to_delete(s: Session, plan: Plan, exports_dir: Path, store: Engine | None) -> PlanToDelete:
    return PlanToDelete(
        code=plan.code,
        name=plan.name,
        last_activity=plan.updated_at,
        answers=_count(s, Answer.id, Answer.plan_id == plan.id),
        revisions=_count(s, AnswerRevision.id, AnswerRevision.answer_id.in_(_answer_ids(plan.id))),
        members=_count(s, Member.id, Member.plan_id == plan.id),
        skipped_questions=_count(s, SkippedQuestion.question_id, SkippedQuestion.plan_id == plan.id),
        export_files=_export_files(s, plan.id, exports_dir),
        conversations=conversations_of(store, plan.code),
    )


def _count(s: Session, counted: Any, condition: Any) -> int:
    return int(s.execute(select(func.count(counted)).where(condition)).scalar_one())


def _answer_ids(plan_id: int) -> Any:
    return select(Answer.id).where(Answer.plan_id == plan_id)


def _export_files(s: Session, plan_id: int, exports_dir: Path) -> tuple[Path, ...]:
    """The plan's exported documents that are still there. Only a plain name inside the
    exports folder counts, so a record can never point the deletion anywhere else."""
    folder = exports_dir.resolve()
    names = s.execute(select(ExportRecord.file_name).where(ExportRecord.plan_id == plan_id)).scalars()
    paths = {(folder / name).resolve() for name in names}
    return tuple(sorted(p for p in paths if p.parent == folder and p.is_file()))


# --- the plan, deleted -------------------------------------------------------------------


def delete_plan(
    sessions: sessionmaker,
    exports_dir: Path,
    store: Engine | None,
    code: str,
    inactive_before: datetime | None = None,
) -> PlanToDelete | None:
    """Delete the plan, its documents and its conversations; return what was deleted, or None
    if there is no such plan (or, with `inactive_before`, it has been active since then).

    Everything happens while the plan's row is held, so no answer or export can land in the
    middle. The conversations and the files go before our rows, and the plan row last: if any
    step fails, the plan is still there and `delete` can simply be run again."""
    with sessions.begin() as s:
        plan = _hold(s, normalize_code(code), inactive_before)
        if plan is None:
            return None
        deleted = _what_to_delete(s, plan, exports_dir, store)
        forget_conversations(store, deleted.conversations)
        for path in deleted.export_files:
            path.unlink(missing_ok=True)
        _delete_rows(s, plan.id)
        return deleted


def _hold(s: Session, code: str, inactive_before: datetime | None) -> Plan | None:
    """Take the plan's write lock (PostgreSQL: its row; SQLite: the database), as every change
    to a plan does. It rewrites updated_at unchanged, so that a purge still sees, under the
    lock, whether a committee came back to the plan after it was listed."""
    held = update(Plan).where(Plan.code == code).values(updated_at=Plan.updated_at)
    if inactive_before is not None:
        held = held.where(Plan.updated_at < inactive_before)
    if s.execute(held.execution_options(synchronize_session=False)).rowcount == 0:
        return None
    return cast(Plan, s.execute(select(Plan).where(Plan.code == code)).scalar_one())


def _delete_rows(s: Session, plan_id: int) -> None:
    # Stated table by table rather than left to ON DELETE CASCADE, which SQLite only honours
    # with its foreign_keys pragma on; PLAN_TABLES is the complete list.
    for model in PLAN_TABLES:
        if model is AnswerRevision:
            condition = AnswerRevision.answer_id.in_(_answer_ids(plan_id))
        elif model is Plan:
            condition = Plan.id == plan_id
        else:
            condition = model.plan_id == plan_id
        s.execute(delete(model).where(condition).execution_options(synchronize_session=False))


# --- Rasa's conversation store -----------------------------------------------------------


def conversation_store(url: str) -> Engine | None:
    """An engine on the conversation store, or None when there is none yet (an SQLite file
    never written), so that looking for conversations does not create an empty database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        return None
    return create_engine(parsed, future=True)


def conversations_of(store: Engine | None, code: str) -> tuple[str, ...]:
    """Every conversation that belongs to the plan: those that set its plan_code slot to the
    code (the chat, resumed or started there) and the meeting page's, named by the code."""
    if store is None or not inspect(store).has_table("events"):
        return ()
    code = normalize_code(code)
    with store.connect() as connection:
        on_the_page = connection.execute(
            select(EVENTS.c.sender_id)
            .distinct()
            .where(EVENTS.c.sender_id.startswith(MEETING_CONVERSATION.format(code=code), autoescape=True))
        ).scalars()
        # The code in the text only narrows the search; the JSON says which slot it was.
        slot_events = connection.execute(
            select(EVENTS.c.sender_id, EVENTS.c.data).where(
                EVENTS.c.type_name == "slot", EVENTS.c.data.contains(code, autoescape=True)
            )
        )
        bound = {sender for sender, data in slot_events if _sets_plan_code(data, code)}
        return tuple(sorted(bound | set(on_the_page)))


def _sets_plan_code(data: str | None, code: str) -> bool:
    try:
        event = json.loads(data or "")
    except ValueError:
        return False
    if not isinstance(event, dict) or event.get("name") != "plan_code":
        return False
    value = event.get("value")
    return isinstance(value, str) and normalize_code(value) == code


def forget_conversations(store: Engine | None, senders: Iterable[str]) -> int:
    """Delete every event of these conversations, not only the plan's session: the earlier
    events hold the committee's words too. Returns how many events were deleted."""
    senders = list(senders)
    if store is None or not senders:
        return 0
    deleted = 0
    with store.begin() as connection:
        for start in range(0, len(senders), 500):  # IN lists stay well under any database's limit
            chunk = senders[start : start + 500]
            deleted += connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk))).rowcount
    return deleted
