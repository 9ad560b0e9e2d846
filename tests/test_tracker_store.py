"""The conversation store (addons/tracker_store.py) on a real SQLite file: a full session at
rest is closed and a new one carries the slots and the open question loop."""

import asyncio

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.tracker_store import INDEXES, RollingSQLTrackerStore
from tests.servers import ROOT


@pytest.fixture
def store(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    return RollingSQLTrackerStore(
        domain, host=f"sqlite:///{tmp_path / 'nested' / 'conversations.db'}", turns_per_session=2
    )


def turn(text: str, *, asked: str) -> list:
    return [
        UserUttered(text, {"name": "give_answer", "confidence": 1.0}),
        ActionExecuted("question_form"),
        SlotSet("asked_question", asked),
        ActionExecuted("action_listen"),
    ]


def saved(store, events: list) -> DialogueStateTracker:
    tracker = asyncio.run(store.retrieve("room")) or DialogueStateTracker("room", store.domain.slots)
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    return asyncio.run(store.retrieve("room"))


def test_a_full_session_at_rest_continues_in_a_new_one_with_slots_and_loop(store):
    opened = [
        ActionExecuted("action_listen"),
        SlotSet("plan_code", "MAPLE-417"),
        ActiveLoop("question_form"),
        SlotSet("requested_slot", "answer"),
        ActionExecuted("action_listen"),
    ]
    tracker = saved(store, opened + turn("first", asked="why_sro"))
    assert [e for e in tracker.events if isinstance(e, UserUttered)][0].text == "first"  # not full yet

    tracker = saved(store, turn("second", asked="groups"))
    assert tracker.events[0].type_name == "session_started"
    assert not any(isinstance(e, UserUttered) for e in tracker.events)
    assert tracker.get_slot("plan_code") == "MAPLE-417" and tracker.get_slot("asked_question") == "groups"
    assert tracker.get_slot("requested_slot") == "answer"
    assert tracker.active_loop_name == "question_form"
    assert tracker.latest_action_name == "action_listen"

    tracker = saved(store, turn("third", asked="groups"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["third"]
    everything = asyncio.run(store.retrieve_full_tracker("room"))
    assert [e.text for e in everything.events if isinstance(e, UserUttered)] == ["first", "second", "third"]


def test_a_session_mid_action_is_not_cut(store):
    events = [
        ActionExecuted("action_listen"),
        *turn("first", asked="why_sro"),
        UserUttered("second", {"name": "give_answer", "confidence": 1.0}),
        ActionExecuted("question_form"),
    ]
    tracker = saved(store, events)
    assert not tracker.events[0].type_name == "session_started"
    assert len(tracker.events) == len(events)


def test_a_sqlite_store_stays_open_in_wal_mode_with_its_events_indexed_by_time(store, tmp_path):
    saved(store, turn("first", asked="why_sro"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        # The statement this store loads a conversation with.
        query = store._session_events.params(sender_id="room")
        compiled = query.compile(store.engine, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(row) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "events_by_sender_and_time (sender_id=? AND timestamp>?)" in plan  # the session's events only
    assert "session_starts (sender_id=? AND type_name=?)" in plan
    # A second server opening the same store finds the index there and keeps every event.
    again = RollingSQLTrackerStore(store.domain, host=str(store.engine.url), turns_per_session=2)
    assert [e.text for e in asyncio.run(again.retrieve("room")).events if isinstance(e, UserUttered)] == ["first"]


def test_a_postgresql_store_gets_its_indexes_once_when_a_second_server_opens_it(postgres_url):
    domain = Domain.load(str(ROOT / "domain.yml"))
    stores = [RollingSQLTrackerStore(domain, host=postgres_url) for _ in range(2)]
    with stores[0].engine.connect() as connection:
        names = (
            connection.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'events'").scalars().all()
        )
    assert [names.count(name) for name in INDEXES] == [1, 1]
    for store in stores:
        store.engine.dispose()


@pytest.mark.parametrize("first", ["ours", "rasas"])
def test_rasas_store_and_ours_each_read_and_extend_what_the_other_wrote(database_url, first):
    """This store writes with its own SQL statements: the rows must be Rasa's, on both databases,
    so that a server of either kind (and the retention sweep, which reads with Rasa's) carries on."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    stores = {
        "ours": RollingSQLTrackerStore(domain, host=database_url, turns_per_session=50),
        "rasas": SQLTrackerStore(domain, host=database_url),
    }
    writer, reader = stores[first], stores["rasas" if first == "ours" else "ours"]
    tracker = DialogueStateTracker("room", domain.slots)
    for events in ([ActionExecuted("action_listen"), ActiveLoop("question_form")], turn("first", asked="why_sro")):
        for event in events:
            tracker.update(event)
        asyncio.run(writer.save(tracker))  # the second save adds only what the first did not store
    read = asyncio.run(reader.retrieve("room"))
    assert [e.as_dict() for e in read.events] == [e.as_dict() for e in tracker.events]
    for event in turn("second", asked="groups"):
        read.update(event)
    asyncio.run(reader.save(read))
    again = asyncio.run(writer.retrieve("room"))
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in read.events]
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["first", "second"]
    for store in stores.values():
        store.engine.dispose()
