"""Rasa's whitespace tokenizer, keeping only the first words of a message for the classifiers.

Every command and every question about the guidance is under 20 words, and a message of 20 words
or more is an answer whatever the classifiers say (addons/answer_guard.py counts the words of the
whole text). So the featurizers and classifiers need only a message's opening: a 400-word
answer then costs them what a 24-word one does. Only the message text is cut; response texts
(the FAQ answers the ResponseSelector learns) keep every word.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FirstWordsTokenizer(WhitespaceTokenizer):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # No word of a command is longer than 40 characters; a 200,000-character "word" would
        # cost the character n-gram featurizer seconds of the Rasa server's event loop.
        return {**WhitespaceTokenizer.get_default_config(), "max_tokens": 24, "max_token_chars": 40}

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens: list[Token] = super().tokenize(message, attribute)
        if attribute != TEXT:
            return tokens
        longest = self._config["max_token_chars"]
        return [
            token if len(token.text) <= longest else Token(token.text[:longest], token.start, token.start + longest)
            for token in tokens[: self._config["max_tokens"]]
        ]
