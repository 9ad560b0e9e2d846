"""A short message that can only be naming who speaks ("Principal Okafor here", "now Grace",
"Elena Popescu will answer") is the request to set the speaker, whatever the classifier says.

Names are words the classifier never met in training, so it took many such messages for an
answer (stored under the previous speaker's name) or was unsure of them; the phrase around the
name has a fixed shape (bot.plans.members.names_a_speaker), so the shape decides, as a plan code's
does for resuming (addons/resume_by_code.py). It runs after the answer guard and before the
asking rule and the fallback.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from addons.components import RuleComponent, decide
from bot.plans.members import names_a_speaker


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SpeakerByShape(RuleComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": "set_speaker", "max_words": 8}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if len(text.split()) <= self.config["max_words"] and names_a_speaker(text):
                decide(message, self.config["intent"], 1.0)
        return messages
