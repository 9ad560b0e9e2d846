"""What the assistant says, in the committee's language. Plain functions of plan data, so
the wording is testable without Rasa and the same in every channel."""

from __future__ import annotations

from collections.abc import Iterable

from bot.documents.agreement import (
    DECIDED,
    HELD_BACK,
    OWN_WORDING,
    PLANNER,
    PROPOSED,
    PROPOSED_DEFAULT,
    STANDING,
    DraftClause,
    alternative_pieces,
)
from bot.documents.agreement import MISSING as GAP
from bot.documents.exports import ExportedFiles
from bot.guide import STATE, Decision, Guide, Question
from bot.plans.members import addressed_by_title
from bot.plans.planner import Accepted, PlanState, Progress, RecordedAnswer
from bot.plans.review import MISSING, Requirement, Review
from bot.plans.text import capitalised, plural
from bot.plans.views import MAX_NAME_LENGTH, AnswerView, Choice

REVIEW_EXCERPT = 400  # characters of each answer shown in chat; documents carry it all

HELP = (
    "While we work through the questions you can say:\n"
    "• “next” to move on, “skip” to leave a question open, “go back” for the previous one\n"
    "• “repeat” to hear the question again, “why does this matter” for the reason behind it\n"
    "• “review” for what has been said, “change my answer” to reword the last answer\n"
    "• “Ms. Ortiz speaks next”, or start an answer with “Ms. Ortiz: …”, to name who speaks\n"
    "• “what is missing?” for the completeness review, then “take us there” to fix the first gap\n"
    "• questions about the guidance, such as “what is an SRO?” or “what does FERPA allow?”\n"
    "• “progress”, “plan code”, “export the documents”, “pause”\n"
    "To begin: “start a new plan”, or “resume” with your plan code."
)
NO_PLAN = (
    "No plan is open yet. Say “start a new plan”, or “resume” followed by your plan code (it looks like MAPLE-417)."
)
OTHER_PLAN_ON_PAGE = (
    "This page can only open the plan whose code and access key it was given. To open "
    "another plan, use “Join a plan” with that plan's code and key."
)
FIRST_QUESTION = "This is the first question; there is nothing before it."
NOTHING_TO_CHANGE = "There is no answer in this plan yet, so there is nothing to change."
KEPT_AS_IT_WAS = "Kept the answer as it was."
NOTHING_TO_CANCEL = "There is nothing to cancel."
WHO_IS_SPEAKING = "Who is speaking? Say, for example, “Ms. Ortiz speaks next”."
KEPT_NOT_A_SPEAKER = (
    "I found no name in that to note as the speaker, so I kept it as an answer. If it said who speaks, "
    "say “undo”, then, for example, “Ms. Ortiz speaks next”."
)
NO_GAP = "The review found nothing missing, so there is no gap to go to."
NOTHING_TO_KEEP = "There is no answer yet to keep."
NOTHING_TO_UNDO = "There is nothing to undo: the last step here has been undone already, or nothing has happened yet."
PAUSE_UNDONE = "Back to the plan: the pause is undone."
EXPORT_FAILED = (
    "The documents could not be made: the process that writes them stopped. Nothing in the plan "
    "is lost; say “export” to try again, and if it fails again tell whoever runs the assistant "
    "(the action server's log says why)."
)
NOTHING_PENDING = "There is no message waiting to be saved: every answer so far is already kept."
NO_QUESTION_PENDING = "There is no question waiting for an answer: ask it again, ending with a question mark."
SETUP_STOPPED = (
    "Setting up the new plan is stopped; no plan was created. "
    "Say “start a new plan” to begin again, or “resume” with a plan code."
)
WHICH_PLAN = "Which plan? Say “resume” followed by your plan code, for example “resume MAPLE-417”."


def going_to(number: int, question: Question) -> str:
    return f"Going to question {number}, “{question.short}”."


def partner_missing(what: str) -> str:
    return f"The MOU needs the {what}'s name; please type it."


def partner_too_long(what: str, length: int) -> str:
    return f"That is {length} characters; please give the {what}'s name in at most {MAX_NAME_LENGTH}."


