"""Actions with real rasa_sdk Trackers and a CollectingDispatcher, asserting every event
each action returns."""

import asyncio
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from docx import Document
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clauses import ActionAcceptArticle, ActionChangeClause, ActionShowClause
from actions.controls import (
    ActionAnswerPendingQuestion,
    ActionAskCommandOrAnswer,
    ActionChangeAnswer,
    ActionExportDocuments,
    ActionGoBack,
    ActionNextQuestion,
    ActionRepeatQuestion,
    ActionSaveAsAnswer,
    ActionSetSpeaker,
    ActionSkipQuestion,
    ActionUndo,
)
from actions.questions import ActionFinishPlan, ActionTakeAnswer, ValidateQuestionForm
from actions.review import ActionCheckPlan, ActionGoToGap, ActionKeepAnswer
from actions.runtime import export_pool, reading_pool
from actions.setup import ActionCreatePlan, ActionResumePlan, ValidatePlanSetupForm
from bot import replies
from bot.documents.exports import ExportedFiles
from bot.plans.planner import RecordedAnswer
from bot.reading.reader import read_alone
from tests.conftest import ROOT

DOMAIN = yaml.safe_load((Path(__file__).parent.parent / "domain.yml").read_text())


def tracker(slots=None, text="", intent="give_answer", loop=None, events=None) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "committee",
            "slots": {"requested_slot": "answer" if loop == "question_form" else None, **(slots or {})},
            "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": []},
            "events": events or [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": loop} if loop else {},
            "latest_action_name": "action_listen",
        }
    )


def run(action, tracker_: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, DOMAIN))
    return [m["text"] if m.get("text") else m.get("custom") for m in dispatcher.messages], events


def answer_turn(text: str, slots: dict, slot: str = "answer", intent: str = "give_answer") -> Tracker:
    """The tracker the form validation sees: a user message and the slot it filled."""
    events = [
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": []}},
        {"event": "slot", "name": slot, "value": text},
    ]
    return tracker({**slots, slot: text}, text=text, intent=intent, loop="question_form", events=events)


@pytest.fixture
def code(planner):
    return planner.create_plan("Lincoln USD", "Lincoln PD", "Maria Ortiz, principal").code


def test_creating_a_plan_sets_its_code_and_clears_setup(planner):
    slots = {"school_partner": "Lincoln USD", "agency_partner": "Lincoln PD", "members_text": "Sam Green, parent"}
    messages, events = run(ActionCreatePlan(planner), tracker(slots))
    code = planner.list_plans()[0].code
    # The key is made later, by the channel that shows it: no reply, stored or not, carries one;
    # outside the meeting page there is no payload either (the terminal chat would print it raw).
    assert messages == [replies.plan_created(planner.state(code), key_on_page=False)]
    assert "python -m bot key" in messages[0]
    key = planner.issue_key(code)
    assert key and planner.has_access(code, key) and not planner.has_access(code, key + "x")
    assert planner.issue_key(code) is None  # a second call cannot take the plan's key over
    assert events == [
        SlotSet("plan_code", code),
        SlotSet("plan_status", "open"),
        SlotSet("asked_question", None),
        SlotSet("last_answer_id", None),
        SlotSet("revising_answer_id", None),
        SlotSet("answer", None),
        SlotSet("speaker", None),
        SlotSet("school_partner", None),
        SlotSet("agency_partner", None),
        SlotSet("members_text", None),
    ]


def test_on_the_meeting_page_a_new_plan_is_announced_to_its_channel(planner):
    slots = {"school_partner": "Lincoln USD", "agency_partner": "Lincoln PD", "members_text": ""}
    events = [{"event": "user", "text": "nobody", "input_channel": "meeting", "metadata": {"plan_code": None}}]
    messages, _ = run(ActionCreatePlan(planner), tracker(slots, text="nobody", events=events))
    code = planner.list_plans()[0].code
    assert messages == [replies.plan_created(planner.state(code), key_on_page=True), {"plan_created": {"code": code}}]
    assert planner.issue_key(code)  # the channel gives it its key


def prompt_events(question, prompt):
    """What validate_question_form sets for the form to ask next (utter_ask_answer speaks it)."""
    return [
        SlotSet("asked_question", question.id),
        SlotSet("plan_status", "open"),
        SlotSet("requested_slot", "answer"),
        SlotSet("question_prompt", prompt),
    ]


def test_the_form_reads_the_question_in_full_once_then_invites_more(planner, code):
    first = planner.guide.questions[0]
    # The form opening (or coming back after a control phrase): no answer typed this turn.
    messages, events = run(ValidateQuestionForm(planner), tracker({"plan_code": code}, loop="question_form"))
    assert messages == []
    assert events == prompt_events(first, replies.question_prompt(planner.guide, first))
    planner.record_answer(code, "one answer")
    messages, events = run(
        ValidateQuestionForm(planner), tracker({"plan_code": code, "asked_question": first.id}, loop="question_form")
    )
    assert messages == [] and events == prompt_events(first, replies.reminder_prompt(first, 1))


