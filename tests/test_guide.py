"""The discussion guide: loaded from YAML, complete, in the COPS guidance order."""

from pathlib import Path

import pytest

from bot.guide import GuideError, load_guide

GUIDE = load_guide()


def test_the_discussion_has_the_five_nc2s_questions_first():
    discussion = GUIDE.sections[0]
    assert discussion.part == "discussion"
    assert [q.id for q in discussion.questions] == [
        "reasons_and_roles",
        "impact_on_groups",
        "community_reaction",
        "expectations",
        "training_needs",
    ]


def test_mou_sections_follow_the_cops_order():
    letters = [s.title.split(".")[0] for s in GUIDE.sections if s.part == "mou"][:5]
    assert letters == ["A", "B", "C", "D", "E"]
    later = [s.title for s in GUIDE.sections if s.part == "mou"][5:]
    assert [t.split()[0] for t in later] == ["Training", "Data", "Complaint", "Review"]


def test_every_question_explains_itself_and_names_its_source():
    for question in GUIDE.questions:
        assert question.why.strip() and question.text.strip()
        assert 1 <= len(question.follow_ups) <= 2, question.id
        assert question.source.split(",")[0] in GUIDE.sources, question.id
        assert len(question.short) <= 45, question.id


def test_the_four_sro_roles_and_the_example_activities_are_asked():
    ids = {q.id for q in GUIDE.questions}
    assert {"role_law_enforcement", "role_informal_counselor", "role_educator", "role_emergency_manager"} <= ids
    assert len(GUIDE.question("sro_activities").options) == 11


def test_the_no_routine_discipline_clause_stands_in_section_b():
    clause = next(c for c in GUIDE.standing_clauses if c.id == "no_routine_discipline")
    assert clause.section == "mou_b" and "discipline" in clause.text


def test_discussion_answers_feed_mou_questions():
    assert GUIDE.fed_by("mou_purpose")[0].id == "reasons_and_roles"


def test_navigation_walks_the_questions_in_order():
    first, second = GUIDE.questions[:2]
    assert GUIDE.after(first.id) == second and GUIDE.before(second.id) == first
    assert GUIDE.before(first.id) is None and GUIDE.after(GUIDE.questions[-1].id) is None
    assert GUIDE.before(None) == GUIDE.questions[-1]  # going back from the end


def test_cite_expands_every_source_named():
    cited = GUIDE.cite("cops_mou, section B; nc2s, Key Takeaways")
    assert cited == f"{GUIDE.sources['cops_mou']}, section B; {GUIDE.sources['nc2s']}, Key Takeaways"


def test_a_misspelled_key_is_refused(tmp_path: Path):
    broken = (Path(__file__).parent.parent / "bot" / "guide.yml").read_text().replace("follow_ups:", "followups:", 1)
    path = tmp_path / "guide.yml"
    path.write_text(broken)
    with pytest.raises(GuideError, match="unknown keys"):
        load_guide(path)
