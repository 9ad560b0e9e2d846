"""Control phrases: they work at any point and are never stored as answers."""

from __future__ import annotations

import re
from abc import abstractmethod

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.runtime import (
    ExportFailed,
    PlanAction,
    PlannerAction,
    export_documents,
    in_question,
    last_answer,
    plan_in_use,
    status_of,
    take_text,
)
from bot import replies
from bot.guide import Question
from bot.plans.members import parse_speaker
from bot.plans.planner import AnswerRejected

ATTRIBUTED = re.compile(r"^[^:\n]{2,80}:\s*\S")


class _MoveOn(PlanAction):
    """Leaves the current question (answers kept, unanswered ones stay open)."""

    @abstractmethod
    def moved(self, left: Question, answered: bool) -> str: ...

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        left = self.planner.state(code)
        if left.current is None:
            dispatcher.utter_message(text=replies.FINISHED)
            return [SlotSet(slots.PLAN_STATUS, "finished")]
        state = self.planner.next_question(code)
        dispatcher.utter_message(text=self.moved(left.current, bool(left.answers_here)))
        return [SlotSet(slots.PLAN_STATUS, status_of(state)), SlotSet(slots.LAST_ACT, f"move:{left.current.id}")]


class ActionSkipQuestion(_MoveOn):
    def name(self) -> str:
        return "action_skip_question"

    def moved(self, left: Question, answered: bool) -> str:
        if answered:
            return f"Moving on from “{left.short}”; its answers are kept."
        return f"Skipped “{left.short}”. It stays open, and the documents mark it as still to be decided."


class ActionNextQuestion(_MoveOn):
    def name(self) -> str:
        return "action_next_question"

    def moved(self, left: Question, answered: bool) -> str:
        if answered:
            return "Next question."
        return f"Moving on. “{left.short}” has no answer yet, so it stays open."


class ActionGoBack(PlanAction):
    def name(self) -> str:
        return "action_go_back"

    def without_plan(self) -> list[EventType]:
        return [SlotSet(slots.PLAN_STATUS, "missing")]

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        before = self.planner.state(code).current
        state = self.planner.go_back(code)
        if before is not None and state.current == before:
            dispatcher.utter_message(text=replies.FIRST_QUESTION)
            return [SlotSet(slots.PLAN_STATUS, status_of(state))]
        dispatcher.utter_message(text=replies.went_back(state))
        undo = [SlotSet(slots.LAST_ACT, f"move:{before.id}")] if before is not None else []
        return [SlotSet(slots.PLAN_STATUS, status_of(state)), *undo]


class ActionRepeatQuestion(PlanAction):
    def name(self) -> str:
        return "action_repeat_question"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if in_question(tracker):
            # The form asks again straight after this action; forgetting that the
            # question was asked makes it read the whole question.
            return [SlotSet(slots.ASKED_QUESTION, None)]
        state = self.planner.state(code)
        if state.current is None:
            dispatcher.utter_message(text=replies.FINISHED)
        else:
            dispatcher.utter_message(
                text=replies.question_prompt(self.planner.guide, state.current, len(state.answers_here))
                + "\nThe discussion is paused: say “continue” to answer it."
            )
        return []


class ActionExplainQuestion(PlanAction):
    def name(self) -> str:
        return "action_explain_question"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        question = self.planner.state(code).current
        text = replies.explanation(self.planner.guide, question) if question else replies.FINISHED
        dispatcher.utter_message(text=text)
        return []


class ActionReviewAnswers(PlanAction):
    def name(self) -> str:
        return "action_review_answers"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        question = self.planner.state(code).current
        if question is None:
            dispatcher.utter_message(text=replies.progress_report(self.planner.progress(code)))
            return []
        section = self.planner.guide.section(question.section_id)
        by_question = self.planner.answers_to(code, [q.id for q in section.questions])
        dispatcher.utter_message(text=replies.review(self.planner.guide, question, by_question))
        return []


class ActionChangeAnswer(PlanAction):
    def name(self) -> str:
        return "action_change_answer"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        answer = last_answer(self.planner, code, tracker)
        if answer is None:
            dispatcher.utter_message(text=replies.NOTHING_TO_CHANGE)
            return []
        prompt = replies.revise_prompt(answer, self.planner.guide)
        if tracker.active_loop_name == "question_form":
            # The form speaks next: its prompt becomes this request (validate_question_form
            # leaves it there until the new wording arrives or the change is cancelled).
            return [SlotSet(slots.REVISING_ANSWER_ID, float(answer.id)), SlotSet(slots.QUESTION_PROMPT, prompt)]
        dispatcher.utter_message(text=prompt)
        return [SlotSet(slots.REVISING_ANSWER_ID, float(answer.id))]


def keep_unchanged(dispatcher: CollectingDispatcher) -> list[EventType]:
    """The answer being changed stays as it was: "cancel", or "keep it as it is" said instead of
    a new wording."""
    dispatcher.utter_message(text=replies.KEPT_AS_IT_WAS)
    return [SlotSet(slots.REVISING_ANSWER_ID, None)]


class ActionCancelChange(PlannerAction):
    def name(self) -> str:
        return "action_cancel_change"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if tracker.get_slot(slots.REVISING_ANSWER_ID):
            return keep_unchanged(dispatcher)
        dispatcher.utter_message(text=replies.NOTHING_TO_CANCEL)
        return []


class ActionShowProgress(PlanAction):
    def name(self) -> str:
        return "action_show_progress"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        dispatcher.utter_message(text=replies.progress_report(self.planner.progress(code)))
        return []


