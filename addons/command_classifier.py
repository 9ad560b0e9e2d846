"""Rasa's DIET classifier, reading only the messages a command could be.

A message of 20 words or more is an answer whatever its words (addons/answer_guard.py), so what
the classifier made of it decided nothing but its confidence. Reading it cost the Rasa server
about 20 ms of a turn (measured in one process, 2026-12-03: a long answer parsed in 22 ms, a
short command in 13; the sentence encoder alone took 10 ms for the 24 words it reads), on
nearly every answer a committee gives. Such a message now gets the answer intent at once, with
full confidence: the fallback never holds one back, so outside a question it is kept as well.
Training is Rasa's own, on every example.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from addons.answer_guard import longer_than_a_command
from addons.components import decide


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class CommandClassifier(DIETClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DIETClassifier.get_default_config(), "answer_intent": "give_answer"}

    def process(self, messages: list[Message]) -> list[Message]:
        short = []
        for message in messages:
            if longer_than_a_command(message.get(TEXT)):
                decide(message, self.component_config["answer_intent"], 1.0)
            else:
                short.append(message)
        super().process(short)
        return messages