TOO_MANY_NEW_PLANS = (
    "This address has started as many new plans this hour as the assistant allows, so no new "
    "plan can be created now. Resume an existing plan with its code, or try again later."
)
FINISHED = (
    "Every question has been passed. Say “go back” to return to the last question, "
    "“progress” to see what is still open, or “export” for the documents."
)


def plan_not_found(code: str) -> str:
    return (
        f"I couldn't find a plan with the code “{code}”. Check the code (it looks like "
        "MAPLE-417: a word and its digits), or say “start a new plan”."
    )


def plan_created(state: PlanState, key_on_page: bool) -> str:
    people = ", ".join(f"{m.name} ({m.role})" for m in state.members) or "nobody named yet"
    if key_on_page:
        key = "Its access key is shown on this page only: with the code, it opens the plan on another device."
    else:
        key = (
            f"To open it on the meeting page it needs an access key: whoever runs the assistant "
            f"makes one with `python -m bot key {state.code}`."
        )
    return (
        f"Plan created: {state.name}.\n"
        f"Your plan code is {spell_code(state.code)}. Write it down: with it, anyone on the "
        f"committee can resume the plan later.\n{key}\nIn the room: {people}."
    )


def access_key(code: str, key: str) -> str:
    """Shown by the meeting page's channel, outside the stored conversation."""
    return (
        f"Access key for plan {code} on the meeting page: {key}. Share it only with the committee: "
        "with the code, it opens the plan on another device."
    )


def plan_resumed(state: PlanState) -> str:
    where = f"We were on: {state.current.short}." if state.current else FINISHED
    return f"Welcome back to {state.name} (plan {state.code}). {where}"


def spell_code(code: str) -> str:
    word, _, digits = code.partition("-")
    return f"{code} (“{word.title()}” then {' '.join(digits)})" if digits else code


def question_prompt(guide: Guide, question: Question, answers_so_far: int = 0) -> str:
    section = guide.section(question.section_id)
    number = guide.position(question.id) + 1
    lines = [f"{section.title} · question {number} of {len(guide.questions)}"]
    if section.questions[0].id == question.id:
        lines.append(section.intro)
    lines.append(question.text)
    lines += [f"  {index}. {option}" for index, option in enumerate(question.options, 1)]
    if question.decision:
        lines += alternatives_offer(guide, question, question.decision)
    if answers_so_far:
        lines.append(f"({plural(answers_so_far, 'answer')} so far: say “review” to hear them.)")
    return "\n".join(lines)


def alternatives_offer(guide: Guide, question: Question, decision: Decision) -> list[str]:
    number = guide.clause_numbers()[question.id]
    lines = [f"Clause {number} ({decision.title}) can read:"]
    for index, alternative in enumerate(decision.alternatives, 1):
        # A proposal with conditions (COPS funding) is not announced before they are known.
        recommended = alternative.id == decision.proposed and not decision.proposed_when
        proposed = " (the guidance recommends this one)" if recommended else ""
        lines.append(f"  {index}. {alternative.label}{proposed}: “{clause_text(decision, alternative.id, ())}”")
    lines.append(
        "Choose by number or by its words, with any values (“option 1, 7:30 to 3:30”), dictate your own "
        "(“our wording: …”), or just talk it through: what you say is kept for the summary and for counsel."
    )
    return lines


def clause_text(decision: Decision, alternative_id: str, values: tuple[tuple[str, str], ...]) -> str:
    """The alternative's text with its values, a proposed default in place of a missing value,
    and [the label] where a value is still to decide."""
    pieces = alternative_pieces(decision, decision.alternative(alternative_id), Choice(alternative_id, values))
    return "".join(f"[{p.text}]" if p.kind == GAP else p.text for p in pieces)


