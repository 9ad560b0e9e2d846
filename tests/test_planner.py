"""Plans, answers, revision history and moving through the guide: on SQLite and on
PostgreSQL (the `any_planner` fixture runs each test on both)."""

import re

import pytest

from bot.plans.codes import find_code, normalize_code
from bot.plans.members import Person
from bot.plans.planner import AnswerRejected, NoOpenQuestion, Planner, PlanNotFound
from bot.settings import Settings
from tests.conftest import at_once

SCHOOL, AGENCY = "Lincoln Unified School District", "Lincoln Police Department"


def new_plan(planner: Planner, members: str = "Maria Ortiz, principal; Officer Dan Lee, SRO") -> str:
    return planner.create_plan(SCHOOL, AGENCY, members).code


def test_a_new_plan_has_a_code_to_read_aloud_and_starts_at_the_first_question(any_planner):
    state = any_planner.create_plan(SCHOOL, AGENCY, "Maria Ortiz, principal")
    assert re.fullmatch(r"[A-Z]{3,10}-\d{3}", state.code)
    assert state.name == f"{SCHOOL} and {AGENCY}"
    assert state.current == any_planner.guide.questions[0]
    assert [(m.name, m.role) for m in state.members] == [("Maria Ortiz", "school administrator")]


def test_codes_are_found_however_they_are_typed(any_planner):
    code = new_plan(any_planner)
    word, digits = code.split("-")
    for typed in (code.lower(), f"{word} {digits}", f"{word.title()}{digits}", f"  {code} "):
        assert any_planner.state(typed).code == code
    assert find_code(f"resume plan {word.lower()} {digits} please") == code
    assert normalize_code("maple 417") == "MAPLE-417"


def test_an_unknown_code_is_reported_not_invented(any_planner):
    with pytest.raises(PlanNotFound):
        any_planner.state("NOPE-000")


def test_answers_are_kept_exactly_as_typed(any_planner):
    code = new_plan(any_planner)
    texts = [
        "Line one\nLine two\n\nA second paragraph\twith a tab",
        "'; DROP TABLE answers; -- and <w:p>markup</w:p> & <script>alert(1)</script>",
        "Emoji 🚓🏫 and right-to-left: مدرسة آمنة, שלום",
    ]
    for text in texts:
        any_planner.record_answer(code, text)
    stored = [a.text for a in any_planner.snapshot(code).answers]
    assert stored == texts


def test_several_members_answer_the_same_question(any_planner):
    code = new_plan(any_planner)
    any_planner.record_answer(code, "Safety first", "Maria Ortiz")
    recorded = any_planner.record_answer(code, "Officer Dan Lee: mentoring matters")
    assert recorded.answers_on_question == 2
    answers = any_planner.snapshot(code).answers_to(any_planner.guide.questions[0].id)
    assert [(a.member_name, a.text) for a in answers] == [
        ("Maria Ortiz", "Safety first"),
        ("Officer Dan Lee", "mentoring matters"),
    ]


def test_a_new_speaker_becomes_a_member(any_planner):
    code = new_plan(any_planner)
    any_planner.record_answer(code, "Dr. Patel: we need data")
    any_planner.add_member(code, Person("Jordan Smith", "student"))
    members = {(m.name, m.role) for m in any_planner.state(code).members}
    assert {("Dr. Patel", "other"), ("Jordan Smith", "student")} <= members


def test_a_change_keeps_every_earlier_wording(any_planner):
    code = new_plan(any_planner)
    first = any_planner.record_answer(code, "First wording").answer
    any_planner.revise_answer(code, first.id, "Second wording")
    revised = any_planner.revise_answer(code, first.id, "Third wording")
    assert revised.text == "Third wording"
    assert [r.text for r in revised.revisions] == ["First wording", "Second wording", "Third wording"]
    assert any_planner.last_answer(code).text == "Third wording"