def test_a_control_phrase_is_left_to_the_rules(planner, code):
    # "next" mid-question: the form took no answer from it, so the validation returns no slots
    # (Rasa then rejects the form and the rules answer); the form asks again after the rule's action.
    events = [
        {"event": "user", "text": "next", "parse_data": {"intent": {"name": "next_question"}, "entities": []}},
        {"event": "slot", "name": "requested_slot", "value": "answer"},
        {"event": "action", "name": "question_form"},
    ]
    t = tracker({"plan_code": code}, text="next", intent="next_question", loop="question_form", events=events)
    assert run(ValidateQuestionForm(planner), t) == ([], [])
    after_rule = events + [
        {"event": "action", "name": "action_next_question"},
        {"event": "action", "name": "question_form"},
    ]
    second = planner.guide.questions[1]
    planner.next_question(code)
    t = tracker({"plan_code": code}, loop="question_form", events=after_rule)
    assert run(ValidateQuestionForm(planner), t) == (
        [],
        prompt_events(second, replies.question_prompt(planner.guide, second)),
    )


def test_an_answer_is_stored_before_the_form_asks_again(planner, code):
    first = planner.guide.questions[0]
    text = "We want safer hallways.\nAnd trust."
    slots = {"plan_code": code, "speaker": "Maria Ortiz", "asked_question": first.id}
    messages, events = run(ValidateQuestionForm(planner), answer_turn(text, slots))
    stored = planner.snapshot(code).answers
    assert [(a.text, a.member_name) for a in stored] == [(text, "Maria Ortiz")]
    assert messages == ["Saved Maria Ortiz's answer (1 answer on this question)."]
    # The slot is emptied so that the form stays on the question and asks for more.
    assert events == [
        SlotSet("answer", None),
        SlotSet("last_answer_id", float(stored[0].id)),
        SlotSet("last_act", f"answer:{stored[0].id}"),
        *prompt_events(first, replies.reminder_prompt(first, 1)),
    ]


def test_an_empty_answer_is_refused_and_the_question_stays(planner, code):
    first = planner.guide.questions[0]
    messages, events = run(
        ValidateQuestionForm(planner), answer_turn("   ", {"plan_code": code, "asked_question": first.id})
    )
    assert planner.snapshot(code).answers == ()
    assert len(messages) == 1 and "nothing was saved" in messages[0]
    assert events == [SlotSet("answer", None), *prompt_events(first, replies.reminder_prompt(first, 0))]


def test_a_cleared_answer_slot_is_not_an_empty_answer(planner, code):
    first = planner.guide.questions[0]
    events = [{"event": "slot", "name": "answer", "value": None}]
    t = tracker({"plan_code": code, "answer": None}, loop="question_form", events=events)
    messages, returned = run(ValidateQuestionForm(planner), t)
    assert planner.snapshot(code).answers == ()
    assert messages == [] and returned == prompt_events(first, replies.question_prompt(planner.guide, first))


def test_the_new_wording_revises_the_answer_being_changed(planner, code):
    first = planner.guide.questions[0]
    answer = planner.record_answer(code, "old wording").answer
    slots = {"plan_code": code, "revising_answer_id": float(answer.id), "asked_question": first.id}
    # A short rewording the classifier takes for "go back" still fills the new wording.
    wording = "After it came back."
    messages, events = run(ValidateQuestionForm(planner), answer_turn(wording, slots, "new_wording", "go_back"))
    revised = planner.last_answer(code)
    assert [r.text for r in revised.revisions] == ["old wording", wording]
    assert messages == [replies.answer_revised(revised)]
    assert events == [
        SlotSet("new_wording", None),
        SlotSet("revising_answer_id", None),
        SlotSet("last_answer_id", float(answer.id)),
        SlotSet("last_act", None),
        *prompt_events(first, replies.reminder_prompt(first, 1)),
    ]
    assert [a.text for a in planner.snapshot(code).answers] == [wording]


def test_change_inside_the_question_has_the_form_ask_for_the_new_wording(planner, code):
    first = planner.guide.questions[0]
    answer = planner.record_answer(code, "first try").answer
    slots = {"plan_code": code, "asked_question": first.id}
    messages, events = run(ActionChangeAnswer(planner), tracker(slots, intent="change_answer", loop="question_form"))
    request = replies.revise_prompt(answer, planner.guide)
    assert messages == []
    assert events == [SlotSet("revising_answer_id", float(answer.id)), SlotSet("question_prompt", request)]
    # The form runs next and leaves that request in place while the new wording is awaited.
    waiting = tracker(
        {**slots, "revising_answer_id": float(answer.id), "question_prompt": request}, loop="question_form"
    )
    messages, events = run(ValidateQuestionForm(planner), waiting)
    assert messages == [] and events == [
        SlotSet("asked_question", first.id),
        SlotSet("plan_status", "open"),
        SlotSet("requested_slot", "new_wording"),
    ]