def choice_saved(guide: Guide, question: Question, answer: AnswerView) -> str:
    """The decision read back, so the room can hear what the clause will say and correct it."""
    decision, choice = question.decision, answer.choice
    assert decision is not None and choice is not None
    number = guide.clause_numbers()[question.id]
    who = capitalised(answer.speaker)
    if choice.alternative is None:
        return (
            f"{who} dictated clause {number} ({decision.title}): “{excerpt(choice.wording or '')}”. It goes in as "
            "the committee's own wording, marked for counsel. Say “change my answer” to reword it."
        )
    alternative = decision.alternative(choice.alternative)
    index = decision.alternatives.index(alternative) + 1
    lines = [
        f"{who} chose option {index} for clause {number} ({decision.title}): {alternative.label}. It will read:",
        f"“{clause_text(decision, alternative.id, choice.values)}”",
    ]
    given = [f"{decision.value(name).label}: {value}" for name, value in choice.values]
    pieces = alternative_pieces(decision, alternative, choice)
    proposed = [p.text for p in pieces if p.kind == PROPOSED]
    missing = [p.text for p in pieces if p.kind == GAP]
    if given:
        lines.append("Values: " + "; ".join(given) + ("" if given[-1].endswith(".") else "."))
    if proposed:
        lines.append("Proposed from the guidance, to confirm: " + ", ".join(proposed) + ".")
    if missing:
        example = f"“option {index}, …”"
        lines.append(f"Still to decide: {', '.join(missing)}. Say it when you know ({example}).")
    elif alternative.fields:
        lines.append(f"If a value is wrong, say it again (“option {index}, …”).")
    return "\n".join(lines)


def no_such_clause(number: str) -> str:
    return f"The draft has no clause {number}. Its clauses run from 1.1; say “show 1.1” to start."


def which_clause(guide: Guide, numbers: list[str], verb: str = "show") -> str:
    """Asked when a message names no clause, or a subject several clauses share; `verb` is what
    the committee asked to do with it ("show", "change")."""
    listed = [(n, guide.clause_title(guide.clause_at(n) or "")) for n in numbers]
    return _which("clause", listed, f"“{verb} 4.3” or “{verb} the clause on searches”", verb + " {}")


def which_article(guide: Guide, numbers: list[int]) -> str:
    """Asked when a message names no article, or a title several articles share."""
    listed = [(str(n), guide.articles[n - 1].title) for n in numbers]
    examples = "“use the proposed wording for article 7” or “... for the training article”"
    return _which("article", listed, examples, "use the proposed wording for article {}")


def _which(part: str, listed: list[tuple[str, str]], examples: str, by_number: str) -> str:
    if not listed:
        return f"Which {part}? Say its number or what it is about, for example {examples}."
    names = "; ".join(f"{number} {title}" for number, title in listed)
    return f"Which {part} do you mean: {names}? Say its number, for example “{by_number.format(listed[0][0])}”."


def clause_shown(clause: DraftClause) -> str:
    """A clause read out as the draft prints it, with where it stands."""
    lines = [f"Clause {clause.number}, {clause.title}: “{clause.text}”"]
    if clause.bullets:
        lines += [f"  • {b}" for b in clause.bullets]
    state = {
        DECIDED: "decided",
        OWN_WORDING: "the committee's own wording, marked for counsel",
        PROPOSED_DEFAULT: "proposed from the guidance, not yet confirmed",
        HELD_BACK: "held back: an answer here gives the SRO routine discipline",
        STANDING: "standing text of the agreement, for counsel to adjust",
    }.get(clause.status, "still to decide")
    if clause.decided_by is not None:
        decided = clause.decided_by
        state += f" by {decided.speaker}, {decided.updated_at:%d %b %Y}"
    lines.append(f"Status: {state}.")
    if clause.conflicts:
        lines.append(f"Conflict: {plural(len(clause.conflicts), 'answer')} kept against this clause.")
    said = [n for n in clause.notes if n.author != PLANNER]
    if said:
        lines.append(f"{plural(len(said), 'remark')} from the discussion go with it (comments in the draft).")
    if clause.status != STANDING:
        lines.append(f"Say “change {clause.number}” to go to its question.")
    return "\n".join(lines)


def no_such_article(guide: Guide, said: int) -> str:
    return f"The draft has articles 1 to {len(guide.articles)}; there is no article {said}."


