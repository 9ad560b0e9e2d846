"""Bad input over the REST channel: each gets a clear reply, nothing crashes, nothing is
lost, and the documents still open."""

import re
import subprocess

import pytest
from docx import Document

from tests.conftest import soffice
from tests.test_conversation import start_plan


@pytest.fixture
def chat_and_code(assistant):
    chat = assistant.conversation("bad")
    return chat, start_plan(chat)


def stored(assistant, code):
    return [a.text for a in assistant.planner.snapshot(code).answers]


def test_an_empty_message_gets_a_reply_and_nothing_is_stored(assistant, chat_and_code):
    chat, code = chat_and_code
    reply = chat.say("")
    assert reply.strip(), "an empty message must still get an answer"
    assert stored(assistant, code) == []
    assert "Saved" in chat.say("The SRO should start at 7:30 each morning.")
    assert stored(assistant, code) == ["The SRO should start at 7:30 each morning."]


def test_a_twenty_thousand_character_answer_is_kept_whole(assistant, chat_and_code):
    chat, code = chat_and_code
    paragraph = "The SRO will build trust with students through daily conversations. "
    text = "\n\n".join([paragraph * 30] * 11)[:20_000]
    assert len(text) == 20_000
    reply = chat.say(text)
    assert "Saved" in reply
    assert stored(assistant, code) == [text]
    files = assistant.planner.export(code)
    body = [p.text for p in Document(str(files.summary)).paragraphs if p.style.name == "Answer"]
    assert "\n\n".join(body) == text.strip()


def test_emoji_and_right_to_left_text_survive(assistant, chat_and_code):
    chat, code = chat_and_code
    text = "Students 🎒👩🏽‍🎓 want trust. الطلاب يريدون الثقة. התלמידים רוצים אמון."
    assert "Saved" in chat.say(text)
    assert stored(assistant, code) == [text]


def test_sql_and_markup_are_stored_literally(assistant, chat_and_code):
    chat, code = chat_and_code
    texts = ["Robert'); DROP TABLE answers;--", "<w:p><w:r><w:t>injected</w:t></w:r></w:p> & <script>x</script>"]
    for text in texts:
        reply = chat.say(text)
        # A command's shape ("DROP TABLE" reads like "drop that") brings the one question first.
        if "could be an answer or" in reply:
            reply = chat.say("save it as an answer")
        assert "Saved" in reply
    assert stored(assistant, code) == texts
    # The markup stays text in the document; "Robert" is read as a name, so compare the export
    # that keeps personal details (the default one is checked in tests/test_guidance.py).
    files = assistant.planner.export(code, keep_personal=True)
    answers = [p.text for p in Document(str(files.summary)).paragraphs if p.style.name == "Answer"]
    assert answers == texts


def test_control_characters_do_not_corrupt_the_documents(assistant, chat_and_code, tmp_path):
    chat, code = chat_and_code
    text = "bell\x07 escape\x1b form feed\x0c vertical tab\x0b nul\x00 end"
    assert "Saved" in chat.say(text)
    assert stored(assistant, code) == [text.replace("\x00", "")]  # no database keeps NUL
    files = assistant.planner.export(code)
    answers = [p.text for p in Document(str(files.summary)).paragraphs if p.style.name == "Answer"]
    assert answers == ["bell escape form feed vertical tab nul end"]
    result = subprocess.run(
        [
            soffice(),
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(files.summary),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0 and (tmp_path / f"{files.summary.stem}.pdf").exists(), result.stderr


def test_unknown_codes_and_commands_without_a_plan_get_clear_replies(assistant):
    chat = assistant.conversation("lost")
    assert "couldn't find a plan" in chat.say("resume OTTER-000")
    for phrase in ("export the documents", "progress", "go back"):
        assert "No plan is open yet" in chat.say(phrase), phrase


def test_a_message_that_looks_like_a_code_but_is_not_keeps_the_open_plan(assistant, chat_and_code):
    chat, code = chat_and_code
    reply = chat.say("resume plan ZEBRA-999")
    assert "couldn't find a plan" in reply
    # (An answer with no command's words: "still in the first plan" reads as "what is missing?"
    # to the classifier since this session's training data; issue 14 is to ask in such cases.)
    assert "Saved" in chat.say("The officer should know every student by name.")
    assert stored(assistant, code) == ["The officer should know every student by name."]
    assert re.search(code, chat.say("what is our plan code"))