def test_the_form_ends_when_every_question_has_been_passed(planner, code):
    planner.go_to(code, planner.guide.questions[-1].id)
    planner.next_question(code)
    messages, events = run(ValidateQuestionForm(planner), answer_turn("late", {"plan_code": code}))
    # No question left: the form ends (action_finish_plan speaks next).
    assert messages == []
    assert events == [SlotSet("answer", None), SlotSet("requested_slot", None)]


def test_the_form_ends_when_its_plan_has_vanished(planner):
    messages, events = run(ValidateQuestionForm(planner), answer_turn("an answer", {"plan_code": "GONE-404"}))
    assert messages == [replies.plan_not_found("GONE-404")]
    assert events == [
        SlotSet("answer", None),
        SlotSet("plan_code", None),
        SlotSet("plan_status", "missing"),
        SlotSet("requested_slot", None),
    ]


def test_finishing_exports_both_documents(planner, code):
    messages, events = run(ActionFinishPlan(planner), tracker({"plan_code": code}))
    exported = sorted(p.name for p in planner.exports_dir.iterdir())
    assert len(exported) == 2 and any("draft-mou" in n for n in exported) and any("summary" in n for n in exported)
    # The reply names the files, never the server's folders.
    assert messages[0].startswith("That was the last question.") and all(n in messages[0] for n in exported)
    assert str(planner.exports_dir) not in messages[0]
    assert events == [SlotSet("plan_status", "finished"), SlotSet("asked_question", None), SlotSet("answer", None)]


def test_skip_leaves_the_question_open_and_moves_on(planner, code):
    first, second = planner.guide.questions[:2]
    messages, events = run(
        ActionSkipQuestion(planner), tracker({"plan_code": code}, intent="skip", loop="question_form")
    )
    assert planner.state(code).current == second
    assert messages == [f"Skipped “{first.short}”. It stays open, and the documents mark it as still to be decided."]
    assert events == [SlotSet("plan_status", "open"), SlotSet("last_act", f"move:{first.id}")]


def test_go_back_returns_without_touching_answers(planner, code):
    planner.record_answer(code, "kept")
    planner.next_question(code)
    messages, events = run(ActionGoBack(planner), tracker({"plan_code": code}, intent="go_back"))
    state = planner.state(code)
    assert state.current == planner.guide.questions[0] and [a.text for a in state.answers_here] == ["kept"]
    assert messages == [replies.went_back(state)]
    assert events == [SlotSet("plan_status", "open"), SlotSet("last_act", f"move:{planner.guide.questions[1].id}")]


def test_repeat_inside_the_question_lets_the_form_read_it_again(planner, code):
    messages, events = run(
        ActionRepeatQuestion(planner), tracker({"plan_code": code}, intent="repeat_question", loop="question_form")
    )
    assert messages == [] and events == [SlotSet("asked_question", None)]


def test_change_answer_offers_the_last_answer(planner, code):
    answer = planner.record_answer(code, "first try").answer
    messages, events = run(ActionChangeAnswer(planner), tracker({"plan_code": code}, intent="change_answer"))
    assert messages == [replies.revise_prompt(answer, planner.guide)]
    assert events == [SlotSet("revising_answer_id", float(answer.id))]


def test_set_speaker_registers_and_remembers_the_member(planner, code):
    messages, events = run(
        ActionSetSpeaker(planner),
        tracker({"plan_code": code}, text="Officer Dan Lee speaks next", intent="set_speaker"),
    )
    assert ("Officer Dan Lee", "SRO or officer") in {(m.name, m.role) for m in planner.state(code).members}
    assert messages == [replies.speaker_set("Officer Dan Lee", "SRO or officer")]
    assert events == [SlotSet("speaker", "Officer Dan Lee")]


def test_a_message_taken_for_naming_a_speaker_but_naming_none_is_kept_as_an_answer(planner, code):
    """The classifier took "Lieutenant Harris now, the chief later" (who supervises the SRO) for
    naming a speaker: with no name to note, it is an answer, and undo can take it back."""
    said = "The lieutenant for now, the chief later."
    slots_, members = {"plan_code": code}, planner.state(code).members
    messages, events = run(
        ActionSetSpeaker(planner), tracker(slots_, text=said, intent="set_speaker", loop="question_form")
    )
    [answer] = planner.snapshot(code).answers
    assert answer.text == said and answer.question_id == planner.guide.questions[0].id
    assert messages == [
        replies.answer_saved(RecordedAnswer(answer, planner.guide.questions[0], 1)),
        replies.KEPT_NOT_A_SPEAKER,
    ]
    assert events == [SlotSet("last_answer_id", float(answer.id)), SlotSet("last_act", f"answer:{answer.id}")]
    assert len(planner.state(code).members) == len(members)