def test_skip_next_and_back_move_without_losing_answers(any_planner):
    code = new_plan(any_planner)
    questions = any_planner.guide.questions
    any_planner.record_answer(code, "kept")
    assert any_planner.next_question(code).current == questions[1]
    assert any_planner.next_question(code).current == questions[2]  # question 2 left open
    back = any_planner.go_back(any_planner.go_back(code).code)
    assert back.current == questions[0] and [a.text for a in back.answers_here] == ["kept"]
    progress = any_planner.progress(code)
    assert progress.answered == 1 and [q.id for q in progress.skipped] == [questions[1].id]
    assert any_planner.go_back(code).current == questions[0]  # nothing before the first


def test_answering_a_skipped_question_closes_it(any_planner):
    code = new_plan(any_planner)
    any_planner.next_question(code)
    any_planner.go_back(code)
    any_planner.record_answer(code, "now answered")
    assert any_planner.progress(code).skipped == ()


def test_after_the_last_question_there_is_nothing_to_answer_until_going_back(any_planner):
    code = new_plan(any_planner)
    last = any_planner.guide.questions[-1]
    any_planner.go_to(code, last.id)
    assert any_planner.next_question(code).current is None
    with pytest.raises(NoOpenQuestion):
        any_planner.record_answer(code, "too late")
    assert any_planner.go_back(code).current == last


@pytest.mark.parametrize("text", ["", "   \n\t ", None])
def test_empty_answers_are_refused_with_what_to_do(planner, text):
    code = new_plan(planner)
    with pytest.raises(AnswerRejected, match="nothing was saved"):
        planner.record_answer(code, text)


def test_an_oversized_answer_is_refused_but_twenty_thousand_characters_are_kept(planner):
    code = new_plan(planner)
    long_answer = ("The committee agrees. " * 1000)[:20_000]
    assert planner.record_answer(code, long_answer).answer.text == long_answer
    with pytest.raises(AnswerRejected, match="limit"):
        planner.record_answer(code, "x" * 100_001)


def test_each_answer_is_committed_before_the_call_returns(any_planner, tmp_path, database_url):
    code = new_plan(any_planner)
    any_planner.record_answer(code, "durable")
    # A second, independent engine (as after a restart) sees it at once.
    other = Planner.from_settings(Settings(database_url=database_url, exports_dir=tmp_path))
    assert [a.text for a in other.snapshot(code).answers] == ["durable"]


def test_members_answering_at_the_same_moment_all_land(any_planner):
    code = new_plan(any_planner)
    _, errors = at_once([lambda n=n: any_planner.record_answer(code, f"answer {n}", f"Member {n}") for n in range(8)])
    assert errors == []
    texts = sorted(a.text for a in any_planner.snapshot(code).answers)
    assert texts == sorted(f"answer {n}" for n in range(8))


def test_plans_are_listed_with_progress(any_planner):
    first, second = new_plan(any_planner), new_plan(any_planner)
    any_planner.record_answer(first, "one")
    listing = {p.code: p for p in any_planner.list_plans()}
    assert listing[first].answered == 1 and listing[second].answered == 0
    assert listing[first].total == len(any_planner.guide.questions)


def test_members_moving_on_and_answering_at_the_same_instant_take_turns(any_planner):
    """Several action servers may act on one plan at once: each "next" moves one question (none
    is lost to another read at the same instant) and every answer lands on a question the plan
    was on while it was stored."""
    code = any_planner.create_plan("Lincoln USD", "Lincoln PD", "Maria Ortiz, principal").code
    questions = any_planner.guide.questions
    errors = []
    for round_number in range(5):
        errors += at_once(
            [lambda: any_planner.next_question(code)] * 4
            + [lambda n=round_number: any_planner.record_answer(code, f"Maria Ortiz: answer {n}")]
        )[1]
    assert errors == []
    assert any_planner.state(code).current == questions[20]
    answers = any_planner.snapshot(code).answers
    assert sorted(a.text for a in answers) == [f"answer {n}" for n in range(5)]
    for answer in answers:
        n = int(answer.text.split()[1])
        assert questions.index(any_planner.guide.question(answer.question_id)) in range(4 * n, 4 * n + 5), answer
