"""Rasa's ResponseSelector, consulted only for messages the intent classifier took as a
question about the guidance.

The selector picks which FAQ answer fits (data/faq.yml) and is one of the largest costs of
Rasa's language understanding, yet only the `faq` intent ever uses its pick. Rasa runs it on
every message, answers and control phrases included; here it runs only on messages whose
intent is its retrieval intent. Training is ResponseSelector's own.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqSelector(ResponseSelector):
    def process(self, messages: list[Message]) -> list[Message]:
        asked = [m for m in messages if (m.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.retrieval_intent]
        super().process(asked)
        return messages
