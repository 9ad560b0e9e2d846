"""The guidance in the conversation, over the REST channel with the real servers: questions
about the guidance answered mid-question, the guardrail and privacy warnings, the review."""

from pathlib import Path

import yaml
from docx import Document

from tests.test_conversation import current, start_plan
from tests.test_nlu_heldout import TRAINING as NLU_TRAINING
from tests.test_nlu_heldout import examples, same

FAQ_HELDOUT = Path(__file__).with_name("faq_heldout.yml")
FAQ_TRAINING = Path(__file__).parent.parent / "data" / "faq.yml"


def test_faq_heldout_phrasings_are_new_and_cover_enough_questions():
    heldout = examples(FAQ_HELDOUT)
    training = {same(text) for text, _ in examples(FAQ_TRAINING) + examples(NLU_TRAINING)}
    assert not [text for text, _ in heldout if same(text) in training]
    keys = {intent for _, intent in heldout if intent.startswith("faq/")}
    assert len(keys) >= 20
    responses = yaml.safe_load(FAQ_TRAINING.read_text())["responses"]
    assert {f"utter_{key}" for key in keys} <= set(responses)
    # Every answer names the document it comes from.
    assert all("(Source: " in r[0]["text"] for r in responses.values())


def answered_as(assistant, text: str) -> str:
    """faq/<key> for a question about the guidance, else the intent."""
    parsed = assistant.parse(text)
    if parsed["intent"]["name"] != "faq":
        return parsed["intent"]["name"]
    return parsed["response_selector"]["faq"]["response"]["intent_response_key"]


def test_faq_heldout_phrasings_get_the_right_answer(assistant):
    heldout = examples(FAQ_HELDOUT)
    results = [(text, label, answered_as(assistant, text)) for text, label in heldout]
    faq = [r for r in results if r[1].startswith("faq/")]
    share = sum(label == got for _, label, got in faq) / len(faq)
    outside = [r for r in results if r[1] == "out_of_scope"]
    refused = sum(label == got for _, label, got in outside) / len(outside)
    # Inside a question, the answer intent and the fallback are stored as answers.
    stored = sum(got in ("give_answer", "nlu_fallback") for _, _, got in faq) / len(faq)
    print(
        f"\nFAQ held-out phrasings answered correctly: {share:.3f} of {len(faq)} "
        f"({len({label for _, label, _ in faq})} questions); stored as answers inside a question: {stored:.3f}"
    )
    print(f"Out-of-scope held-out questions refused honestly: {refused:.3f} of {len(outside)}")
    for text, label, got in results:
        if label != got:
            print(f"  {text!r}: wanted {label}, got {got}")
    # Issue 14's measures, met in the fifth session: 0.927 answered, 0.013 stored, 0.912 of 80 refused.
    assert share >= 0.9
    assert stored <= 0.02
    assert refused >= 0.9


def test_a_question_about_the_guidance_mid_question_keeps_the_place(assistant):
    chat = assistant.conversation("faq")
    code = start_plan(chat)
    chat.say("Maria Ortiz: We want a safer campus and trusted adults.")
    before = current(assistant, code)
    reply = chat.say("What does FERPA allow the school to share with the SRO?")
    assert "FERPA" in reply and "(Source: " in reply
    assert before.short in reply  # back to the open question
    assert current(assistant, code) == before
    chat.say("Sam Green: Parents want to be heard before anything is signed.")
    answers = assistant.planner.snapshot(code).answers
    assert [(a.question_id, a.member_name) for a in answers] == [(before.id, "Maria Ortiz"), (before.id, "Sam Green")]


def test_guardrail_privacy_review_and_faq_work_together(assistant):
    chat = assistant.conversation("together")
    code = start_plan(chat)

    reply = chat.say("Officer Dan Lee: The SRO will write up students for tardies and dress code.")
    assert "routine discipline" in reply and "keep it as written" in reply
    flagged = assistant.planner.snapshot(code).answers[-1]
    assert flagged.discipline_unresolved

    reply = chat.say("what is missing?")
    assert "Routine discipline: an answer on question 1" in reply and "take us there" in reply
    assert "D. Supervision of the SRO" in reply

    reply = chat.say("keep it as written")
    assert "Kept as written" in reply
    assert not assistant.planner.snapshot(code).answers[-1].discipline_unresolved

    reply = chat.say("Sam Green: Last year Jordan Miller, ID 4471823, was arrested at the bus stop.")
    assert "information about an individual student" in reply
    stored = assistant.planner.snapshot(code).answers[-1]
    assert stored.text.startswith("Last year Jordan Miller") and {i.kind for i in stored.personal_items} == {
        "name",
        "student_id",
    }

    reply = chat.say("who is the sro's supervisor according to the guidance?")
    assert "(Source: COPS MOU guidance" in reply

    reply = chat.say("What's the weather tomorrow?")
    assert "does not cover that" in reply

    reply = chat.say("take us there")
    first_gap = assistant.planner.review(code).first_stop()
    assert current(assistant, code) == first_gap
    assert first_gap.text in reply
    # Nothing said in this conversation was lost or stored twice.
    assert len(assistant.planner.snapshot(code).answers) == 2

    summary = Document(str(assistant.planner.export(code).summary))
    text = "\n".join(p.text for p in summary.paragraphs)
    assert "Jordan Miller" not in text and "[name removed]" in text