def proposals_accepted(guide: Guide, accepted: Accepted) -> str:
    """What "use the proposed wording for article 6" did, clause by clause, with how to change any."""
    numbers = guide.clause_numbers()
    title = guide.articles[accepted.article - 1].title

    def listed(questions: tuple[Question, ...]) -> str:
        return "; ".join(f"{numbers[q.id]} {q.decision.title if q.decision else q.short}" for q in questions)

    lines = [f"Article {accepted.article}, {title}:"]
    if accepted.accepted:
        lines.append(f"Accepted the proposed wording for {listed(accepted.accepted)}.")
    if accepted.already:
        lines.append(f"Already decided, left as chosen: {listed(accepted.already)}.")
    if accepted.open:
        lines.append(f"No proposal in the guidance, still to decide: {listed(accepted.open)}.")
    if not (accepted.accepted or accepted.already or accepted.open):
        lines.append("It has no decisions to make: its clauses are standard text for counsel.")
    elif accepted.accepted:
        lines.append(
            f"Say “show {numbers[accepted.accepted[0].id]}” to read one, or “change” and its number to revisit it."
        )
    return "\n".join(lines)


def standing_not_asked(clause: DraftClause) -> str:
    return (
        f"Clause {clause.number} ({clause.title}) is standard text of the agreement, not a committee decision: "
        "counsel adjusts it in the draft."
    )


def reminder_prompt(question: Question, answers_so_far: int) -> str:
    """Back on a question already asked: invite (further) answers without reading it all again."""
    if answers_so_far:
        return f"Anyone else on “{question.short}”? Another member can add an answer now, or say “next” to move on."
    return f"Back to “{question.short}”. Who would like to answer? (Say “repeat” to hear the question.)"


def went_back(state: PlanState) -> str:
    if state.current is None:
        return FINISHED
    count = len(state.answers_here)
    if not count:
        return f"Back to “{state.current.short}”. It has no answers yet."
    return (
        f"Back to “{state.current.short}”. Its {count} answer{'s are' if count != 1 else ' is'} "
        "kept: add to them, or say “next”."
    )


def answer_saved(recorded: RecordedAnswer) -> str:
    count = plural(recorded.answers_on_question, "answer")
    return f"Saved {recorded.answer.speaker}'s answer ({count} on this question)."


def answer_revised(answer: AnswerView) -> str:
    return (
        f"Changed. The answer now reads: “{excerpt(answer.text)}”. The earlier wording is "
        f"kept in the plan's history (revision {len(answer.revisions)})."
    )


DISCIPLINE_GUIDANCE = (
    "The guidance is clear that the SRO should not handle routine student discipline: code-of-"
    "conduct matters and everyday misbehavior belong to school administrators unless a crime is "
    "involved, and arrest or citation is a last resort (COPS MOU guidance, section B; COPS SRO "
    "fact sheet)."
)


def warnings(answer: AnswerView) -> list[str]:
    """What the committee should hear at once about an answer just saved or changed."""
    said = []
    if answer.discipline_unresolved:
        said.append(
            f"A note on this answer: it seems to give the SRO a part in routine discipline "
            f"({answer.discipline_matter}). {DISCIPLINE_GUIDANCE} Say “keep it as written” to confirm "
            "the committee's choice, or “change my answer” to revise it. The review flags it until then."
        )
    titled = [i for i in answer.personal_items if i.kind == "name" and addressed_by_title(answer.text, i.start)]
    if answer.personal_items and len(titled) == len(answer.personal_items):
        # "Dr. Kim", "Coach Ferris": an adult named in passing, not a student; still left out of the documents.
        names = ", ".join(dict.fromkeys(i.text for i in titled))
        said.append(
            f"This names someone who is not a member of the committee ({names}). The plan should talk "
            "about roles, not people: the exported documents leave the name out, and “change my answer” "
            "takes it out of the plan too. If they are on the committee, name them as a speaker "
            "(for example “Dr. Kim speaks next”) and the documents keep their name."
        )
    elif answer.personal_items:
        kinds = sorted({PERSONAL_KINDS[item.kind] for item in answer.personal_items})
        said.append(
            "This looks like information about an individual student ("
            + ", ".join(kinds)
            + "). The plan should talk about policy, not about a person. The exported documents leave "
            "these details out; to take them out of the plan too, say “change my answer”."
        )
    return said


PERSONAL_KINDS = {
    "name": "a name",
    "student_id": "an ID number",
    "birth_date": "a date of birth",
    "phone": "a phone number",
    "email": "an email address",
    "address": "a street address",
}


