"""The guidance at work on the plan: the completeness review, going to its first gap, and
keeping an answer the discipline guardrail flagged."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.controls import keep_unchanged
from actions.runtime import PlanAction, last_answer, status_of
from bot import replies
from bot.plans.planner import AnswerRejected


class ActionCheckPlan(PlanAction):
    """“What is missing?”: the plan against the COPS MOU elements and the SECURe steps."""

    def name(self) -> str:
        return "action_check_plan"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        dispatcher.utter_message(text=replies.completeness(self.planner.review(code), self.planner.guide))
        return []


class ActionGoToGap(PlanAction):
    """“Take us there”: to the first flagged answer or gap the review found."""

    def name(self) -> str:
        return "action_go_to_gap"

    def without_plan(self) -> list[EventType]:
        return [SlotSet(slots.PLAN_STATUS, "missing")]

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        stop = self.planner.review(code).first_stop()
        if stop is None:
            dispatcher.utter_message(text=replies.NO_GAP)
            return [SlotSet(slots.PLAN_STATUS, status_of(self.planner.state(code)))]
        state = self.planner.go_to(code, stop.id)
        number = self.planner.guide.position(stop.id) + 1
        dispatcher.utter_message(text=replies.going_to(number, stop))
        # Forget the last question asked, so that this one is read out in full.
        return [SlotSet(slots.PLAN_STATUS, status_of(state)), SlotSet(slots.ASKED_QUESTION, None)]


class ActionKeepAnswer(PlanAction):
    """“Keep it as written”: the committee confirms a flagged answer after the warning."""

    def name(self) -> str:
        return "action_keep_answer"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if tracker.get_slot(slots.REVISING_ANSWER_ID):
            # Said where a new wording was awaited, "keep it as it is" keeps the answer unchanged;
            # as the new wording it would have replaced the answer with those words.
            return keep_unchanged(dispatcher)
        answer = last_answer(self.planner, code, tracker)
        if answer is None:
            dispatcher.utter_message(text=replies.NOTHING_TO_KEEP)
            return []
        try:
            kept = self.planner.keep_answer(code, answer.id)
        except AnswerRejected as rejection:
            dispatcher.utter_message(text=str(rejection))
            return []
        dispatcher.utter_message(text=replies.answer_kept(kept))
        return []
