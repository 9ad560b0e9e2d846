"""What the benchmark's committees say: realistic answers about an SRO partnership built from
a word bank, the control phrases a facilitator uses, FAQ questions, and the starter bot's own
example messages. Every generator takes a random.Random, so a run can be repeated."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

# The setup dialogue of tests/test_conversation.py's start_plan, with a different district per
# committee so the plans are told apart in the database.
MEMBERS = "Maria Ortiz, principal; Officer Dan Lee, SRO; Sam Green, parent"
DISTRICTS = (
    "Lincoln Unified School District",
    "Cedar Valley Schools",
    "Riverside County Schools",
    "Maple Grove Independent School District",
    "Harbor City Public Schools",
    "North Fork School District",
    "Pine Ridge Unified",
    "Westbrook Area Schools",
)
AGENCIES = (
    "Lincoln Police Department",
    "Cedar Valley Police Department",
    "Riverside County Sheriff's Office",
    "Maple Grove Police Department",
    "Harbor City Police",
    "North Fork Sheriff's Office",
    "Pine Ridge Police Department",
    "Westbrook Police Department",
)
PLAN_CODE = re.compile(r"Your plan code is ([A-Z]+-\d{3})")

# Names an answer may start with ("Ms. Ortiz: ..."): registered members, their short forms, and
# titled newcomers. Each is taken as the speaker, so the stored text is what follows the colon.
SPEAKERS = (
    "Maria Ortiz",
    "Ms. Ortiz",
    "Principal Ortiz",
    "Officer Dan Lee",
    "Officer Lee",
    "Sam Green",
    "Mr. Green",
    "Dr. Patel",
    "Coach Rivera",
    "Sergeant Alvarez",
    "Mrs. Chen",
)
NEXT_SPEAKER = (
    "Officer Dan Lee speaks next",
    "Sam Green speaks next",
    "Ms. Ortiz speaks next",
    "Maria Ortiz speaks next",
)
CONTROLS = {
    "next": ("next",),
    "back": ("go back",),
    "review": ("review",),
    "repeat": ("repeat the question",),
    "progress": ("how far along are we",),
}
# Asked by the committee mid-question; used only when the model classifies them as an FAQ.
FAQ_CANDIDATES = (
    "What is a school resource officer?",
    "What are the four roles of an SRO?",
    "What training should an SRO have?",
    "Who supervises the SRO?",
    "Can the SRO look at student records?",
    "What does an MOU between a school and police department cover?",
    "Should the SRO be involved in school discipline?",
    "How should we collect data on SRO activity?",
    "How do we handle complaints about the SRO?",
    "How often should the MOU be reviewed?",
)

# --- the word bank ---------------------------------------------------------------------

OPENERS = (
    "",
    "",
    "",
    "We agreed that",
    "Our view is that",
    "From the district's side,",
    "Speaking for the agency,",
    "Parents told us that",
    "In our experience,",
    "The committee feels that",
    "Students said that",
    "For the record,",
    "Our counsel suggested that",
    "I would add that",
    "Honestly,",
    "After last year's listening sessions, we think",
    "To be clear,",
    "As a parent, I believe",
)
SUBJECTS = (
    "the SRO",
    "the school resource officer",
    "the principal",
    "the district",
    "the agency",
    "the counselors",
    "the assistant principal",
    "teachers",
    "the sergeant who supervises the SRO",
    "the partnership",
    "the school board",
    "the MOU",
    "each campus",
    "the safety team",
    "the superintendent's office",
    "the police chief",
    "the officer assigned to the high school",
    "the committee",
    "school administrators",
    "the district's attorney",
)
MODALS = ("should", "will", "must", "needs to", "is expected to", "ought to", "can", "would")
ACTIONS = (
    "build trust with students through daily informal contact in the hallways and at lunch",
    "attend the monthly partnership meeting and bring the latest activity data",
    "complete forty hours of training in adolescent development before starting on campus",
    "share information only as FERPA and state law allow",
    "report data on arrests, citations and referrals every semester",
    "leave routine discipline such as dress code or tardiness to administrators",
    "coordinate emergency drills with the school safety team",
    "meet with the principal at the start of every week to go over concerns",
    "review the agreement each summer before the school year begins",
    "publish the annual report on the district website in plain language",
    "teach a law-related education unit when a teacher invites it",
    "respond to crimes in progress and to credible threats to safety",
    "follow the agency's use-of-force policy on campus without exception",
    "refer students to counseling and community services before considering an arrest",
    "keep body-worn camera practice consistent with agency policy and student privacy",
    "document every search and every arrest made on school grounds",
    "accept complaints through a form available in several languages",
    "take part in de-escalation and crisis intervention training every year",
    "stay out of interviews held for school disciplinary matters",
    "wear the standard uniform unless the principal and the agency agree otherwise",
    "explain the officer's role to families at back-to-school night",
    "work with special education staff before any contact with a student who has a behavior plan",
    "keep a written record of every information request and its legal basis",
    "agree on who pays for the officer's salary, overtime, vehicle and equipment",
    "hold a joint training with teachers on threat assessment",
    "ask students every spring how safe and respected they feel at school",
    "name one supervisor at the agency who answers the principal's calls",
    "follow the chain of command in the agreement when the two sides disagree",
    "mentor students who want to learn about careers in public safety",
    "set aside time for restorative conversations after a conflict",
    "track referrals to law enforcement by race, gender and disability status",
    "give the school board a copy of the signed agreement",
    "treat ordinary adolescent behavior as a matter for educators, not for the justice system",
    "check in with the counseling team before approaching a student in crisis",
    "make sure substitute officers receive the same briefing as the regular SRO",
)
TAILS = (
    "",
    "",
    "",
    "so that families know what to expect",
    "as the COPS guidance recommends",
    "and the committee will revisit this in a year",
    "because trust takes time to build",
    "unless a crime is involved",
    "in line with state law",
    "and we want that written plainly in the agreement",
    "so that nobody is surprised later",
    "which several parents raised at the forum",
    "even when the campus is short staffed",
    "starting with the fall semester",
    "and the data should be shared with the public",
    "as long as the budget allows it",
)
STANDALONE = (
    "Our students have told us that the way an officer greets them in the morning matters more than any policy.",
    "We had two incidents last spring where nobody knew who was in charge, and we do not want that again.",
    "The agency is willing to adjust shift hours to match the bell schedule.",
    "Several teachers are worried that an officer in the hallway will make some students feel watched.",
    "The board will want to see measurable goals before it renews the agreement.",
    "We should start small, evaluate after one semester, and then decide whether to expand.",
    "Our middle schools have different needs from the high school, and the agreement should say so.",
    "Community groups asked for a seat at the table when the agreement is reviewed.",
    "The officer's annual evaluation should include input from the principal.",
    "We do not yet know how the state's new reporting law affects this section.",
    "Let's note that this point needs a second conversation with counsel.",
    "The union contract may limit what we can require, so the agency will check.",
)


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(STANDALONE)
    opener, subject = rng.choice(OPENERS), rng.choice(SUBJECTS)
    clause = f"{subject} {rng.choice(MODALS)} {rng.choice(ACTIONS)}"
    tail = rng.choice(TAILS)
    text = f"{opener} {clause}" if opener else clause
    text = f"{text}, {tail}" if tail else text
    return text[0].upper() + text[1:] + "."


def answer_words(rng: random.Random) -> int:
    """An answer's length: most are a few sentences, some a long statement (20 to 400 words)."""
    roll = rng.random()
    if roll < 0.55:
        return rng.randint(20, 80)
    if roll < 0.88:
        return rng.randint(80, 200)
    return rng.randint(200, 400)


