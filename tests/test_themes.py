"""Topics and themes read with the real spaCy model: each answer's topics are phrases as
people write them, and the themes the summary lists are ranked by how many members raised them."""

from datetime import datetime

from bot.plans.themes import concerns, themes
from bot.plans.views import AnswerView
from bot.reading.language import english
from bot.reading.topics import topics_of, voices_concern

SAVED = datetime(2025, 9, 1, 18, 30)


def topics(text: str) -> list[str]:
    return topics_of(english()(text))


def answer(member: str | None, text: str, question_id: str = "sro_duties") -> AnswerView:
    """An answer as the summary is given it, read as it is when saved."""
    doc = english()(text)
    return AnswerView(
        id=0,
        question_id=question_id,
        text=text,
        member_name=member,
        member_role=None,
        created_at=SAVED,
        updated_at=SAVED,
        revisions=(),
        topics=tuple(topics_of(doc)),
        voices_concern=voices_concern(doc),
    )


def test_topics_are_phrases_as_people_write_them():
    assert topics("We need data on arrests and referrals.") == ["data", "arrest", "referral"]
    assert topics("Police should not enforce the dress codes.") == ["police", "dress code"]
    assert topics("The news media will ask about our policies.") == ["news media", "policy"]
    # spaCy's guess for a word it does not know ("tardie") is not a word.
    assert topics("Tardies are handled by teachers.") == ["tardies", "teacher"]


def test_the_dress_codes_and_dress_code_are_one_theme():
    answers = [
        answer("Maria Ortiz", "Police should not enforce the dress codes."),
        answer("Sam Green", "Dress code is a matter for teachers."),
    ]
    dress_code = themes(answers)[0]
    assert (dress_code.topic, dress_code.answers, dress_code.people) == ("dress code", 2, ("Maria Ortiz", "Sam Green"))


def test_themes_raised_by_more_members_come_first():
    answers = [
        answer("Maria Ortiz", "Body cameras must be on at all times.", "sro_duties"),
        answer("Maria Ortiz", "Footage from the body cameras goes to the district.", "data_sharing"),
        answer("Maria Ortiz", "Who may see body camera footage? Body cameras cost money.", "complaints"),
        answer("Sam Green", "Families need a complaint process.", "complaints"),
        answer("Ada Park", "The complaint process should be in Spanish too.", "complaints"),
        # Unnamed answers are the committee's: one voice however many answers.
        answer(None, "Searches of lockers need a warrant.", "searches"),
        answer(None, "Searches should be rare.", "searches"),
    ]
    ranked = [(t.topic, t.answers) for t in themes(answers)]
    assert ranked == [("complaint process", 2), ("body camera", 3), ("search", 2)]
    assert [t.members for t in themes(answers)] == [2, 1, 1]


def test_a_concern_one_member_raised_once_is_left_out():
    answers = [
        answer("Maria Ortiz", "We worry about the data on arrests."),
        answer("Sam Green", "Parents are concerned about arrests at school."),
        answer("Ada Park", "I'm worried that the officers' weapons will scare children."),
        answer("Ada Park", "Officer visits to classrooms are welcome."),
    ]
    assert [(t.topic, t.answers, t.people) for t in concerns(answers)] == [("arrest", 2, ("Maria Ortiz", "Sam Green"))]
