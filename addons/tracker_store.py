"""Rasa's SQL tracker store, with each conversation's history kept short.

Rasa rebuilds a conversation from its stored events on every message, sends them all to the
action server and reads them in its policies, so a turn costs more the longer the meeting has
run. Nothing here needs that history: the plan's place and its answers live in our own
database, and every rule (data/rules.yml) looks only at the intent, the open loop and slots.
So once a session holds `turns_per_session` messages and waits for the next one, this store
closes it and opens a new session that carries every slot and the open question loop: what
Rasa does when a session expires, plus the loop, which Rasa's own session start drops. The
SQL store loads only the latest session, so the cost per turn stays flat.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import DEFAULT_TURNS_PER_SESSION

logger = logging.getLogger(__name__)


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

    def _index_events_by_time(self) -> None:
        """Rasa finds the latest session by its start time among the conversation's events, but
        indexes them by conversation only: each message then reads every event of the meeting
        so far, twice. An index on (conversation, time) keeps that flat; measured on a 300-turn
        conversation, it takes each of the two queries from 1.4 to 1.0 ms. Both SQLite and
        PostgreSQL know IF NOT EXISTS, so every server may run this at start."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    text("CREATE INDEX IF NOT EXISTS events_by_sender_and_time ON events (sender_id, timestamp)")
                )
        except DBAPIError as error:
            # PostgreSQL can refuse the second of two servers creating it at the same instant;
            # without the index everything works, only slower.
            logger.warning(f"Could not index the conversation store's events by time: {error}")

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
        tracker = await super().retrieve(sender_id)
        if tracker is None or not self.session_is_full(tracker):
            return tracker
        for carried in next_session(tracker):
            tracker.update(carried)
        await self.save(tracker)  # stores only the new session's events
        return await super().retrieve(sender_id)

    def session_is_full(self, tracker: DialogueStateTracker) -> bool:
        """Full, and at rest: waiting for the committee, with no action half done."""
        if not tracker.events or tracker.followup_action:
            return False
        last = tracker.events[-1]
        at_rest = isinstance(last, ActionExecuted) and last.action_name == ACTION_LISTEN_NAME
        messages = sum(1 for event in tracker.events if isinstance(event, UserUttered))
        return at_rest and messages >= self.turns_per_session


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