def answer_text(rng: random.Random, words: int | None = None) -> str:
    target = words or answer_words(rng)
    sentences: list[str] = []
    count = 0
    while count < target:
        sentence = _sentence(rng)
        size = len(sentence.split())
        if count >= 20 and count + size > 400:
            break
        sentences.append(sentence)
        count += size
    return " ".join(sentences)


# --- the planner's committees ------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    kind: str  # setup, answer, named_answer, speaker, next, back, review, repeat, progress, faq
    text: str
    stored: str | None = None  # the text the database should hold afterwards, for answers


def setup_turns(index: int) -> list[Say]:
    return [
        Say("setup", "start a new plan"),
        Say("setup", DISTRICTS[index % len(DISTRICTS)]),
        Say("setup", AGENCIES[index % len(AGENCIES)]),
        Say("setup", MEMBERS),
    ]


def committee_turns(rng: random.Random, questions: int, faq: Sequence[str] = ()) -> Iterator[Say]:
    """After setup: an endless, realistic meeting. The position is tracked so that `next` never
    passes the last question (which would end the plan and export it) and `go back` never
    tries to go before the first."""
    weights = {
        "named_answer": 38,
        "answer": 20,
        "speaker": 5,
        "next": 12,
        "back": 4,
        "review": 6,
        "repeat": 5,
        "progress": 5,
        "faq": 5 if faq else 0,
    }
    if not faq:
        weights["answer"] += 5
    kinds, cumulative = list(weights), list(weights.values())
    position = 0
    while True:
        kind = rng.choices(kinds, cumulative)[0]
        if kind == "next" and position >= questions - 2:
            kind = "back"
        elif kind == "back" and position == 0:
            kind = "next"
        if kind == "next":
            position += 1
        elif kind == "back":
            position -= 1
        if kind == "named_answer":
            body = answer_text(rng)
            yield Say(kind, f"{rng.choice(SPEAKERS)}: {body}", stored=body)
        elif kind == "answer":
            body = answer_text(rng)
            yield Say(kind, body, stored=body)
        elif kind == "speaker":
            yield Say(kind, rng.choice(NEXT_SPEAKER))
        elif kind == "faq":
            yield Say(kind, rng.choice(list(faq)))
        else:
            yield Say(kind, rng.choice(CONTROLS[kind]))


# --- the starter bot ----------------------------------------------------------------------

STARTER_INTENTS = ("greet", "mood_great", "mood_unhappy", "affirm", "deny", "goodbye", "bot_challenge")


def starter_examples(nlu_file: Path) -> dict[str, list[str]]:
    """The example messages of the starter bot's data/nlu.yml, by intent."""
    data = yaml.safe_load(nlu_file.read_text())
    found: dict[str, list[str]] = {}
    for item in data.get("nlu", []):
        if item.get("intent") in STARTER_INTENTS:
            lines = [line.strip()[2:].strip() for line in str(item.get("examples", "")).splitlines()]
            found[item["intent"]] = [line for line in lines if line]
    missing = set(STARTER_INTENTS) - set(found)
    if missing:
        raise RuntimeError(f"{nlu_file} has no examples for {sorted(missing)}")
    return found


def starter_turns(rng: random.Random, examples: dict[str, list[str]]) -> Iterator[Say]:
    intents = sorted(examples)
    while True:
        intent = rng.choice(intents)
        yield Say(intent, rng.choice(examples[intent]))
