"""Intent recognition on held-out phrasings (tests/nlu_heldout.yml, none of them in the
training data), parsed by the running Rasa server. Prints the per-intent F1."""

import re
from pathlib import Path

import pytest
import yaml
from sklearn.metrics import classification_report, f1_score

from bot.plans.codes import CODE_WORDS
from bot.plans.members import parse_speaker

HELDOUT = Path(__file__).with_name("nlu_heldout.yml")
# Written blind to the training data and never tuned on (the file says how).
FRESH = Path(__file__).with_name("nlu_heldout_fresh.yml")
TRAINING = Path(__file__).parent.parent / "data" / "nlu.yml"
SHORT_ANSWERS = Path(__file__).parent / "data" / "short_answers.yml"
# Written blind, like FRESH: never tuned on.
SHORT_ANSWERS_FRESH = Path(__file__).parent / "data" / "short_answers_fresh.yml"
DOMAIN = Path(__file__).parent.parent / "domain.yml"
ANSWER = "give_answer"
ASKED = "command_or_answer"  # asked about: stored only if the committee says it is an answer


# What the running server made of each held-out line: the measure over both sets reads the
# parses the measures of each set made.
PARSED: dict[str, str] = {}


def intent_of(assistant, text: str) -> str:
    if text not in PARSED:
        PARSED[text] = assistant.parse(text)["intent"]["name"]
    return PARSED[text]


def same(text: str) -> str:
    """A line as compared with another: case and closing punctuation do not make it new."""
    return re.sub(r"[\s.!?,;:]+$", "", text.casefold())


def examples(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text())
    return [
        (line.strip()[2:].strip(), block["intent"])
        for block in data["nlu"]
        if "intent" in block
        for line in block["examples"].splitlines()
        if line.strip()
    ]


@pytest.mark.parametrize(("path", "least"), [(HELDOUT, 10), (FRESH, 4)], ids=["heldout", "fresh"])
def test_heldout_examples_are_new_and_plentiful(path, least):
    heldout = examples(path)
    training = {same(text) for text, _ in examples(TRAINING)}
    assert not [text for text, _ in heldout if same(text) in training]
    counts = {}
    for _, intent in heldout:
        counts[intent] = counts.get(intent, 0) + 1
    assert all(count >= least for intent, count in counts.items()), counts


def test_intent_f1_on_heldout_phrasings(assistant):
    heldout = examples(HELDOUT)
    truth = [intent for _, intent in heldout]
    # Inside a question, nlu_fallback is stored as an answer (the form's from_text
    # mapping takes it), so for answers it counts as right; for a command it is a miss.
    predicted = [intent_of(assistant, text) for text, _ in heldout]
    # An answer asked about is stored once the committee says so: kept, after one question.
    scored = [ANSWER if p in ("nlu_fallback", ASKED) and t == ANSWER else p for t, p in zip(truth, predicted)]
    print("\nHeld-out intent recognition (nlu_fallback and asked-about counted as an answer for answers):")
    print(classification_report(truth, scored, zero_division=0))
    controls = sorted(set(truth) - {ANSWER})
    macro = f1_score(truth, scored, labels=controls, average="macro", zero_division=0)
    answer_recall = sum(p == ANSWER for t, p in zip(truth, scored) if t == ANSWER) / truth.count(ANSWER)
    asked = sum(p == ASKED for t, p in zip(truth, predicted) if t == ANSWER) / truth.count(ANSWER)
    print(
        f"control intents macro F1 {macro:.3f}; answers kept as answers {answer_recall:.3f} "
        f"(asked about first: {asked:.3f}); commands understood on first try {first_try(truth, predicted):.3f}"
    )
    # Guards the level reached (0.953 on 2026-12-02, fourth session; issue 14 asks 0.93).
    assert macro >= 0.93
    # An answer taken for a command would not be stored: this must stay near perfect.
    assert answer_recall >= 0.95


def first_try(truth: list[str], predicted: list[str]) -> float:
    commands = [(t, p) for t, p in zip(truth, predicted) if t != ANSWER]
    return sum(t == p for t, p in commands) / len(commands)


