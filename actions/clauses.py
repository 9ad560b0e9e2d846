"""The draft's clauses by number: "show 4.3" reads a clause as the draft prints it, "change 4.3"
goes to the question that decides it, "use the proposed wording for article 6" accepts the
guidance's proposals for an article's open decisions. The numbers depend on the guide alone, so they are the
numbers the committee and counsel see in the exported draft."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.runtime import PlanAction, message_metadata, status_of
from bot import replies
from bot.documents.agreement import clause_number_in


def said_number(tracker: Tracker) -> str | None:
    return clause_number_in(tracker.latest_message.get("text") or "")


class ActionShowClause(PlanAction):
    def name(self) -> str:
        return "action_show_clause"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        number = said_number(tracker)
        clause = self.planner.clause(code, number) if number else None
        dispatcher.utter_message(text=replies.clause_shown(clause) if clause else replies.no_such_clause(number))
        return []


class ActionChangeClause(PlanAction):
    def name(self) -> str:
        return "action_change_clause"

    def without_plan(self) -> list[EventType]:
        return [SlotSet(slots.PLAN_STATUS, "missing")]

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        number = said_number(tracker)
        clause = self.planner.clause(code, number) if number else None
        question_id = clause.entry if clause else None
        if clause is None or question_id not in {q.id for q in self.planner.guide.questions}:
            dispatcher.utter_message(
                text=replies.standing_not_asked(clause) if clause else replies.no_such_clause(number)
            )
            return [SlotSet(slots.PLAN_STATUS, status_of(self.planner.state(code)))]
        state = self.planner.go_to(code, clause.entry)
        question = self.planner.guide.question(clause.entry)
        dispatcher.utter_message(text=replies.going_to(self.planner.guide.position(question.id) + 1, question))
        # Forget the last question asked, so that this one is read out in full.
        return [SlotSet(slots.PLAN_STATUS, status_of(state)), SlotSet(slots.ASKED_QUESTION, None)]


_ARTICLE = re.compile(r"\b(?:article|art\.?)\s*(\d{1,2})\b", re.IGNORECASE)


class ActionAcceptArticle(PlanAction):
    def name(self) -> str:
        return "action_accept_article"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        said = _ARTICLE.search(text)
        number = int(said.group(1)) if said else None
        guide = self.planner.guide
        if number is None or not 1 <= number <= len(guide.articles):
            dispatcher.utter_message(text=replies.no_such_article(guide, number))
            return []
        speaker = message_metadata(tracker).get("speaker") or tracker.get_slot(slots.SPEAKER)
        accepted = self.planner.accept_proposals(code, number, text, speaker)
        dispatcher.utter_message(text=replies.proposals_accepted(guide, accepted))
        return []
