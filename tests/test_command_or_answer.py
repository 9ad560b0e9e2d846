"""A message that reads both as an answer and as a command, inside a question, on the real
servers: the assistant asks (two buttons, the same words typed), acts only on the choice, and
keeps the message as an answer if the committee carries on without choosing."""

from bot import replies
from tests.conftest import http_json
from tests.test_conversation import current, start_plan


def texts(assistant, code) -> list[str]:
    return [a.text for a in assistant.planner.snapshot(code).answers]


# Answers with a command's words, and commands with an answer's: which of them a model asks about
# changes with training (the held-out measures count how rarely it asks), so the tests pick one.
ASKABLE = [
    "Next year's budget covers it.",
    "next year's budget covers it, move on",
    "skip this one, the county funds it anyway",
    "go back to the question about training hours",
    "please export the documents once the lawyers review the funding section",
    "Goodbye assemblies for seniors need coverage.",
    "Pause enforcement during exams.",
    "Cancel the school-day traffic duty.",
]


def asked_about(assistant, command: str | None, candidates: list[str]) -> tuple[str, str]:
    """The first message this model asks about (as `command`, or as any command when None), with
    the command it offers."""
    for text in candidates:
        parsed = assistant.parse(text)
        taken = [e["value"] for e in parsed["entities"] if e["entity"] == "command"]
        if parsed["intent"]["name"] == "command_or_answer" and (command is None or taken == [command]):
            return text, taken[0]
    raise AssertionError(f"none of {candidates} is asked about as {command or 'a command'}: write more candidates")


def test_an_answer_with_a_commands_words_is_asked_about_then_saved(assistant):
    chat = assistant.conversation("ask-save")
    code = start_plan(chat)
    question = current(assistant, code)
    said, command = asked_about(assistant, None, ASKABLE)
    reply = chat.say(said)
    assert replies.COMMAND_WORDS[command].lower() in reply and "save it as an answer" in reply
    assert texts(assistant, code) == [] and current(assistant, code) == question  # nothing done yet
    chat.say("save it as an answer")  # the button's words, typed
    assert texts(assistant, code) == [said]
    assert current(assistant, code) == question


def test_choosing_the_command_acts_and_stores_nothing(assistant):
    chat = assistant.conversation("ask-command")
    code = start_plan(chat)
    question = current(assistant, code)
    said, _ = asked_about(
        assistant,
        "export_documents",
        [
            "Export of records needs parent consent.",
            "Export it once parents review it.",
            "please export the documents once the lawyers review the funding section",
            "export the draft with the budget figures for the board",
        ],
    )
    reply = chat.say(said)
    assert replies.COMMAND_WORDS["export_documents"].lower() in reply
    assert assistant.planner.exports(code) == []  # not exported on the ambiguous message
    reply = chat.say("/export_documents")  # the command's button
    made = assistant.planner.exports(code)
    assert len(made) == 2 and all(export.file_name in reply for export in made)
    assert texts(assistant, code) == [] and current(assistant, code) == question


# Messages that read as an answer and as a question about the guidance (addons/faq_selector.py).
QUESTION_OR_ANSWER = [
    "is the officer armed at the elementary schools",
    "do SROs carry tasers at the middle school",
    "can the officer search a backpack without a parent",
    "Any overtime beyond ten hours needs the chief's approval.",
    "What's left in the budget goes to training.",
]


def test_a_message_that_reads_as_a_question_too_is_asked_about_then_answered(assistant):
    chat = assistant.conversation("ask-question")
    code = start_plan(chat)
    question = current(assistant, code)
    said, _ = asked_about(assistant, "ask_guidance", QUESTION_OR_ANSWER)
    reply = chat.say(said)
    assert replies.COMMAND_WORDS["ask_guidance"].lower() in reply and "save it as an answer" in reply
    reply = chat.say(replies.COMMAND_WORDS["ask_guidance"])  # the button's words, typed
    # The guidance's answer (each names its source) or the honest refusal, then the open question.
    assert "(Source: " in reply or "does not cover that" in reply
    assert texts(assistant, code) == [] and current(assistant, code) == question
    # Asked about again and saved instead, it is kept as an answer.
    chat.say(said)
    chat.say("save it as an answer")
    assert texts(assistant, code) == [said]


def test_carrying_on_without_choosing_keeps_the_message_as_an_answer(assistant):
    chat = assistant.conversation("ask-carry-on")
    code = start_plan(chat)
    question = current(assistant, code)
    said, _ = asked_about(assistant, None, ASKABLE[::-1])
    chat.say(said)
    assert texts(assistant, code) == []
    chat.say("Maria Ortiz: The district pays for the evening events.")
    assert texts(assistant, code) == [said, "The district pays for the evening events."]
    assert current(assistant, code) == question


def test_the_meeting_page_gets_the_two_buttons(assistant):
    code = start_plan(assistant.conversation("ask-page"))
    plan = {"code": code, "key": assistant.planner.replace_key(code)}
    http_json(f"{assistant.page_url}webhook", {"device": "page-ask", "message": "/resume_plan", **plan})
    text, command = asked_about(assistant, None, ASKABLE)
    page = http_json(f"{assistant.page_url}webhook", {"device": "page-ask", "message": text, **plan})
    assert isinstance(page, dict) and page["choices"] == [
        {"title": replies.SAVE_AS_ANSWER, "payload": "/save_as_answer"},
        {"title": replies.COMMAND_WORDS[command], "payload": f"/{command}"},
    ]


def test_undo_takes_back_an_answer_and_a_move(assistant):
    chat = assistant.conversation("undo")
    code = start_plan(chat)
    first = current(assistant, code)
    chat.say("Maria Ortiz: Officers patrol the parking lot at dismissal.")
    assert texts(assistant, code) == ["Officers patrol the parking lot at dismissal."]
    reply = chat.say("that wasn't an answer")
    assert "Taken back" in reply and texts(assistant, code) == []
    chat.say("next")
    assert current(assistant, code) != first
    reply = chat.say("undo")
    assert "Undone" in reply and current(assistant, code) == first
    assert "nothing to undo" in chat.say("undo")
    chat.say("Sam Green: Parents want a say in choosing the officer.")  # the question still takes answers
    assert texts(assistant, code) == ["Parents want a say in choosing the officer."]
