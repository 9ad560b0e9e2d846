"""What every action shares: the Planner, the plan the conversation has open, and the
translation of the Planner's errors into replies.

rasa-sdk builds each action class itself, with no arguments, so the action server's one
Planner (engine, session factory, guide) is built on first use here: this module is the
action server's composition root. Tests pass their own Planner to each action instead.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import threading
import time
from abc import ABCMeta, abstractmethod
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from bot import replies
from bot.documents.exports import ExportedFiles
from bot.plans.planner import AnswerRejected, NoOpenQuestion, Planner, PlanNotFound, PlanState, Position
from bot.plans.views import AnswerView
from bot.reading.reader import read_alone
from bot.settings import Settings

DomainDict = dict[str, Any]
logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def shared_planner() -> Planner:
    return Planner.from_settings(Settings.from_environment())


@lru_cache(maxsize=1)
def export_pool() -> ProcessPoolExecutor:
    """One process that writes the Word documents. python-docx holds the GIL for the whole of an
    export, so in the action server's own process one committee's export stalled every other
    committee's reply. Spawned, not forked (the server has threads and an event loop); the child
    imports this package first, so it too runs without TensorFlow (actions/__init__.py)."""
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_export_worker,
        initargs=(os.getpid(),),
    )


# Below the servers' priority: on a machine with few cores an export competed with every
# committee's turn for the CPU (others' p95 during exports 1.22-1.28x their p95 between).
EXPORT_NICENESS = 10


def _start_export_worker(action_server: int) -> None:
    """The export process yields the CPU to the servers, and ends with its action server."""
    os.nice(EXPORT_NICENESS)
    _end_with(action_server)


@lru_cache(maxsize=1)
def reading_pool() -> ProcessPoolExecutor:
    """One process that reads answers ahead with its own spaCy (Planner.read_ahead): the Rasa
    server says a long message has arrived, and the reading runs there, on another core, while
    the Rasa server and this one do the rest of the turn. In this process, a reading and the
    server's own work took turns on one interpreter lock, and reading ahead gained nothing."""
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_reading_worker,
        initargs=(os.getpid(),),
    )


def _start_reading_worker(action_server: int) -> None:
    """spaCy loaded now, not on a committee's first answer, then frozen out of the garbage
    collector's reach, as in the action server (rasa_sdk_plugins): a full collection walking its
    millions of objects would hold up one reading in each conversation by 0.1-0.2 s."""
    _end_with(action_server)
    read_alone("Loaded now.")
    gc.collect()
    gc.freeze()


# Far longer than loading spaCy takes (about two seconds).
READING_START_SECONDS = 120.0


def prepare_reading_process(planner: Planner) -> None:
    """Start the reading process and, once it has spaCy loaded, let the Planner's reader hand
    readings to it: a committee's first answer would otherwise wait for it to load."""
    pool = reading_pool()
    try:
        pool.submit(read_alone, "").result(timeout=READING_START_SECONDS)
    except Exception as failed:  # noqa: BLE001 - without it, answers are read here, as before
        logger.warning("The reading process did not start (%s): answers are read as they are stored.", failed)
        return
    planner.reader.helper = pool


def _end_with(action_server: int) -> None:
    """A spawned worker ends with its action server, even one killed without warning: it would
    otherwise live on, orphaned."""

    def watch() -> None:
        while os.getppid() == action_server:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, name="watch-action-server", daemon=True).start()


@lru_cache(maxsize=4)
def _worker_planner(settings: Settings) -> Planner:
    return Planner.from_settings(settings, serving=False)


def _export_in_worker(settings: Settings, code: str) -> ExportedFiles:
    return _worker_planner(settings).export(code)


def _prepare_in_worker(settings: Settings) -> None:
    _worker_planner(settings)


def prepare_export_process(planner: Planner) -> None:
    """Start the export process and build its Planner now, at the action server's start, not
    during a committee's first export (it took two seconds more than the next ones)."""
    if planner.settings is not None:
        export_pool().submit(_prepare_in_worker, planner.settings)


def export_documents(planner: Planner, code: str) -> ExportedFiles:
    """Both documents, written in the export process; the calling thread only waits."""
    if planner.settings is None:  # a planner built by hand: no other process can rebuild it
        return planner.export(code)
    try:
        return export_pool().submit(_export_in_worker, planner.settings, code).result()
    except BrokenProcessPool as broken:
        export_pool.cache_clear()  # the next export starts a new process
        raise ExportFailed(replies.EXPORT_FAILED) from broken


class ExportFailed(Exception):
    """The export process stopped before the documents were written."""


class UsesPlanner:
    def __init__(self, planner: Planner | None = None) -> None:
        self._planner = planner

    @property
    def planner(self) -> Planner:
        return self._planner or shared_planner()


class PlannerAction(UsesPlanner, Action, metaclass=ABCMeta):
    """An action whose work (database, Word files) runs in a worker thread, so that one
    committee's slow export never holds up another committee's reply. Abstract classes
    are not registered by the action server."""

    @abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await asyncio.to_thread(self.settled_act, dispatcher, tracker)

    def settled_act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        settled = settle_pending(self.planner, tracker, dispatcher)
        return [SlotSet(name, value) for name, value in settled.items()] + self.act(dispatcher, tracker)

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]: ...


