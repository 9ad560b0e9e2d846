"""Who is in the room and who said what."""

from bot.plans.members import (
    Person,
    names_a_speaker,
    parse_members,
    parse_speaker,
    role_from,
    split_attribution,
    without_people,
)


def test_member_lists_in_the_forms_people_type():
    people = parse_members("Maria Ortiz, principal; Officer Dan Lee (SRO)\nSam Green - parent;Chief Ana Ruiz")
    assert people == [
        Person("Maria Ortiz", "school administrator"),
        Person("Officer Dan Lee", "SRO or officer"),
        Person("Sam Green", "parent"),
        Person("Chief Ana Ruiz", "agency leadership"),
    ]


def test_roles_from_free_wording():
    assert role_from("PTA president") == "parent"
    assert role_from("11th grade student") == "student"
    assert role_from("school counselor") == "teacher or staff"
    assert role_from("neighborhood association") == "other"
    assert role_from("community advocate") == "community member"


def test_a_registered_or_titled_name_before_a_colon_is_the_speaker():
    members = ["Maria Ortiz", "Officer Dan Lee"]
    assert split_attribution("Ms. Ortiz: we want trust", members) == ("Maria Ortiz", "we want trust")
    assert split_attribution("Officer Dan Lee: mentoring", members) == ("Officer Dan Lee", "mentoring")
    assert split_attribution("Dr. Patel: data first", members) == ("Dr. Patel", "data first")


def test_an_ordinary_colon_is_part_of_the_answer():
    text = "Note: the SRO works 7:30 to 4"
    assert split_attribution(text, ["Maria Ortiz"]) == (None, text)
    assert split_attribution("Hours: 7:30-4:00", []) == (None, "Hours: 7:30-4:00")


def test_who_speaks_next():
    assert parse_speaker("Officer Lee speaks next") == Person("Officer Lee", "SRO or officer")
    assert parse_speaker("next speaker: Sam Green, parent") == Person("Sam Green", "parent")
    assert parse_speaker("this is Principal Grant") == Person("Principal Grant", "school administrator")
    assert parse_speaker("Jordan Smith will answer.").name == "Jordan Smith"
    assert parse_speaker("we value community input") is None


def test_a_message_that_only_names_a_speaker_is_told_from_an_answer():
    """The NLU takes these for naming the speaker whatever the classifier says
    (addons/speaker_by_shape.py), so an answer must not pass for one."""
    for text in ("Dr. Amaya Ruiz here", "now Priya", "Kofi Mensah will answer", "it's Coach Ferris now"):
        assert names_a_speaker(text), text
    assert parse_speaker("Lt. Ines Duarte speaking").name == "Lt. Ines Duarte"
    for text in ("Parents next", "Westside Middle next", "We agree here", "it's fine now", "Monthly reports here"):
        assert not names_a_speaker(text), text


def test_people_named_in_passing_are_taken_out_of_a_message():
    """What a message asks for, without who relays it (addons/command_or_answer.py reads the rest)."""
    assert without_people("ok Dr. Kim wants to skip this one").split() == ["ok", "wants", "to", "skip", "this", "one"]
    assert without_people("Officer Dan Reyes says go back").split() == ["says", "go", "back"]
    assert without_people("Jaylen says skip it").split() == ["says", "skip", "it"]
    # Lower-case roles and capitalised places are what an answer talks about: they stay.
    assert without_people("The principal reviews it").split() == ["The", "principal", "reviews", "it"]
    assert without_people("Go back to the Riverside model.") == "Go back to the Riverside model."