def answer_kept(answer: AnswerView) -> str:
    if not answer.discipline_matter:
        return "That answer has nothing to confirm: it stands as saved."
    return (
        "Kept as written. The summary records that the committee chose this wording after hearing "
        "the guidance on routine discipline; the standing clause in the draft MOU still applies."
    )


def completeness(review: Review, guide: Guide) -> str:
    undecided = undecided_line(review, guide)
    if review.complete:
        return (
            "Completeness review: every element of the COPS MOU guidance and each of the five "
            "SECURe action steps has an answer. The summary's appendix lists them."
            + (f"\n{undecided}" if undecided else "")
        )
    lines = ["Completeness review (COPS MOU guidance and the SECURe action steps):"]
    numbers = guide.clause_numbers()
    for concern in review.conflicts:
        lines.append(
            f"• Conflict: an answer kept on “{concern.question.short}” gives the SRO a part in "
            f"{concern.answer.discipline_matter}, which clause {numbers['no_routine_discipline']} rules out."
        )
    for concern in review.discipline:
        number = guide.position(concern.question.id) + 1
        lines.append(
            f"• Routine discipline: an answer on question {number} (“{concern.question.short}”) gives the "
            f"SRO a part in {concern.answer.discipline_matter}."
        )
    for item in review.gaps:
        if item.question is None:  # a gap always names its question; covered items have none
            continue
        number = guide.position(item.question.id) + 1
        state = "missing" if item.status == MISSING else f"thin ({item.words} words so far)"
        lines.append(
            f"• {item.check.family}, {item.check.title}: {state}. Go back to question {number}, "
            f"“{item.question.short}”."
        )
    lines += law_lines(review, guide)
    if undecided:
        lines.append(undecided)
    lines.append("Say “take us there” to go to the first one.")
    return "\n".join(lines)


def law_lines(review: Review, guide: Guide) -> list[str]:
    """What the plan's state's law requires and is still open, then what strong agreements decide."""
    numbers = guide.clause_numbers()

    def named(requirement: Requirement) -> str:
        decision = requirement.question.decision
        return f"{numbers[requirement.question.id]} {decision.title if decision else requirement.question.short}"

    lines = [f"• Required by {review.state} law, not yet decided: {named(r)} ({r.statute})." for r in review.required]
    if review.recommended:
        state_clause = numbers[guide.special(STATE).id]
        where = (
            ""
            if review.state
            else " (your state is not one whose SRO law the guidance covers: these are recommendations only)"
            if review.state_chosen
            else f" (say which state you are in, clause {state_clause}, to see what its law requires)"
        )
        lines.append(
            f"• Recommended, as strong agreements decide them{where}: "
            + ", ".join(named(r) for r in review.recommended)
            + "."
        )
    return lines


def undecided_line(review: Review, guide: Guide) -> str:
    if not review.undecided:
        return ""
    numbers = guide.clause_numbers()
    named = ", ".join(f"{numbers[q.id]} {q.decision.title if q.decision else q.short}" for q in review.undecided)
    return f"• Clauses not yet decided (gaps in the draft): {named}."


def revise_prompt(answer: AnswerView, guide: Guide) -> str:
    who = answer.speaker
    question = guide.question(answer.question_id)
    return (
        f"The last answer ({who}, on “{question.short}”) reads:\n“{excerpt(answer.text)}”\n"
        "Type the new wording now. The earlier text stays in the history. "
        "Say “cancel” to keep it as it is."
    )


def explanation(guide: Guide, question: Question) -> str:
    follow_ups = "\n".join(f"• {prompt}" for prompt in question.follow_ups)
    return (
        f"Why this matters: {question.why}\nTo take it further:\n{follow_ups}\nSource: {guide.cite(question.source)}."
    )


def review(guide: Guide, question: Question, by_question: dict[str, list[AnswerView]]) -> str:
    lines = [f"What has been said on “{question.short}”:"]
    lines += _answer_lines(by_question.get(question.id, [])) or ["  Nothing yet."]
    section = guide.section(question.section_id)
    others = [q for q in section.questions if q.id != question.id]
    if others:
        lines.append(f"Elsewhere in {section.title}:")
        for other in others:
            count = len(by_question.get(other.id, []))
            lines.append(f"  {other.short}: {plural(count, 'answer')}")
    return "\n".join(lines)