class PlanAction(PlannerAction):
    """An action about the plan this conversation has open."""

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        code = plan_in_use(tracker)
        if not code:
            dispatcher.utter_message(text=replies.NO_PLAN)
            return self.without_plan()
        try:
            return self.with_plan(code, dispatcher, tracker)
        except PlanNotFound:
            dispatcher.utter_message(text=replies.plan_not_found(code))
            return [SlotSet(slots.PLAN_CODE, None), SlotSet(slots.PLAN_STATUS, "missing")]

    def without_plan(self) -> list[EventType]:
        return []

    @abstractmethod
    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]: ...


MEETING_PAGE = "meeting"  # bot.web.channel.MeetingPageInput.name()


def plan_in_use(tracker: Tracker) -> str | None:
    """The plan this message may act on. On the meeting page: only the plan whose code and key
    the channel checked for this very message, or one this turn itself bound (a plan just
    created or opened); a device id and the conversation's memory prove nothing. Elsewhere (the
    terminal chat and REST, served on loopback to the operator alone): the conversation's plan."""
    if tracker.get_latest_input_channel() != MEETING_PAGE:
        return _code(tracker.get_slot(slots.PLAN_CODE))
    verified = message_metadata(tracker).get("plan_code")
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot" and event.get("name") == slots.PLAN_CODE:
            return _code(event.get("value"))
    return _code(verified)


def _code(value: Any) -> str | None:
    return str(value) if value else None


def message_metadata(tracker: Tracker) -> dict[str, Any]:
    """What the channel sent with the latest message (the meeting page: the plan it is
    bound to, after checking the key, and who is speaking)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def last_answer(planner: Planner, code: str, tracker: Tracker) -> AnswerView | None:
    """The answer this conversation gave or changed last (else the plan's latest)."""
    last_id = tracker.get_slot(slots.LAST_ANSWER_ID)
    return planner.last_answer(code, int(last_id) if last_id else None)


def in_question(tracker: Tracker) -> bool:
    return bool(tracker.active_loop.get("name") == "question_form")


def status_of(state: PlanState) -> str:
    return "open" if state.current else "finished"


@dataclass(frozen=True)
class Taken:
    """What storing the committee's text did: the slots to set and, when a new answer was
    stored, where the plan stood as it was committed (the question loop need not read it again)."""

    slots: dict[str, Any]
    position: Position | None = None


def take_text(
    planner: Planner,
    code: str,
    text: str,
    tracker: Tracker,
    dispatcher: CollectingDispatcher,
) -> Taken:
    """Store what the committee typed: as new wording of the answer being changed, or as a
    new answer to the current question (said to be kept for it when no question is open, the
    discussion paused). The answer is committed before this returns, so before the bot replies."""
    revising = tracker.get_slot(slots.REVISING_ANSWER_ID)
    try:
        if revising:
            answer = planner.revise_answer(code, int(revising), text)
            question = planner.guide.question(answer.question_id)
            revised = replies.choice_saved(planner.guide, question, answer) if answer.choice else None
            for said in [revised or replies.answer_revised(answer), *replies.warnings(answer)]:
                dispatcher.utter_message(text=said)
            # A rewording is not undone ("change my answer" again does that; the summary keeps both).
            return Taken({slots.REVISING_ANSWER_ID: None, slots.LAST_ANSWER_ID: float(answer.id), slots.LAST_ACT: None})
        speaker = message_metadata(tracker).get("speaker") or tracker.get_slot(slots.SPEAKER)
        recorded = planner.record_answer(code, text, speaker)
    except AnswerRejected as rejection:
        dispatcher.utter_message(text=str(rejection))
        return Taken({})
    except NoOpenQuestion:
        dispatcher.utter_message(text=replies.FINISHED)
        return Taken({})
    say = replies.answer_saved if in_question(tracker) else replies.stray_answer_saved
    saved = say(recorded)
    if recorded.answer.choice is not None:
        saved = replies.choice_saved(planner.guide, recorded.question, recorded.answer)
    for said in [saved, *replies.warnings(recorded.answer)]:
        dispatcher.utter_message(text=said)
    return Taken(
        {slots.LAST_ANSWER_ID: float(recorded.answer.id), slots.LAST_ACT: f"answer:{recorded.answer.id}"},
        Position(recorded.question, recorded.answers_on_question),
    )


def settle_pending(planner: Planner, tracker: Tracker, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """A message that was asked about (an answer, or the command it also reads as?) is settled
    by whatever comes next: its command drops it, anything else keeps it as an answer, so
    nothing the committee said is lost by carrying on. Returns the slots to set."""
    pending = tracker.get_slot(slots.PENDING_ANSWER)
    if not pending:
        return {}
    # The action that follows still reads the tracker as it was: "answer it as a question" finds its topic.
    cleared: dict[str, Any] = {slots.PENDING_ANSWER: None, slots.PENDING_COMMAND: None, slots.PENDING_TOPIC: None}
    chosen = (tracker.latest_message.get("intent") or {}).get("name")
    code = plan_in_use(tracker)
    if chosen == tracker.get_slot(slots.PENDING_COMMAND) or not code:
        return cleared
    try:
        return {**take_text(planner, code, str(pending), tracker, dispatcher).slots, **cleared}
    except PlanNotFound:
        return cleared  # the action that follows says so