def test_commands_written_blind_are_understood(assistant):
    """Commands only: every one missed is a command the committee must say again (or, inside a
    question, one asked about or stored as an answer, which undo takes back)."""
    heldout = examples(FRESH)
    truth = [intent for _, intent in heldout]
    predicted = [intent_of(assistant, text) for text, _ in heldout]
    print("\nCommands written blind (tests/nlu_heldout_fresh.yml):")
    print(classification_report(truth, predicted, labels=sorted(set(truth)), zero_division=0))
    missed: dict[str, int] = {}
    for t, p in zip(truth, predicted):
        if t != p:
            missed[p] = missed.get(p, 0) + 1
    print(f"commands understood on first try {first_try(truth, predicted):.3f}; the misses were taken as {missed}")
    # Guards the level reached (2026-12-02: 0.54 before the fresh training phrasings, 0.888 of
    # 169 in the fourth session, 0.935 of 338 in the fifth; 0.898 of 695 in the seventh, after two
    # blind batches of loosely relayed commands, 0.727 and 0.907 when first measured; 0.877 of 773
    # in the eighth, whose blind batch in six committee members' voices scored 0.718 when first
    # measured and 0.731 after the session's new phrasings; 0.886 of 860 in the ninth, whose blind
    # batch scored 0.805 on the starting code and 0.839 with the talk words of CommandOrAnswer;
    # 0.912 of 860 in the tenth, after 1,213 training lines written blind to every held-out set).
    assert first_try(truth, predicted) >= 0.86


def test_commands_are_understood_on_first_try_over_every_held_out_set(assistant):
    """Issue 14's measure: every held-out command, the older set's and the blind batches', acted
    on at once as the command it is (asked about, fallen back or taken for another: a miss)."""
    heldout = [*examples(HELDOUT), *examples(FRESH)]
    truth = [intent for _, intent in heldout]
    score = first_try(truth, [intent_of(assistant, text) for text, _ in heldout])
    commands = sum(intent != ANSWER for intent in truth)
    print(f"\nCommands understood on first try over every held-out set, of {commands}: {score:.3f}")
    # Issue 14 asks 0.93: 0.915 of 1,211 in the thirteenth session; 0.932 of 1,327 in the
    # fourteenth, with the nearest phrasings (addons/command_or_answer.py) and a tenth blind batch
    # (0.845 of its 116 on the session's starting code, 0.888 on its final code).
    assert score >= 0.92


def kept_by_its_action(text: str, intent: str) -> bool:
    """Taken for naming a speaker but naming nobody, a message is stored as an answer
    (actions/controls.py, ActionSetSpeaker)."""
    return intent == "set_speaker" and parse_speaker(text) is None


def answer_controls() -> set[str]:
    """The intents that, inside a question, take a message instead of storing it (domain.yml)."""
    return set(yaml.safe_load(DOMAIN.read_text())["slots"]["answer"]["mappings"][0]["not_intent"])


@pytest.mark.parametrize("path", [SHORT_ANSWERS, SHORT_ANSWERS_FRESH], ids=["tuned-on", "blind"])
def test_short_answers_with_command_words_are_mostly_kept(assistant, path):
    """Short answers are the hardest to tell from commands. Inside a question, the answer slot
    takes every intent but the control intents it lists (domain.yml); a short answer given one
    of those is not stored, and one taken as `command_or_answer` is stored once the committee
    says it is an answer. This measures both and guards the levels reached; the misses show
    what to work on."""
    answers = yaml.safe_load(path.read_text())["answers"]
    training = {same(text) for text, _ in examples(TRAINING)}
    assert not [text for text in answers if same(text) in training]
    controls = answer_controls()
    taken = {text: assistant.parse(text)["intent"]["name"] for text in answers}
    asked = {text for text, intent in taken.items() if intent == ASKED}
    lost = {
        text: intent
        for text, intent in taken.items()
        if intent in controls and text not in asked and not kept_by_its_action(text, intent)
    }
    at_once = 1 - (len(lost) + len(asked)) / len(answers)
    kept = 1 - len(lost) / len(answers)
    print(
        f"\nShort answers inside a question ({path.name}), of {len(answers)}: kept at once {at_once:.3f}; "
        f"kept at once or after one question {kept:.3f}"
    )
    for text, intent in sorted(lost.items()):
        print(f"  {text!r}: taken as {intent}")
    for text in sorted(asked):
        print(f"  {text!r}: asked about")
    # Issue 14 asks 1.00 kept and 0.9 at once. Seventh session: kept 1.000 on every set ("We'll
    # revisit later.", taken for "skip" at 0.56, is asked about); at once 0.949-0.975.
    assert kept >= 0.97
    assert at_once >= 0.9