def test_resume_by_code_opens_that_plan(planner, code):
    messages, events = run(ActionResumePlan(planner), tracker({}, text=f"resume {code.lower()}", intent="resume_plan"))
    assert messages == [replies.plan_resumed(planner.state(code))]
    assert events == [
        SlotSet("plan_code", code),
        SlotSet("plan_status", "open"),
        SlotSet("asked_question", None),
        SlotSet("last_answer_id", None),
        SlotSet("revising_answer_id", None),
        SlotSet("answer", None),
    ]


def test_resume_with_an_unknown_code_says_so(planner):
    messages, events = run(ActionResumePlan(planner), tracker({}, text="resume ZEBRA-111", intent="resume_plan"))
    assert messages == [replies.plan_not_found("ZEBRA-111")]
    assert events == [SlotSet("plan_status", "missing")]


def test_a_plan_that_vanished_is_reported_and_forgotten(planner):
    messages, events = run(ActionSkipQuestion(planner), tracker({"plan_code": "GONE-404"}, intent="skip"))
    assert messages == [replies.plan_not_found("GONE-404")]
    assert events == [SlotSet("plan_code", None), SlotSet("plan_status", "missing")]


def test_text_while_paused_is_kept_under_the_current_question(planner, code):
    messages, events = run(ActionTakeAnswer(planner), tracker({"plan_code": code}, text="an afterthought"))
    answer = planner.last_answer(code)
    assert answer.text == "an afterthought" and answer.question_id == planner.guide.questions[0].id
    assert "say “continue”" in messages[0]
    assert events == [SlotSet("last_answer_id", float(answer.id)), SlotSet("last_act", f"answer:{answer.id}")]


def test_text_without_a_plan_explains_how_to_start(planner):
    messages, events = run(ActionTakeAnswer(planner), tracker({}, text="hello there"))
    assert messages == [replies.NO_PLAN] and events == []


def test_setup_refuses_a_blank_partner_name():
    events = [
        {"event": "user", "text": " ", "parse_data": {"intent": {"name": "give_answer"}, "entities": []}},
        {"event": "slot", "name": "school_partner", "value": " "},
    ]
    t = Tracker.from_dict(
        {
            **tracker().current_state(),
            "events": events,
            "slots": {"school_partner": " ", "requested_slot": "school_partner"},
            "active_loop": {"name": "plan_setup_form"},
        }
    )
    messages, returned = run(ValidatePlanSetupForm(), t)
    assert messages == ["The MOU needs the school or district's name; please type it."]
    assert returned == [SlotSet("school_partner", None)]


def meeting_tracker(text: str, bound) -> Tracker:
    events = [
        {
            "event": "user",
            "text": text,
            "input_channel": "meeting",
            "metadata": {"plan_code": bound, "speaker": None},
            "parse_data": {"intent": {"name": "resume_plan"}, "entities": []},
        }
    ]
    return tracker({}, text=text, intent="resume_plan", events=events)


def test_the_meeting_page_opens_only_the_plan_whose_key_it_checked(planner, code):
    other = planner.create_plan("Other USD", "Other PD", "").code
    messages, events = run(ActionResumePlan(planner), meeting_tracker(f"resume {other}", code))
    # The page's own plan stays open; the other one is not touched.
    assert messages == [replies.OTHER_PLAN_ON_PAGE] and events == [SlotSet("plan_status", "open")]
    messages, events = run(ActionResumePlan(planner), meeting_tracker(f"resume {code}", None))
    assert messages == [replies.OTHER_PLAN_ON_PAGE]
    messages, events = run(ActionResumePlan(planner), meeting_tracker("continue", code))
    assert messages == [replies.plan_resumed(planner.state(code))] and events[0] == SlotSet("plan_code", code)


# --- the guidance at work: warnings, the completeness review, keeping a flagged answer ------------


def test_an_answer_giving_the_sro_discipline_is_saved_then_warned_about(planner, code):
    text = "The SRO will enforce the dress code."
    messages, events = run(ValidateQuestionForm(planner), answer_turn(text, {"plan_code": code}))
    stored = planner.snapshot(code).answers[-1]
    assert stored.text == text and stored.discipline_matter == "dress code"
    assert messages == ["Saved the committee's answer (1 answer on this question).", *replies.warnings(stored)]
    assert "routine discipline" in messages[1]
    first = planner.guide.questions[0]
    assert events == [
        SlotSet("answer", None),
        SlotSet("last_answer_id", float(stored.id)),
        SlotSet("last_act", f"answer:{stored.id}"),
        *prompt_events(first, replies.question_prompt(planner.guide, first, 1)),
    ]


