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
    assert [t.split()[0] for t in later] == ["Students'", "Running", "Training", "Data", "Complaint", "Review"]


def test_every_question_explains_itself_and_names_its_source():
    for question in GUIDE.questions:
        assert question.why.strip() and question.text.strip()
        assert 1 <= len(question.follow_ups) <= 2, question.id
        assert all(part.split(",")[0].strip() in GUIDE.sources for part in question.source.split(";")), question.id
        assert len(question.short) <= 45, question.id


def test_the_four_sro_roles_and_the_example_activities_are_asked():
    ids = {q.id for q in GUIDE.questions}
    assert {"role_law_enforcement", "role_informal_counselor", "role_educator", "role_emergency_manager"} <= ids
    assert len(GUIDE.question("sro_activities").options) == 11


def test_the_no_routine_discipline_clause_stands_among_the_roles():
    clause = GUIDE.standing_clause("no_routine_discipline")
    roles = next(a for a in GUIDE.articles if "role_law_enforcement" in a.clauses)
    assert clause.id in roles.clauses and "Routine Discipline" in clause.text


def test_every_mou_question_decides_a_clause_with_alternatives_in_an_article():
    placed = {entry for article in GUIDE.articles for entry in article.clauses}
    for question in GUIDE.questions:
        if GUIDE.section(question.section_id).part != "mou" or question.special in (
            "signatory_agency",
            "signatory_school",
        ):
            continue
        assert question.id in placed, question.id
        if question.options:
            continue
        decision = question.decision
        assert decision and 2 <= len(decision.alternatives) <= 4, question.id
        for alternative in decision.alternatives:
            assert alternative.label and alternative.text.endswith("."), (question.id, alternative.id)
            assert set(alternative.fields) <= {v.name for v in decision.values}, (question.id, alternative.id)
        if decision.proposed:
            cited = [part.split(",")[0].strip() for part in decision.proposed_source.split(";")]
            assert all(key in GUIDE.sources for key in cited), question.id


def test_the_agreement_keeps_the_cops_order_and_closes_with_term_provisions_and_signatures():
    titles = [a.title for a in GUIDE.articles]
    order = [
        next(i for i, a in enumerate(GUIDE.articles) if q in a.clauses)
        for q in ("mou_purpose", "school_responsibilities", "info_school_to_agency", "sro_supervisor")
    ]
    assert order == sorted(order)
    assert titles[1] == "Definitions"
    assert titles[-3:] == ["Term, Renewal and Termination", "General Provisions", "Signatures"]
    general = next(a for a in GUIDE.articles if a.title == "General Provisions")
    assert {"amendment", "disputes", "counterparts"} <= set(general.clauses)


def test_clause_numbers_follow_the_articles_and_find_their_entry():
    numbers = GUIDE.clause_numbers()
    assert len(set(numbers.values())) == len(numbers)
    for entry, number in numbers.items():
        assert GUIDE.clause_at(number) == entry
    assert GUIDE.clause_at("99.1") is None
    assert numbers["parties"] == "1.1"


def test_a_decision_naming_a_value_it_does_not_define_is_refused(tmp_path: Path):
    text = (Path(__file__).parent.parent / "bot" / "guide.yml").read_text()
    broken = text.replace("from {start} to {end}.", "from {start} to {finish}.", 1)
    assert broken != text
    path = tmp_path / "guide.yml"
    path.write_text(broken)
    with pytest.raises(GuideError, match="unknown values"):
        load_guide(path)


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