def test_long_answers_are_kept_without_a_question(assistant):
    """Answers of 20 to 400 words, made of the held-out answers run together as a committee
    member runs sentences together: none may be taken for a command or asked about."""
    sentences = [
        *yaml.safe_load(SHORT_ANSWERS.read_text())["answers"],
        *yaml.safe_load(SHORT_ANSWERS_FRESH.read_text())["answers"],
        *(text for text, intent in examples(HELDOUT) if intent == ANSWER),
    ]
    # Forty lengths spread over the range, each answer as many sentences as reach its length.
    targets = [20 + (k * 37) % 361 for k in range(40)]
    answers, current, following = [], [], iter(sentences * 50)
    for target in targets:
        while len(" ".join(current).split()) < target:
            current.append(next(following).rstrip(".") + ".")
        answers.append(" ".join(current))
        current = []
    assert min(len(a.split()) for a in answers) >= 20
    assert max(len(a.split()) for a in answers) <= 420
    controls = answer_controls() | {ASKED}
    taken = {text: assistant.parse(text)["intent"]["name"] for text in answers}
    missed = {text: intent for text, intent in taken.items() if intent in controls}
    kept = 1 - len(missed) / len(answers)
    longest = max(len(a.split()) for a in answers)
    print(f"\nLong answers (20 to {longest} words), of {len(answers)}: kept without a question {kept:.3f}")
    assert kept >= 0.99, missed


def test_a_message_longer_than_a_command_is_an_answer_unread(assistant):
    """20 words or more: the answer intent at full confidence, decided before the classifier
    (addons/command_classifier.py), even in nothing but command words; 19 words are still read."""
    commands = "next question skip go back export the documents pause repeat review undo help progress"
    long = f"{commands} resume start a new plan cancel"
    assert len(long.split()) == 20
    parsed = assistant.parse(long)
    assert parsed["intent"] == {"name": ANSWER, "confidence": 1.0}
    assert [r["name"] for r in parsed["intent_ranking"]] == [ANSWER]
    shorter = "The officer will patrol the halls before school and at lunch and will check in with the principal daily"
    assert len(shorter.split()) == 19
    assert len(assistant.parse(shorter)["intent_ranking"]) > 1  # the classifier ranked every intent


def test_resume_with_any_plan_code_is_a_request_to_resume(assistant):
    """Plan codes take a random word: whichever word a plan got, saying "resume" with its code
    opens it (addons/resume_by_code.py); an answer that only mentions a code is still an answer."""
    said = [f"resume {word.lower()} 417" for word in CODE_WORDS] + [f"please resume {CODE_WORDS[0]}-1234"]
    missed = [text for text in said if assistant.parse(text)["intent"]["name"] != "resume_plan"]
    assert missed == []
    assert assistant.parse("We resumed patrols near BROOK-417 last spring, and it went well")["intent"]["name"] != (
        "resume_plan"
    )


def test_a_place_named_like_a_plan_code_is_not_a_request_to_resume(assistant):
    """Code words are common place names: typed as a partner's name, they must not resume a plan."""
    for name in ("Cedar Falls Schools", "Maple Valley School District", "Oak Park Police Department", "Pine Ridge USD"):
        assert assistant.parse(name)["intent"]["name"] != "resume_plan", name
    assert assistant.parse("let's pick up where we left off")["intent"]["name"] == "resume_plan"


def test_a_message_that_only_names_a_speaker_sets_the_speaker(assistant):
    """Names are words the classifier never saw: the phrase around them decides
    (addons/speaker_by_shape.py)."""
    for text in ("Dr. Amaya Ruiz here", "now Priya", "Kofi Mensah will answer", "it's Coach Ferris now"):
        assert assistant.parse(text)["intent"]["name"] == "set_speaker", text