def test_a_titled_adult_named_in_passing_is_not_called_a_student(planner, code):
    """ "Coach Ferris" is staff, not a student: the warning says who is named and how to keep the
    name (name them as a speaker); the documents leave it out until then. An untitled name is still
    warned about as a student's."""
    said = "Coach Ferris will run the de-escalation refresher each August."
    messages, _ = run(ValidateQuestionForm(planner), answer_turn(said, {"plan_code": code}))
    stored = planner.snapshot(code).answers[-1]
    assert [i.text for i in stored.personal_items] == ["Ferris"]
    assert messages[1:] == replies.warnings(stored)
    assert "not a member of the committee (Ferris)" in messages[1] and "student" not in messages[1]
    summary = Document(str(planner.export(code).summary))
    assert "Ferris" not in "\n".join(p.text for p in summary.paragraphs)

    run(ActionSetSpeaker(planner), tracker({"plan_code": code}, text="Coach Ferris speaks next", intent="set_speaker"))
    summary = Document(str(planner.export(code).summary))
    assert "Coach Ferris will run the de-escalation refresher" in "\n".join(p.text for p in summary.paragraphs)

    messages, _ = run(
        ValidateQuestionForm(planner), answer_turn("Jaylen Brooks was searched twice.", {"plan_code": code})
    )
    assert "information about an individual student (a name)" in messages[1]


def test_keeping_a_flagged_answer_resolves_it(planner, code):
    answer = planner.record_answer(code, "Deputies will give detentions to late students.").answer
    messages, events = run(ActionKeepAnswer(planner), tracker({"plan_code": code, "last_answer_id": float(answer.id)}))
    kept = planner.snapshot(code).answers[-1]
    assert kept.discipline_kept and not kept.discipline_unresolved
    assert messages == [replies.answer_kept(kept)] and events == []


def test_keep_it_as_it_is_while_an_answer_is_being_changed_keeps_it_unchanged(planner, code):
    """ "Keep it as it is" where the new wording was awaited ends the change, as "cancel" does;
    the answer is neither reworded nor marked as kept against a warning."""
    answer = planner.record_answer(code, "Deputies will give detentions to late students.").answer
    slots_ = {"plan_code": code, "last_answer_id": float(answer.id), "revising_answer_id": float(answer.id)}
    messages, events = run(ActionKeepAnswer(planner), tracker(slots_, text="keep it as it is", intent="keep_answer"))
    assert messages == [replies.KEPT_AS_IT_WAS] and events == [SlotSet("revising_answer_id", None)]
    after = planner.snapshot(code).answers[-1]
    assert after.text == answer.text and after.discipline_unresolved


def test_the_review_lists_the_gaps_and_going_there_opens_the_first(planner, code):
    messages, events = run(ActionCheckPlan(planner), tracker({"plan_code": code}))
    review = planner.review(code)
    assert messages == [replies.completeness(review, planner.guide)] and events == []
    first = review.first_stop()
    messages, events = run(ActionGoToGap(planner), tracker({"plan_code": code, "asked_question": "x"}))
    number = planner.guide.position(first.id) + 1
    assert messages == [f"Going to question {number}, “{first.short}”."]
    assert events == [SlotSet("plan_status", "open"), SlotSet("asked_question", None)]
    assert planner.state(code).current == first


def test_show_a_clause_by_its_number_reads_it_as_the_draft_does(planner, code):
    number = planner.guide.clause_numbers()["duty_hours"]
    planner.go_to(code, "duty_hours")
    recorded = planner.record_answer(code, "option 1, 7:30 to 3:30", "Maria Ortiz")
    slots = {"plan_code": code}
    messages, events = run(ActionShowClause(planner), tracker(slots, text=f"what does {number} say?"))
    assert messages == [replies.clause_shown(planner.clause(code, number))]
    assert "7:30 a.m. to 3:30 p.m." in messages[0] and "Maria Ortiz" in messages[0]
    assert events == []
    # The read-back when it was chosen said the same clause.
    read_back = replies.choice_saved(planner.guide, recorded.question, recorded.answer)
    assert f"“{planner.clause(code, number).text}”" in read_back
    messages, events = run(ActionShowClause(planner), tracker(slots, text="show 99.4"))
    assert messages == [replies.no_such_clause("99.4")] and events == []


