"""The one question loop that serves every question in the guide. question_form takes the
committee's text in `answer` (in `new_wording` while an answer is being changed);
validate_question_form stores it and says what the form asks next by setting `question_prompt`,
which the form speaks through its utter_ask_* response. So each turn of the loop is one call to
the action server, and the plan's place stays in the database."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction

from actions import slots
from actions.runtime import (
    DomainDict,
    ExportFailed,
    PlanAction,
    UsesPlanner,
    export_documents,
    plan_in_use,
    settle_pending,
    take_text,
)
from bot import replies
from bot.plans.planner import PlanNotFound

# The form's slots that take the committee's text: an answer, or the new wording of one.
TEXT_SLOTS = (slots.ANSWER, slots.NEW_WORDING)


class ValidateQuestionForm(UsesPlanner, FormValidationAction):
    """Runs on every turn of question_form. rasa-sdk's generic form validation would read the
    plan's position three times per turn (extraction, validation, next slot); this reads it
    once, in one worker thread."""

    def name(self) -> str:
        return "validate_question_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await asyncio.to_thread(self.turn, dispatcher, tracker)

    def turn(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        # The form fills its requested slot just before this runs when the committee's text
        # filled it. None means an action cleared it (a new plan, the end), not that someone typed.
        filled = {
            slot: value
            for slot, value in tracker.slots_to_validate().items()
            if slot in TEXT_SLOTS and value is not None
        }
        typed = next(iter(filled.values()), None)
        if typed is None and replying_to_a_message(tracker):
            # The form took nothing from the message (a control phrase): with no slots back,
            # Rasa rejects the form and the rules answer. The form runs again afterwards.
            return []
        # Emptying the slot keeps the form on the question, ready for the next member.
        events: list[EventType] = [SlotSet(slot, None) for slot in filled]
        code = plan_in_use(tracker)
        if not code:
            if typed is not None:
                dispatcher.utter_message(text=replies.NO_PLAN)
            return events + [SlotSet(REQUESTED_SLOT, None)]
        try:
            if typed is not None:  # an answer after a message asked about: that one is kept too
                events += [
                    SlotSet(name, value) for name, value in settle_pending(self.planner, tracker, dispatcher).items()
                ]
            return events + self.on_plan(code, typed, dispatcher, tracker)
        except PlanNotFound:
            dispatcher.utter_message(text=replies.plan_not_found(code))
            return events + [
                SlotSet(slots.PLAN_CODE, None),
                SlotSet(slots.PLAN_STATUS, "missing"),
                SlotSet(REQUESTED_SLOT, None),
            ]

    def on_plan(
        self, code: str, typed: str | None, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        events: list[EventType] = []
        revising = tracker.get_slot(slots.REVISING_ANSWER_ID)
        position = self.planner.position(code)
        if position.current is not None and typed is not None:
            taken = take_text(self.planner, code, typed, tracker, dispatcher)
            events += [SlotSet(name, value) for name, value in taken.slots.items()]
            revising = taken.slots.get(slots.REVISING_ANSWER_ID, revising)
            # As the answer left it; read again otherwise: another member may have moved the plan on.
            position = taken.position or self.planner.position(code)
        question = position.current
        if question is None:  # nothing left to ask: the form ends, action_finish_plan speaks
            return events + [SlotSet(REQUESTED_SLOT, None)]
        events += [SlotSet(slots.ASKED_QUESTION, question.id), SlotSet(slots.PLAN_STATUS, "open")]
        if revising:
            # action_change_answer left its request for the new wording in question_prompt;
            # until it comes, or "cancel", every message is taken as that wording.
            return events + [SlotSet(REQUESTED_SLOT, slots.NEW_WORDING)]
        if tracker.get_slot(slots.ASKED_QUESTION) == question.id:
            prompt = replies.reminder_prompt(question, position.answers_here)
        else:  # new to this conversation, or asked to be repeated: read it in full
            prompt = replies.question_prompt(self.planner.guide, question, position.answers_here)
        return events + [SlotSet(REQUESTED_SLOT, slots.ANSWER), SlotSet(slots.QUESTION_PROMPT, prompt)]


def replying_to_a_message(tracker: Tracker) -> bool:
    """Whether the form runs straight after the committee's message, rather than after an
    action (a control phrase's, or one that opened the form). Rasa adds the form's own
    ActionExecuted to the tracker it sends; the event before it that is a message or an
    action decides."""
    form_seen = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return form_seen
        if kind == "action":
            if form_seen:
                return False
            form_seen = True
    return False


class ActionFinishPlan(PlanAction):
    """Every question has been passed: compile both documents and say where they are."""

    def name(self) -> str:
        return "action_finish_plan"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        try:
            files = export_documents(self.planner, code)
        except ExportFailed as failed:
            dispatcher.utter_message(text=str(failed))
        else:
            dispatcher.utter_message(text=replies.finished(self.planner.progress(code), files))
        dispatcher.utter_message(text=replies.completeness(self.planner.review(code), self.planner.guide))
        # A reply that arrived as the plan ended must not pre-fill the next question.
        return [
            SlotSet(slots.PLAN_STATUS, "finished"),
            SlotSet(slots.ASKED_QUESTION, None),
            SlotSet(slots.ANSWER, None),
        ]


class ActionTakeAnswer(PlanAction):
    """Free text while no question is open (the discussion is paused): it is still kept."""

    def name(self) -> str:
        return "action_take_answer"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        taken = take_text(self.planner, code, text, tracker, dispatcher)
        return [SlotSet(name, value) for name, value in taken.slots.items()]
