"""What an answer decides: an alternative by number or by its words, with its values read from
what was said (times, durations, dates, numbers, lists), changed values, dictated wording, or
nothing at all (discussion)."""

from datetime import date

import pytest

from bot.guide import load_guide
from bot.plans.views import Choice
from bot.reading.choices import read_choice
from bot.reading.values import read_values

GUIDE = load_guide()


def choose(question_id: str, text: str, earlier: Choice | None = None) -> Choice | None:
    decision = GUIDE.question(question_id).decision
    assert decision is not None
    return read_choice(decision, text, earlier)


def alternative(question_id: str, index: int) -> str:
    return GUIDE.question(question_id).decision.alternatives[index].id


@pytest.mark.parametrize(
    "said, index",
    [("2", 1), ("option 2", 1), ("#3", 2), ("the second one", 1), ("number three", 2), ("We choose option 1.", 0)],
)
def test_an_alternative_is_chosen_by_its_number(said, index):
    assert choose("duty_hours", said) == Choice(alternative("duty_hours", index))


def test_values_come_from_what_was_said_in_the_clause_s_terms():
    assert choose("duty_hours", "option 2, but 7:30 to 4:00") == Choice(
        alternative("duty_hours", 1), (("start", "7:30 a.m."), ("end", "4:00 p.m."))
    )
    assert choose("duty_hours", "1, from half past seven to four in the afternoon").values == (
        ("start", "7:30 a.m."),
        ("end", "4:00 p.m."),
    )
    assert choose("termination_notice", "option one, ninety days").values == (("notice", "90 days"),)
    assert choose("effective_date", "1, starting August 1, 2027 for two years").values == (
        ("start", "August 1, 2027"),
        ("length", "2 years"),
    )
    assert choose("in_service_training", "option 2 with forty hours").values == (("hours", "40"),)
    assert choose("sro_supervisor", "option 1, the Patrol Division sergeant").values == (
        ("supervisor", "the Patrol Division sergeant"),
    )
    assert choose("partner_agencies", "option 2: Harbor View High, Lincoln Middle\nand Adams Elementary").values == (
        ("schools", "Harbor View High, Lincoln Middle and Adams Elementary"),
    )
    assert choose("partner_agencies", "2: Harbor View High and Lincoln Middle").values == (
        ("schools", "Harbor View High and Lincoln Middle"),
    )
    assert choose("partner_agencies", "Second, we still need the list of schools") is None


def test_an_alternative_is_chosen_by_its_words_only_when_they_are_most_of_the_message():
    assert choose("review_schedule", "every year") == Choice("yearly")
    assert choose("review_schedule", "Every year, with the community") == Choice("yearly_with_community")
    assert choose("data_collected", "disaggregated by student group") == Choice("disaggregated")
    assert choose("review_schedule", "We should review it every year with parents.") is None


def test_values_alone_change_the_choice_that_stands():
    standing = Choice(alternative("duty_hours", 0), (("start", "7:30 a.m."), ("end", "4:00 p.m.")))
    assert choose("duty_hours", "make it 8:00 to 3:30", standing) == Choice(
        standing.alternative, (("start", "8:00 a.m."), ("end", "3:30 p.m."))
    )
    assert choose("duty_hours", "8 to 3:30", standing).values == (("start", "8:00 a.m."), ("end", "3:30 p.m."))
    # The same alternative chosen again keeps the values not said again.
    assert choose("duty_hours", "option 1", standing) == standing
    # Without a choice standing, bare values decide nothing.
    assert choose("duty_hours", "8 to 3:30") is None


def test_dictated_wording_is_the_committees_own_clause():
    assert choose("mou_purpose", "our wording: The Parties intend to keep students safe.") == Choice(
        None, wording="The Parties intend to keep students safe."
    )
    assert choose("mou_purpose", "The clause should read - We work together.") == Choice(
        None, wording="We work together."
    )


@pytest.mark.parametrize(
    "said",
    [
        "2 officers would be better than one",
        "The officer should be there from 7:30 until the buses leave at 4, every school day.",
        "Second, we need to talk about the summer.",
        "Option values matter less than trust, honestly, so let's keep talking about it for now.",
        "9 is too many to choose from",
        "First, who supervises the SRO now?",
        "Option 2 - can you explain it again?",
        "not every year",
        "maybe option 1 or option 3",
    ],
)
def test_discussion_decides_nothing(said):
    assert choose("duty_hours", said) is None


@pytest.mark.parametrize(
    "question_id, said",
    [
        ("review_schedule", "not every year"),
        ("review_schedule", "no, not every two years"),
        ("data_collected", "we do not want it disaggregated by student group"),
        ("public_availability", "not on the district's website"),
        ("privacy_laws", "First, I want to ask counsel"),
        ("privacy_laws", "our wording: ."),
        ("termination_notice", "60 or 90 days"),
    ],
)
def test_a_rejection_a_question_or_an_empty_dictation_decides_nothing(question_id, said):
    standing = Choice(alternative(question_id, 0))
    assert choose(question_id, said, standing if question_id == "termination_notice" else None) is None


def test_a_remark_after_the_option_is_kept_as_a_remark_not_a_value():
    supervisor = choose("sro_supervisor", "option 1, but we still need to ask the chief who it will be")
    assert supervisor == Choice(alternative("sro_supervisor", 0), remark=True)
    hours = choose("duty_hours", "option 2, but we worry about summer funding")
    assert hours == Choice(alternative("duty_hours", 1), remark=True)
    # The clause's own words before a value are not said twice: "... paid by {payer}".
    assert choose("after_hours_and_court", "option 1 - paid by the booster club").values == (
        ("payer", "the booster club"),
    )


def test_values_read_in_words_and_digits_alike():
    found = read_values("thirty days' notice, 75 percent, from 8 to 3:30, on July 1, 2027")
    assert found.durations == ["30 days"]
    assert found.percents == ["75 percent"]
    assert found.times == ["8:00 a.m.", "3:30 p.m."]
    assert found.dates == ["July 1, 2027"]
    # Counts in the order said, a duration's number among them; school days are a duration.
    assert read_values("16 hours, 4 of them with staff").of_kind("count") == ["16", "4"]
    assert read_values("within five school days").durations == ["5 school days"]


def test_a_date_without_a_year_is_the_next_one():
    said = read_values("starting August 1").dates
    assert len(said) == 1 and int(said[0].rsplit(" ", 1)[1]) >= date.today().year
