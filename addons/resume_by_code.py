"""A short message that opens with "resume" (or "open", "continue", "reopen") and names a plan
code is a request to open that plan, whatever the classifier says; and a message that names no
code and uses none of resuming's words is not one, whatever the classifier says.

Plan codes are a random word and digits ("BROOK-417", said as "brook 417"), so the classifier
meets a word it never saw in training in every such message; for a few code words it took the
request for an answer. The code's shape is exact (bot.plans.codes.find_code), so the shape decides.
The code words are common place names, so the classifier also took "Cedar Falls Schools", typed
as the school partner's name while a plan is set up, for a request to resume: the name was lost.
It runs after the answer guard, before the fallback. The ranking becomes that one intent: the
fallback would otherwise find "resume north 417" ambiguous (the classifier gave the answer
intent 0.96) and discard the decision.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from addons.components import RuleComponent, decide
from bot.plans.codes import find_code

OPENING_WORDS = {"resume", "reopen", "open", "continue", "load"}
LEAD_INS = {"please", "let's", "lets", "we", "can", "could", "to"}
# Every way of asking to resume without a code uses one of these ("pick up where we left off",
# "back to our plan", "let's keep going"): data/nlu.yml's resume_plan examples.
RESUMING_WORDS = OPENING_WORDS | {
    "resum",
    "reload",
    "back",
    "pick",
    "plan",
    "code",
    "keep",
    "going",
    "return",
    "returning",
}


def asks_to_resume(text: str, max_words: int) -> bool:
    words = [w.strip(",:;.!?").casefold() for w in text.split()]
    if not words or len(words) > max_words:
        return False
    while len(words) > 1 and words[0] in LEAD_INS:
        words = words[1:]
    return words[0] in OPENING_WORDS and find_code(text) is not None


def could_ask_to_resume(text: str) -> bool:
    words = {w.strip(",:;.!?'").casefold() for w in text.split()}
    return find_code(text) is not None or bool(words & RESUMING_WORDS)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ResumeByCode(RuleComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": "resume_plan", "answer_intent": "give_answer", "max_words": 8}

    def process(self, messages: list[Message]) -> list[Message]:
        name = self.config["intent"]
        for message in messages:
            text = message.get(TEXT) or ""
            if asks_to_resume(text, self.config["max_words"]):
                decided = name
            elif (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == name and not could_ask_to_resume(text):
                decided = self.config["answer_intent"]
            else:
                continue
            decide(message, decided, 1.0)
        return messages
