"""The draft's clauses by number or subject: "show 4.3" or "show the clause on searches" reads
a clause as the draft prints it, "change 4.3" goes to the question that decides it, "use the
proposed wording for article 6" (or "... for the training article") accepts the guidance's
proposals for an article's open decisions. A subject several clauses share is asked about.
The numbers depend on the guide alone, so they are the numbers the committee and counsel see
in the exported draft."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.runtime import PlanAction, message_metadata, status_of
from bot import replies
from bot.documents.agreement import clause_number_in
from bot.guide import Guide


def said(tracker: Tracker) -> str:
    """What the committee said: its message, or, when it pressed the command's button after being
    asked about a message ("/show_clause"), the message it was asked about."""
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        return str(tracker.get_slot(slots.PENDING_ANSWER) or "")
    return text


def clause_said(guide: Guide, dispatcher: CollectingDispatcher, tracker: Tracker, verb: str) -> str | None:
    """The number of the one clause the message names, by number or by subject; when it names
    none, or a subject several clauses share, asks which (`verb` it how) and gives None."""
    text = said(tracker)
    number = clause_number_in(text)
    numbers = [number] if number else guide.clauses_about(text)
    if len(numbers) != 1:
        dispatcher.utter_message(text=replies.which_clause(guide, numbers, verb))
        return None
    return numbers[0]


class ActionShowClause(PlanAction):
    def name(self) -> str:
        return "action_show_clause"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        number = clause_said(self.planner.guide, dispatcher, tracker, "show")
        if number is not None:
            clause = self.planner.clause(code, number)
            dispatcher.utter_message(text=replies.clause_shown(clause) if clause else replies.no_such_clause(number))
        return []


class ActionChangeClause(PlanAction):
    def name(self) -> str:
        return "action_change_clause"

    def without_plan(self) -> list[EventType]:
        return [SlotSet(slots.PLAN_STATUS, "missing")]

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        number = clause_said(self.planner.guide, dispatcher, tracker, "change")
        clause = self.planner.clause(code, number) if number else None
        question_id = clause.entry if clause else None
        if clause is None or question_id not in {q.id for q in self.planner.guide.questions}:
            if number is not None:
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
        text = said(tracker)
        guide = self.planner.guide
        number_said = _ARTICLE.search(text)
        numbers = [int(number_said.group(1))] if number_said else guide.articles_about(text)
        if len(numbers) != 1:
            dispatcher.utter_message(text=replies.which_article(guide, numbers))
            return []
        number = numbers[0]
        if not 1 <= number <= len(guide.articles):
            dispatcher.utter_message(text=replies.no_such_article(guide, number))
            return []
        speaker = message_metadata(tracker).get("speaker") or tracker.get_slot(slots.SPEAKER)
        accepted = self.planner.accept_proposals(code, number, text, speaker)
        dispatcher.utter_message(text=replies.proposals_accepted(guide, accepted))
        return []