def test_change_a_clause_goes_to_the_question_behind_it(planner, code):
    numbers = planner.guide.clause_numbers()
    slots = {"plan_code": code, "asked_question": "x"}
    messages, events = run(
        ActionChangeClause(planner), tracker(slots, text=f"change clause {numbers['sro_supervisor']}")
    )
    supervisor = planner.guide.question("sro_supervisor")
    assert messages == [replies.going_to(planner.guide.position(supervisor.id) + 1, supervisor)]
    assert events == [SlotSet("plan_status", "open"), SlotSet("asked_question", None)]
    assert planner.state(code).current == supervisor
    # A standing clause has no question: counsel words it; the plan stays where it was.
    messages, events = run(ActionChangeClause(planner), tracker(slots, text=f"change {numbers['amendment']}"))
    assert messages == [replies.standing_not_asked(planner.clause(code, numbers["amendment"]))]
    assert events == [SlotSet("plan_status", "open")] and planner.state(code).current == supervisor


def test_a_clause_named_by_its_subject_is_shown_or_changed_and_a_shared_subject_is_asked_about(planner, code):
    numbers = planner.guide.clause_numbers()
    slots = {"plan_code": code, "asked_question": "x"}
    said = "Officer Lane would like to read the clause on searches"
    messages, events = run(ActionShowClause(planner), tracker(slots, text=said))
    assert messages == [replies.clause_shown(planner.clause(code, numbers["searches"]))] and events == []
    messages, events = run(ActionChangeClause(planner), tracker(slots, text="reword the bit about telling parents"))
    notice = planner.guide.question("parent_notification")
    assert messages == [replies.going_to(planner.guide.position(notice.id) + 1, notice)]
    assert events == [SlotSet("plan_status", "open"), SlotSet("asked_question", None)]
    # Three clauses are about training: the committee is asked which, and the plan stays put.
    training = [numbers[q] for q in ("pre_placement_training", "in_service_training", "training_provider")]
    for action in (ActionShowClause(planner), ActionChangeClause(planner)):
        messages, events = run(action, tracker(slots, text="the training clause please"))
        assert len(messages) == 1 and messages[0].startswith("Which clause do you mean")
        assert all(number in messages[0] for number in training)
        assert f"“{'show' if isinstance(action, ActionShowClause) else 'change'} {training[0]}”" in messages[0]
        assert events in ([], [SlotSet("plan_status", "open")])
        assert planner.state(code).current == notice
    messages, _ = run(ActionShowClause(planner), tracker(slots, text="show me that clause"))
    assert messages == [replies.which_clause(planner.guide, [])]
    # The command's button, pressed after the message was asked about: the message names the clause.
    asked = {"pending_answer": "Show the clause on body camera footage", "pending_command": "show_clause"}
    pressed = tracker({**slots, **asked}, text="/show_clause", intent="show_clause")
    messages, events = run(ActionShowClause(planner), pressed)
    assert messages == [replies.clause_shown(planner.clause(code, numbers["equipment_and_cameras"]))]
    assert events == [SlotSet("pending_answer", None), SlotSet("pending_command", None), SlotSet("pending_topic", None)]


def test_an_article_named_by_its_title_has_its_proposals_accepted(planner, code):
    titles = [a.title for a in planner.guide.articles]
    said = "Ms. Baptiste says use the proposed wording for the training article"
    messages, events = run(ActionAcceptArticle(planner), tracker({"plan_code": code}, text=said))
    training = titles.index("Training") + 1
    assert len(messages) == 1 and f"Article {training}, Training" in messages[0] and events == []
    messages, events = run(ActionAcceptArticle(planner), tracker({"plan_code": code}, text="accept the whole article"))
    assert messages == [replies.which_article(planner.guide, [])] and events == []


def asked_about(text: str, command: str, code: str) -> Tracker:
    """The tracker action_ask_command_or_answer sees: a message the model took for either."""
    t = tracker({"plan_code": code}, text=text, intent="command_or_answer", loop="question_form")
    t.latest_message["entities"] = [{"entity": "command", "value": command}]
    return t


def test_a_message_that_reads_both_ways_is_asked_about_and_nothing_is_stored(planner, code):
    text = "Next year's budget covers it."
    messages, events = run(ActionAskCommandOrAnswer(planner), asked_about(text, "next_question", code))
    assert messages == [replies.command_or_answer(text, "next_question")]
    assert events == [
        SlotSet("pending_answer", text),
        SlotSet("pending_command", "next_question"),
        SlotSet("pending_topic", None),
    ]
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAskCommandOrAnswer(planner).run(dispatcher, asked_about(text, "next_question", code), DOMAIN))
    assert dispatcher.messages[0]["buttons"] == [
        {"title": replies.SAVE_AS_ANSWER, "payload": "/save_as_answer"},
        {"title": replies.COMMAND_WORDS["next_question"], "payload": "/next_question"},
    ]
    assert not planner.snapshot(code).answers
    assert planner.position(code).current.id == planner.guide.questions[0].id


PENDING = {"pending_answer": "Next year's budget covers it.", "pending_command": "next_question"}


