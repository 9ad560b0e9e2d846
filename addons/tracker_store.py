"""Rasa's SQL tracker store, with each conversation's history kept short.

Rasa rebuilds a conversation from its stored events on every message, sends them all to the
action server and reads them in its policies, so a turn costs more the longer the meeting has
run. Nothing here needs that history: the plan's place and its answers live in our own
database, and every rule (data/rules.yml) looks only at the intent, the open loop and slots.
So once a session holds `turns_per_session` messages and waits for the next one, this store
closes it and opens a new session that carries every slot and the open question loop: what
Rasa does when a session expires, plus the loop, which Rasa's own session start drops. The
SQL store loads only the latest session, so the cost per turn stays flat.

It also reads and writes those events with two prepared SQL statements instead of Rasa's ORM
queries: py-spy put 30% of the Rasa server's time per turn in this store (one load and one
save a turn), most of it SQLAlchemy building queries and ORM objects, not the database. Same
table, same rows, same session rule as Rasa's SQLTrackerStore (`_event_query`), so either
reads what the other wrote.
"""

from __future__ import annotations

import itertools
import json
import logging
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import bindparam, create_engine, event, func, insert, select, text
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import DEFAULT_TURNS_PER_SESSION

logger = logging.getLogger(__name__)
INDEXES = {"events_by_sender_and_time": "sender_id, timestamp", "session_starts": "sender_id, type_name, timestamp"}


class RollingSQLTrackerStore(SQLTrackerStore):
    """Configured in endpoints.yml by one database URL (`url:`, which Rasa passes on as `host`
    and reads whole), in the form DATABASE_URL takes: sqlite:///var/conversations.db, ..."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        turns_per_session: int = DEFAULT_TURNS_PER_SESSION,
        **kwargs: Any,
    ) -> None:
        url = make_url(host) if host and "://" in host else None
        sqlite_file = url is not None and url.get_backend_name() == "sqlite" and bool(url.database)
        if url is not None and sqlite_file:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain, host=host, **kwargs)
        if url is not None and sqlite_file:
            self._keep_sqlite_open(url)
        self._index_events_by_time()
        self.turns_per_session = int(turns_per_session)
        self._prepare_statements()

    def _prepare_statements(self) -> None:
        """The latest session's events, their count and their insert, built once: Rasa's
        `_event_query` (events from the latest session's start, or all if none started),
        written in SQLAlchemy Core."""
        events = self.SQLEvent.__table__
        sender = bindparam("sender_id")
        start = (
            select(func.max(events.c.timestamp))
            .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        # Rasa's `or_(timestamp >= start, start IS NULL)` scans every event of the conversation;
        # one lower bound (no session yet: from the epoch) reads only the session's.
        in_session = (events.c.sender_id == sender, events.c.timestamp >= func.coalesce(start, 0.0))
        self._session_events = select(events.c.data).where(*in_session).order_by(events.c.id)
        self._session_count = select(func.count()).select_from(events).where(*in_session)
        self._add_events = insert(events)

    def _index_events_by_time(self) -> None:
        """Rasa finds the latest session by its start time among the conversation's events, but
        indexes them by conversation only: each message then reads every event of the meeting
        so far, twice. An index on (conversation, time) reads only the session's events, one on
        (conversation, kind, time) finds the session's start at once. Both SQLite and
        PostgreSQL know IF NOT EXISTS, so every server may run this at start."""
        for name, columns in INDEXES.items():
            try:
                with self.engine.begin() as connection:
                    connection.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON events ({columns})"))
            except DBAPIError as error:
                # PostgreSQL can refuse the second of two servers creating it at the same instant;
                # without the index everything works, only slower.
                logger.warning(f"Could not index the conversation store's events ({name}): {error}")

    def _keep_sqlite_open(self, url: URL) -> None:
        """Rasa's engine opens a new SQLite connection for each of the three or four database
        sessions of a message (SQLAlchemy 1.4's default for files); a pool keeps them open. WAL
        with synchronous=NORMAL commits without waiting for the disk: a crashed process loses
        nothing, a power cut at most the last turns of the conversation's events, never an
        answer (answers are in our own database, which waits for the disk)."""
        self.engine.dispose()  # type: ignore[has-type]  # Rasa's SQLTrackerStore sets it, untyped
        self.engine = create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(self.engine, "connect", _wal_without_waiting_for_the_disk)
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = self._latest_session(sender_id)
        if tracker is None or not self.session_is_full(tracker):
            return tracker
        for carried in next_session(tracker):
            tracker.update(carried)
        await self.save(tracker)  # stores only the new session's events
        return self._latest_session(sender_id)

    def _latest_session(self, sender_id: str) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            rows = session.connection().execute(self._session_events, {"sender_id": sender_id}).scalars().all()
        if not rows or not self.domain:
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(row) for row in rows], self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save: the events not stored yet (those past the latest session's count), one
        row each, in one transaction."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            connection = session.connection()
            stored = connection.execute(self._session_count, {"sender_id": tracker.sender_id}).scalar_one()
            rows = [_row(tracker.sender_id, e) for e in itertools.islice(tracker.events, stored, len(tracker.events))]
            if rows:
                connection.execute(self._add_events, rows)
            session.commit()

    def session_is_full(self, tracker: DialogueStateTracker) -> bool:
        """Full, and at rest: waiting for the committee, with no action half done."""
        if not tracker.events or tracker.followup_action:
            return False
        last = tracker.events[-1]
        at_rest = isinstance(last, ActionExecuted) and last.action_name == ACTION_LISTEN_NAME
        messages = sum(1 for event in tracker.events if isinstance(event, UserUttered))
        return at_rest and messages >= self.turns_per_session


def _row(sender_id: str, stored: Event) -> dict[str, Any]:
    """An event as Rasa's SQLTrackerStore.save stores it."""
    data = stored.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": stored.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _wal_without_waiting_for_the_disk(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def next_session(tracker: DialogueStateTracker) -> list[Event]:
    """The events that open a new session in the state `tracker` is in now."""
    slots: dict[str, Any] = {
        name: slot.value for name, slot in tracker.slots.items() if slot.value != slot.initial_value
    }
    events: list[Event] = [SessionStarted()]
    events += [SlotSet(name, value) for name, value in slots.items() if name != REQUESTED_SLOT]
    loop = tracker.active_loop_name
    if loop:
        events.append(ActiveLoop(loop))
        if REQUESTED_SLOT in slots:
            events.append(SlotSet(REQUESTED_SLOT, slots[REQUESTED_SLOT]))
    events.append(ActionExecuted(ACTION_LISTEN_NAME))
    return events
