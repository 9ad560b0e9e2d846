"""A message much longer than any command is an answer, whatever words it contains.

The committee's answers often use the words of control phrases ("review", "explain",
"go back", "skip arrests"). The classifier separates most of them, but an answer it takes
for a command is not stored, which is worse than a command taken for an answer (that one
is saved visibly and can be changed). So after the classifier, a message longer than a
command ever is becomes the answer intent, and so does a message that opens with a speaker's
name ("Sam Green: ..."): no command has that shape. A message taken for a question about the
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


def looks_like_a_question(text: str) -> bool:
    if text.strip().endswith("?"):
        return True
    words = [w.strip(",:;.!") for w in text.strip().lower().split()]
    if words[:1] == ["please"]:
        words = words[1:]
    if not words:
        return False
    if words[0] in QUESTION_OPENERS:
        return True
    return words[0] in REQUEST_VERBS and len(words) > 1 and words[1] in REQUEST_OBJECTS


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LongMessageIsAnswer(RuleComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "answer_intent": "give_answer",
            # A command or a question is under 20 words; an answer of 20 words or more is never
            # asked about. Below that the classifier and the asking rule decide: commands said as
            # people say them run to 15 words ("can you produce the draft MOU and the summary for
            # us"), and a limit of 8 here turned a third of those written blind into answers.
            "max_command_words": 19,
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
            if attributed or statement or len(text.split()) > self.config["max_command_words"]:
                message.set(
                    INTENT,
                    {INTENT_NAME_KEY: answer, PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY)},
                    add_to_output=True,
                )
        return messages