# What strong agreements decide beyond the COPS minimum (shared/guidance/model-mou-elements.md),
# each by the question that decides it.
STRONG_AGREEMENT_DECISIONS = {
    "scope": "partner_agencies",
    "term, renewal, termination": ("effective_date", "termination_notice"),
    "review and publication": ("review_schedule", "public_availability"),
    "funding and cost sharing": "sro_funding",
    "selection, evaluation, removal": ("sro_selection", "sro_evaluation"),
    "absences and substitutes": "sro_absences",
    "when staff call the SRO": "calling_the_sro",
    "arrests, citations, court referrals": "arrests_and_referrals",
    "questioning students": "questioning_students",
    "searches": "searches",
    "use of force, restraints, weapons": "use_of_force",
    "uniform, equipment, cameras": "equipment_and_cameras",
    "parent notification": "parent_notification",
    "students with disabilities and English learners": "disabilities_and_english_learners",
    "records": "records_kept",
    "data reported": "data_collected",
    "complaints": "complaint_process",
    "start-of-year explanation": "role_explained",
    "media and public statements": "media_statements",
}


def test_every_decision_strong_agreements_make_is_in_the_guide_with_a_source_and_an_article():
    placed = {entry for article in GUIDE.articles for entry in article.clauses}
    for decision, ids in STRONG_AGREEMENT_DECISIONS.items():
        for question_id in (ids,) if isinstance(ids, str) else ids:
            question = GUIDE.question(question_id)
            assert question.decision and 2 <= len(question.decision.alternatives) <= 4, decision
            assert question.id in placed, decision
            for part in question.source.split(";"):
                assert part.split(",")[0].strip() in GUIDE.sources, (decision, part)
    # "Disputes between the partners" is a standing clause of the general provisions.
    assert "disputes" in next(a for a in GUIDE.articles if a.title == "General Provisions").clauses


def test_state_laws_are_named_and_the_state_question_offers_each_state():
    state = GUIDE.special("state")
    assert set(GUIDE.states) == {"washington", "virginia", "massachusetts"}
    assert set(GUIDE.states) <= {a.id for a in state.decision.alternatives}
    assert GUIDE.position(state.id) < GUIDE.position("mou_purpose")  # asked early
    laws = {statute for q in GUIDE.questions for statute in q.required_by.values()}
    assert any(law.startswith("RCW 28A.320.124") for law in laws)
    assert any("22.1-280.2:3" in law for law in laws) and any("37P" in law for law in laws)


def test_students_rights_stand_together_and_the_term_comes_last():
    titles = [a.title for a in GUIDE.articles]
    rights = next(a for a in GUIDE.articles if a.title == "Students' Rights")
    assert {"questioning_students", "searches", "use_of_force", "parent_notification"} <= set(rights.clauses)
    assert titles.index("Students' Rights") == titles.index("Roles and Responsibilities") + 1
    assert titles[-3:] == ["Term, Renewal and Termination", "General Provisions", "Signatures"]


def test_a_clause_or_article_is_found_by_what_it_is_about():
    numbers = GUIDE.clause_numbers()
    assert GUIDE.clauses_about("Officer Lane would like to read the clause on searches") == [numbers["searches"]]
    assert GUIDE.clauses_about("change the bit about telling parents") == [numbers["parent_notification"]]
    # A word many clauses share counts less than one few carry: these records, not the students.
    assert GUIDE.clauses_about("change the clause on student records") == [
        numbers["definitions:Education Records"],
        numbers["records_kept"],
    ]
    assert GUIDE.clauses_about("the agency's duty") == [numbers["agency_responsibilities"]]
    # Two subjects are two clauses to pick from, not the one whose title has an "and".
    assert GUIDE.clauses_about("change the clauses on arrests and searches") == [
        numbers["arrests_and_referrals"],
        numbers["searches"],
    ]
    # A subject several clauses share gives them all, for the committee to pick; none, nothing.
    training = [numbers[q] for q in ("pre_placement_training", "in_service_training", "training_provider")]
    assert GUIDE.clauses_about("show the training clause") == training
    assert GUIDE.clauses_about("show the clause") == []
    titles = [a.title for a in GUIDE.articles]
    assert GUIDE.articles_about("accept the proposed wording for the training article") == [
        titles.index("Training") + 1
    ]
    assert GUIDE.articles_about("use the guidance for the whole article") == []
    assert GUIDE.articles_about("the roles and training articles") == [
        titles.index("Roles and Responsibilities") + 1,
        titles.index("Training") + 1,
    ]