def _answer_lines(answers: Iterable[AnswerView]) -> list[str]:
    return [
        f"  • {capitalised(a.speaker)}: {excerpt(a.text)}" + (" (revised)" if a.was_revised else "") for a in answers
    ]


def excerpt(text: str, limit: int = REVIEW_EXCERPT) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}… ({len(text) - limit:,} more characters in the documents)"


def progress_report(progress: Progress) -> str:
    lines = [f"{progress.answered} of {progress.total} questions answered."]
    for section in progress.sections:
        mark = "✓" if section.answered == section.total else " "
        lines.append(f" {mark} {section.title}: {section.answered}/{section.total}")
    if progress.skipped:
        lines.append("Left open: " + "; ".join(q.short for q in progress.skipped) + ".")
    lines.append(f"Now on: {progress.current.short}." if progress.current else FINISHED)
    return "\n".join(lines)


def exported(files: ExportedFiles) -> str:
    return (
        "Both documents are ready (on the meeting page under “Documents”; in the exports folder for the operator):\n"
        f"• Draft MOU: {files.draft_mou.name}\n"
        f"• Discussion summary: {files.summary.name}\n"
        "The draft MOU is a starting point for your counsel to review; highlighted "
        "“To be decided” items still need the committee."
    )


def finished(progress: Progress, files: ExportedFiles) -> str:
    still_open = progress.total - progress.answered
    opening = "That was the last question. "
    if still_open:
        opening += (
            f"{still_open} question{'s are' if still_open != 1 else ' is'} still open (they appear as placeholders). "
        )
    return opening + exported(files)


def speaker_set(name: str, role: str) -> str:
    return f"Noted: {name} ({role}) is speaking. Their answers will be attributed to them until you name someone else."


def paused(code: str) -> str:
    return f"Paused. Everything is saved. To carry on later, say “resume {code}”. Your plan code is {spell_code(code)}."


def stray_answer_saved(recorded: RecordedAnswer) -> str:
    return (
        f"{answer_saved(recorded)} It went under “{recorded.question.short}”. "
        "The discussion is paused: say “continue” to carry on."
    )


def plan_code(state: PlanState | None) -> str:
    return f"Your plan code is {spell_code(state.code)}." if state else NO_PLAN


# What each command does, in the words of a button: "Save it as an answer" or one of these.
COMMAND_WORDS = {
    "greet": "Say hello",
    "goodbye": "Pause the plan and say goodbye",
    "start_plan": "Start a new plan",
    "resume_plan": "Open a paused plan",
    "skip": "Skip this question",
    "next_question": "Go to the next question",
    "go_back": "Go back a question",
    "repeat_question": "Repeat the question",
    "explain": "Explain why this is asked",
    "review_answers": "Show the answers so far",
    "change_answer": "Change the last answer",
    "cancel": "Cancel the change",
    "progress": "Show our progress",
    "export_documents": "Export the documents",
    "pause": "Pause the plan",
    "help": "Show what I can do",
    "show_plan_code": "Show the plan code",
    "keep_answer": "Keep the flagged answer as written",
    "check_plan": "Check what is missing",
    "go_to_gap": "Go to the first gap",
    "show_clause": "Show that clause",
    "change_clause": "Change that clause",
    "accept_article": "Use the proposed wording for that article",
    "undo": "Undo the last step",
    # A message that reads as an answer and as a question (addons/faq_selector.py).
    "ask_guidance": "Answer it as a question",
}
SAVE_AS_ANSWER = "Save it as an answer"


def command_or_answer(text: str, command: str) -> str:
    return (
        f"“{excerpt(text, 120)}” could be an answer or “{COMMAND_WORDS[command].lower()}”. "
        "Which did you mean? Tap one, or say “save it as an answer”. Nothing is done until you "
        "choose; if you carry on without choosing, I keep it as an answer."
    )


def answer_withdrawn(answer: AnswerView) -> str:
    return (
        f"Taken back: {answer.speaker}'s answer “{excerpt(answer.text, 120)}”. It is out of the "
        "draft MOU and the summary; the plan's record keeps it."
    )


def move_undone(state: PlanState) -> str:
    return f"Undone. {went_back(state)}"
