"""The one question loop that serves every question in the guide: question_form asks
whatever question the plan is on (action_ask_answer) and stores each answer
(validate_question_form). The plan's place is in the database, not in slots."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.runtime import DomainDict, PlanAction, UsesPlanner, take_text
from bot import replies
from bot.planner import PlanNotFound


class ActionAskAnswer(PlanAction):
    """Asks the current question in full when it is new or asked to be repeated, and
    otherwise invites further answers to it."""

    def name(self) -> Text:
        return "action_ask_answer"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        position = self.planner.position(code)
        question = position.current
        if question is None:
            dispatcher.utter_message(text=replies.FINISHED)
            return [SlotSet("plan_status", "finished")]
        if tracker.get_slot("revising_answer_id"):
            # The change prompt has just asked for the new wording; a question now would confuse.
            return [SlotSet("asked_question", question.id), SlotSet("plan_status", "open")]
        if tracker.get_slot("asked_question") == question.id:
            text = replies.reminder_prompt(question, position.answers_here)
        else:
            text = replies.question_prompt(self.planner.guide, question, position.answers_here)
        dispatcher.utter_message(text=text)
        return [SlotSet("asked_question", question.id), SlotSet("plan_status", "open")]


class ValidateQuestionForm(UsesPlanner, FormValidationAction):
    def name(self) -> Text:
        return "validate_question_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        # The form lasts while the plan has a question to ask; with none left it ends.
        code = tracker.get_slot("plan_code")
        if not code:
            return []
        try:
            position = await asyncio.to_thread(self.planner.position, code)
        except PlanNotFound:
            return []
        return domain_slots if position.current else []

    async def validate_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # cleared by an action (a new plan, the end), not typed
            return {"answer": None}
        code = tracker.get_slot("plan_code")
        if not code:
            dispatcher.utter_message(text=replies.NO_PLAN)
            return {"answer": None}
        slots = await asyncio.to_thread(take_text, self.planner, code, value, tracker, dispatcher)
        # Emptying the slot keeps the form on the question, ready for the next member.
        return {**slots, "answer": None}


class ActionFinishPlan(PlanAction):
    """Every question has been passed: compile both documents and say where they are."""

    def name(self) -> Text:
        return "action_finish_plan"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        files = self.planner.export(code)
        dispatcher.utter_message(text=replies.finished(self.planner.progress(code), files))
        dispatcher.utter_message(text=replies.completeness(self.planner.review(code), self.planner.guide))
        # A reply that arrived as the plan ended must not pre-fill the next question.
        return [SlotSet("plan_status", "finished"), SlotSet("asked_question", None), SlotSet("answer", None)]


class ActionTakeAnswer(PlanAction):
    """Free text while no question is open (the discussion is paused): it is still kept."""

    def name(self) -> Text:
        return "action_take_answer"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        slots = take_text(self.planner, code, text, tracker, dispatcher, stray=True)
        return [SlotSet(name, value) for name, value in slots.items()]