def test_a_message_that_reads_as_an_answer_and_a_question_is_answered_when_it_was_a_question(planner, code):
    """The FAQ selector asks about "is the officer armed at the elementary schools" (an answer, or
    a question?) with the response it picked; "answer it as a question" gives that response and
    stores nothing."""
    text = "is the officer armed at the elementary schools"
    asked = asked_about(text, "ask_guidance", code)
    asked.latest_message["entities"].append({"entity": "topic", "value": "utter_faq/use_of_force"})
    messages, events = run(ActionAskCommandOrAnswer(planner), asked)
    assert messages == [replies.command_or_answer(text, "ask_guidance")]
    assert events == [
        SlotSet("pending_answer", text),
        SlotSet("pending_command", "ask_guidance"),
        SlotSet("pending_topic", "utter_faq/use_of_force"),
    ]
    slots = {"plan_code": code, "pending_answer": text, "pending_command": "ask_guidance"}
    chosen = tracker({**slots, "pending_topic": "utter_faq/use_of_force"}, intent="ask_guidance", loop="question_form")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerPendingQuestion(planner).run(dispatcher, chosen, DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/use_of_force"]
    cleared = [SlotSet("pending_answer", None), SlotSet("pending_command", None), SlotSet("pending_topic", None)]
    assert events == [*cleared, SlotSet("pending_topic", None)]
    assert not planner.snapshot(code).answers
    # Chosen again, or with no topic waiting, it says so; carrying on instead keeps the answer.
    messages, events = run(ActionAnswerPendingQuestion(planner), tracker({"plan_code": code}, intent="ask_guidance"))
    assert messages == [replies.NO_QUESTION_PENDING] and events == []
    waiting = {**slots, "pending_topic": "utter_faq/use_of_force"}
    carried = tracker(waiting, intent="next_question", loop="question_form")
    _, events = run(ActionNextQuestion(planner), carried)
    assert [a.text for a in planner.snapshot(code).answers] == [text] and cleared[2] in events


def test_save_it_as_an_answer_keeps_the_message_asked_about(planner, code):
    slots = {"plan_code": code, **PENDING}
    messages, events = run(ActionSaveAsAnswer(planner), tracker(slots, intent="save_as_answer", loop="question_form"))
    [answer] = planner.snapshot(code).answers
    assert answer.text == PENDING["pending_answer"] and answer.question_id == planner.guide.questions[0].id
    assert messages == [replies.answer_saved(RecordedAnswer(answer, planner.guide.questions[0], 1))]
    assert events == [
        SlotSet("last_answer_id", float(answer.id)),
        SlotSet("last_act", f"answer:{answer.id}"),
        SlotSet("pending_answer", None),
        SlotSet("pending_command", None),
        SlotSet("pending_topic", None),
    ]
    # Said again with nothing waiting, it says so and saves nothing.
    messages, events = run(ActionSaveAsAnswer(planner), tracker({"plan_code": code}, intent="save_as_answer"))
    assert messages == [replies.NOTHING_PENDING] and events == []
    assert len(planner.snapshot(code).answers) == 1


def test_choosing_the_command_drops_the_message_and_carrying_on_keeps_it(planner, code):
    first = planner.guide.questions[0].id
    slots = {"plan_code": code, **PENDING}
    _, events = run(ActionNextQuestion(planner), tracker(slots, intent="next_question", loop="question_form"))
    assert events[:2] == [SlotSet("pending_answer", None), SlotSet("pending_command", None)]
    assert not planner.snapshot(code).answers and planner.position(code).current.id != first
    # Another answer instead of a choice: the message asked about is kept first, then the answer.
    planner.go_to(code, first)
    validate = ValidateQuestionForm(planner)
    _, events = run(validate, answer_turn("Maria Ortiz: The city pays half.", {"plan_code": code, **PENDING}))
    answers = planner.snapshot(code).answers
    assert [a.text for a in answers] == [PENDING["pending_answer"], "The city pays half."]
    assert SlotSet("pending_answer", None) in events and SlotSet("pending_command", None) in events


def slot_value(events, name):
    return next(e["value"] for e in reversed(events) if e.get("event") == "slot" and e.get("name") == name)


def test_undo_takes_back_this_conversations_last_answer_out_of_the_documents(planner, code):
    first = planner.guide.questions[0]
    _, events = run(
        ValidateQuestionForm(planner), answer_turn("Maria Ortiz: Lockers are searched weekly.", {"plan_code": code})
    )
    [answer] = planner.snapshot(code).answers
    assert slot_value(events, "last_act") == f"answer:{answer.id}"
    slots = {"plan_code": code, "last_act": f"answer:{answer.id}"}
    messages, events = run(ActionUndo(planner), tracker(slots, intent="undo", loop="question_form"))
    assert messages == [replies.answer_withdrawn(answer)]
    assert events == [SlotSet("last_act", None), SlotSet("plan_status", "open"), SlotSet("asked_question", None)]
    assert not planner.snapshot(code).answers and planner.position(code).current == first
    summary = Document(str(planner.export(code).summary))
    assert not [p.text for p in summary.paragraphs if "Lockers are searched" in p.text]
    # Nothing is left to undo: a second "undo" says so and changes nothing.
    messages, _ = run(ActionUndo(planner), tracker({"plan_code": code}, intent="undo", loop="question_form"))
    assert messages == [replies.NOTHING_TO_UNDO]


def test_undo_returns_to_the_question_a_move_left(planner, code):
    first = planner.guide.questions[0]
    _, events = run(ActionNextQuestion(planner), tracker({"plan_code": code}, intent="next_question"))
    assert slot_value(events, "last_act") == f"move:{first.id}"
    assert planner.position(code).current != first
    messages, events = run(ActionUndo(planner), tracker({"plan_code": code, "last_act": f"move:{first.id}"}))
    assert planner.position(code).current == first
    assert messages == [replies.move_undone(planner.state(code))]
    assert events == [SlotSet("last_act", None), SlotSet("plan_status", "open"), SlotSet("asked_question", None)]


def python_alone(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """The script in a fresh interpreter, as the action server's process, on its own database."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'plans.db'}", "EXPORTS_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_action_server_never_loads_tensorflow(tmp_path):
    """A fresh interpreter loads the actions as rasa-sdk does (every module of the package) and
    reads an answer with spaCy: TensorFlow, which thinc imports whenever it is installed, stays
    out (actions/__init__.py), saving hundreds of MB per action server."""
    script = (
        "import importlib, pkgutil, sys\n"
        "import actions\n"
        "for module in pkgutil.iter_modules(actions.__path__):\n"
        "    importlib.import_module(f'actions.{module.name}')\n"
        "from actions.runtime import shared_planner\n"
        "planner = shared_planner()\n"
        "code = planner.create_plan('Lincoln USD', 'Lincoln PD').code\n"
        "said = 'The officer will write up students for tardies and dress code violations.'\n"
        "print(planner.record_answer(code, said, 'Maria Ortiz').answer.discipline_matter)\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    run_ = python_alone(script, tmp_path)
    assert run_.returncode == 0, run_.stderr[-2000:]
    matter, modules = run_.stdout.splitlines()[-2:]
    loaded = set(modules.split())
    assert matter != "None"  # spaCy read the answer: the discipline guardrail found its matter
    assert "spacy" in loaded and "thinc" in loaded
    assert not {name for name in loaded if name.startswith(("tensorflow.", "keras"))}


def test_an_export_runs_in_its_own_process_and_a_failed_one_says_why(planner, code):
    """python-docx holds the GIL: the documents are written in the export process, so the action
    server's threads keep answering other committees. If that process dies, the chat says so,
    and the next export starts a new one."""
    pool = export_pool()
    assert pool.submit(os.getpid).result() != os.getpid()  # a process of its own
    pool.submit(os._exit, 1)  # the export process dies
    export = ActionExportDocuments(planner)
    messages, events = run(export, tracker({"plan_code": code}, intent="export_documents"))
    assert messages == [replies.EXPORT_FAILED] and events == []
    assert planner.exports(code) == []
    messages, _ = run(export, tracker({"plan_code": code}, intent="export_documents"))
    made = {e.kind: planner.exports_dir / e.file_name for e in planner.exports(code)}
    assert messages == [replies.exported(ExportedFiles(made["draft_mou"], made["summary"]))]
    assert all(path.exists() for path in made.values())


@pytest.mark.parametrize("pool", ["export_pool", "reading_pool"])
def test_the_export_and_reading_processes_end_with_a_killed_action_server(tmp_path, pool):
    script = (
        "import os\n"
        f"from actions.runtime import {pool}\n"
        f"print({pool}().submit(os.getpid).result(), flush=True)\n"
        "os._exit(0)  # as a killed server ends: no clean shutdown of the pool\n"
    )
    run_ = python_alone(script, tmp_path)
    worker = int(run_.stdout.split()[-1])
    for _ in range(100):  # it checks on its parent five times a second
        if not Path(f"/proc/{worker}").exists():
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{worker}").exists()


def test_the_reading_process_has_spacy_loaded_and_frozen_before_its_first_reading():
    """Its start loads spaCy and freezes it out of the garbage collector's reach (a full
    collection over spaCy's objects held up a reading by 0.1-0.2 s in the action server)."""
    pool = reading_pool()
    assert pool.submit(os.getpid).result() != os.getpid()
    assert pool.submit(gc.get_freeze_count).result() > 100_000
    assert pool.submit(read_alone, "The SRO will write up tardy students.").result().discipline
