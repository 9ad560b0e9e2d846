"""A message much longer than any command is an answer, whatever words it contains.

The committee's answers often use the words of control phrases ("review", "explain",
"go back", "skip arrests"). The classifier separates most of them, but an answer it takes
for a command is not stored, which is worse than a command taken for an answer (that one
is saved visibly and can be changed). So a message longer than a command ever is is the
answer intent without the classifier reading it (addons/command_classifier.py), and after the
classifier, so is a message that opens with a speaker's name ("Sam Green: ..."): no command
has that shape. A message taken for a question about the
guidance must look like a question or a request ("...?", "what ...", "tell us ..."); otherwise
it is an answer that happens to use the guidance's words.

It runs right after the intent classifier: the FAQ selector then reads only messages still
taken as questions, and the fallback after it decides on the classifier's confidence and
ranking alone, which this leaves as they were.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from addons.components import RuleComponent

# A command or a question is under 20 words; an answer of 20 words or more is never asked
# about. Below that the classifier and the asking rule decide: commands said as people say them
# run to 15 words ("can you produce the draft MOU and the summary for us"), and a limit of 8
# turned a third of those written blind into answers.
MAX_COMMAND_WORDS = 19


def longer_than_a_command(text: str | None) -> bool:
    """An answer, whatever its words: the classifier does not read it (addons/command_classifier.py)."""
    return len((text or "").split()) > MAX_COMMAND_WORDS


# One to five words before a colon, then the answer: "Ms. Ortiz: we agree".
SPEAKER_PREFIX = re.compile(r"^\s*[^\s:?]+(?: [^\s:?]+){0,4}:\s*\S")


# How a question opens, when it does not end with "?".
QUESTION_OPENERS = {
    "what",
    "what's",
    "whats",
    "how",
    "how's",
    "who",
    "who's",
    "whom",
    "whose",
    "why",
    "when",
    "where",
    "which",
    "can",
    "could",
    "should",
    "would",
    "will",
    "is",
    "are",
    "does",
    "do",
    "did",
    "may",
    "must",
    "any",
    "quick",
    "question",
    "faq",
    "meaning",
    "definition",
}
# A request to the assistant ("explain the four roles", "tell us about FERPA"). The same verbs
# open answers in the imperative ("Explain to students what the SRO does", "Help students who
# struggle..."), so the word after the verb decides.
REQUEST_VERBS = {"tell", "explain", "define", "describe", "list", "give", "walk", "remind", "show", "help", "find"}
DETERMINERS = set("the a an our their this that these those every each all".split())
REQUEST_OBJECTS = {
    "me",
    "us",
    "about",
    "the",
    "a",
    "an",
    "our",
    "what",
    "what's",
    "how",
    "who",
    "why",
    "when",
    "where",
    "which",
    "whether",
}


# A question's grammar: a question word then a verb ("when is the board meeting", "how many
# hours does the officer work"), or a verb then who or what it asks about ("can the officer
# search a backpack without a parent", "do SROs carry tasers at the middle school"). Answers open
# with the same words but go on otherwise: "Do not share records", "Should be reviewed each
# spring", "What's left in the budget goes to training", "Any change needs approval".
AUXILIARIES = set("is are was were does do did can could should would will may must".split())
SUBJECTS = set(
    "the a an this that these those there it we you they he she i our your their his her its my any all some"
    " every each anyone police officers officer sros sro students student parents schools staff".split()
)
QUESTION_WORDS = set("what how who whom whose why when where which".split())
AFTER_QUESTION_WORD = AUXILIARIES | set("much many long often far soon".split())
QUESTION, MAYBE = "question", "maybe"


def words_of(text: str) -> list[str]:
    """The message's words as compared with the lists above: lower case, no trailing punctuation."""
    return [w.strip(",:;.!").casefold() for w in text.split()]


def question_shape(text: str) -> str | None:
    """QUESTION when the message is put as a question, MAYBE when it only opens like one (it
    may be an answer: "What's left in the budget goes to training"), None otherwise."""
    stripped = text.strip()
    if stripped.endswith("?"):
        return QUESTION
    if "?" in stripped:
        return None  # an answer restating its question: "who pays for training? the district does"
    said, words = stripped.split(), words_of(stripped)
    if words[:1] == ["please"]:
        said, words = said[1:], words[1:]
    if (
        len(words) > 2
        and not said[1].endswith((":", ","))
        and (
            (words[0] in QUESTION_WORDS and words[1] in AFTER_QUESTION_WORD)
            or (words[0] in AUXILIARIES and words[1] in SUBJECTS)
        )
    ):
        return QUESTION
    if not words or (words[0] in AUXILIARIES and words[1:2] in (["not"], ["be"])):
        return None  # "Do not share records", "Should be reviewed each spring"
    if words[0] in QUESTION_OPENERS:
        return MAYBE
    if words[0] in REQUEST_VERBS and len(words) > 1 and words[1] in REQUEST_OBJECTS:
        return MAYBE
    return None


def reads_as_a_rule(text: str) -> bool:
    """A request verb and then a thing, not a person ("Show the complaint form on the district
    website"), or "any" without a question mark ("Any search requires an administrator"): as
    likely the committee's decision as a request to the assistant ("show us ...", "any tips?")."""
    words = words_of(text)
    if text.strip().endswith("?") or len(words) < 3:
        return False
    return words[0] == "any" or (words[0] in REQUEST_VERBS and words[1] in DETERMINERS)


def looks_like_a_question(text: str) -> bool:
    return question_shape(text) is not None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LongMessageIsAnswer(RuleComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "answer_intent": "give_answer",
            # Intents whose messages may carry "Name: ..." (the speaker action stores those).
            "attributed_commands": ["set_speaker", "resume_plan", "start_plan"],
            "question_intents": ["faq", "out_of_scope"],
        }

    def process(self, messages: list[Message]) -> list[Message]:
        answer = self.config["answer_intent"]
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            if name is None or name == answer:
                continue
            text = message.get(TEXT) or ""
            attributed = SPEAKER_PREFIX.match(text) and name not in self.config["attributed_commands"]
            statement = name in self.config["question_intents"] and not looks_like_a_question(text)
            if attributed or statement:
                message.set(
                    INTENT,
                    {INTENT_NAME_KEY: answer, PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY)},
                    add_to_output=True,
                )
        return messages