class ActionExportDocuments(PlanAction):
    def name(self) -> str:
        return "action_export_documents"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        try:
            dispatcher.utter_message(text=replies.exported(export_documents(self.planner, code)))
        except ExportFailed as failed:
            dispatcher.utter_message(text=str(failed))
        return []


class ActionPause(PlannerAction):
    def name(self) -> str:
        return "action_pause"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        code = plan_in_use(tracker)
        dispatcher.utter_message(text=replies.paused(code) if code else replies.NO_PLAN)
        return [SlotSet(slots.ASKED_QUESTION, None), SlotSet(slots.LAST_ACT, "pause" if code else None)]


class ActionHelp(PlannerAction):
    def name(self) -> str:
        return "action_help"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        dispatcher.utter_message(text=replies.HELP)
        return []


class ActionShowPlanCode(PlanAction):
    def name(self) -> str:
        return "action_show_plan_code"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        dispatcher.utter_message(text=replies.plan_code(self.planner.state(code)))
        return []


class ActionSetSpeaker(PlannerAction):
    """'Officer Lee speaks next': later answers are attributed to Officer Lee."""

    def name(self) -> str:
        return "action_set_speaker"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        person = parse_speaker(text)
        code = plan_in_use(tracker)
        if person is None and code:
            # "Ms. Ortiz: we agree" names its speaker but is an answer; "Lieutenant Harris now, the
            # chief later" is one the classifier took for naming a speaker. With no name to note,
            # the message is kept as an answer (undo takes it back), never dropped.
            taken = take_text(self.planner, code, text, tracker, dispatcher)
            if not ATTRIBUTED.match(text):
                dispatcher.utter_message(text=replies.KEPT_NOT_A_SPEAKER)
            return [SlotSet(name, value) for name, value in taken.slots.items()]
        if person is None:
            dispatcher.utter_message(text=replies.WHO_IS_SPEAKING)
            return []
        member = self.planner.add_member(code, person) if code else person
        dispatcher.utter_message(text=replies.speaker_set(member.name, member.role))
        return [SlotSet(slots.SPEAKER, member.name)]


class ActionAskCommandOrAnswer(PlannerAction):
    """A message that reads both as an answer and as a command (addons/command_or_answer.py):
    nothing is stored or done; the committee is asked which it meant, with two buttons."""

    def name(self) -> str:
        return "action_ask_command_or_answer"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        command = next(tracker.get_latest_entity_values("command"), None)
        if command not in replies.COMMAND_WORDS:  # cannot happen from the model; never lose the text
            return [SlotSet(name, value) for name, value in self.keep(text, dispatcher, tracker).items()]
        dispatcher.utter_message(
            text=replies.command_or_answer(text, command),
            buttons=[
                {"title": replies.SAVE_AS_ANSWER, "payload": "/save_as_answer"},
                {"title": replies.COMMAND_WORDS[command], "payload": f"/{command}"},
            ],
        )
        topic = next(tracker.get_latest_entity_values("topic"), None)
        return [
            SlotSet(slots.PENDING_ANSWER, text),
            SlotSet(slots.PENDING_COMMAND, command),
            SlotSet(slots.PENDING_TOPIC, topic),  # only a question's asking carries one
        ]

    def keep(self, text: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, object]:
        code = plan_in_use(tracker)
        return take_text(self.planner, code, text, tracker, dispatcher).slots if code else {}


class ActionSaveAsAnswer(PlanAction):
    """“Save it as an answer”: the message asked about is kept (settle_pending, before this runs)."""

    def name(self) -> str:
        return "action_save_as_answer"

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if not tracker.get_slot(slots.PENDING_ANSWER):
            dispatcher.utter_message(text=replies.NOTHING_PENDING)
        return []


class ActionAnswerPendingQuestion(PlannerAction):
    """“Answer it as a question”: the message asked about was a question about the guidance;
    it gets the answer picked for it then (or the honest out-of-scope reply), and nothing is
    stored (settle_pending drops it, before this runs)."""

    def name(self) -> str:
        return "action_answer_pending_question"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        topic = tracker.get_slot(slots.PENDING_TOPIC)
        if not isinstance(topic, str) or not (topic.startswith("utter_faq/") or topic == "utter_out_of_scope"):
            dispatcher.utter_message(text=replies.NO_QUESTION_PENDING)
            return []
        dispatcher.utter_message(response=topic)
        return [SlotSet(slots.PENDING_TOPIC, None)]


class ActionUndo(PlanAction):
    """“Undo”, “that wasn't an answer”: takes back this conversation's last answer (kept in the
    database, out of the documents), returns to the question a move left, or resumes after a
    pause. Only the last step: a second “undo” has nothing left to undo."""

    def name(self) -> str:
        return "action_undo"

    def without_plan(self) -> list[EventType]:
        return [SlotSet(slots.PLAN_STATUS, "missing")]

    def with_plan(self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        kind, _, what = str(tracker.get_slot(slots.LAST_ACT) or "").partition(":")
        if kind == "answer":
            try:
                dispatcher.utter_message(text=replies.answer_withdrawn(self.planner.withdraw_answer(code, int(what))))
            except AnswerRejected as gone:
                dispatcher.utter_message(text=str(gone))
        elif kind == "move":
            state = self.planner.go_to(code, what)
            dispatcher.utter_message(text=replies.move_undone(state))
        elif kind == "pause":
            dispatcher.utter_message(text=replies.PAUSE_UNDONE)
        else:
            dispatcher.utter_message(text=replies.NOTHING_TO_UNDO)
        status = status_of(self.planner.state(code))
        # The question is read out in full again, as after any return to it.
        return [SlotSet(slots.LAST_ACT, None), SlotSet(slots.PLAN_STATUS, status), SlotSet(slots.ASKED_QUESTION, None)]
