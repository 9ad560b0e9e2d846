"""Picks the answer to a question about the guidance (faq/<topic>, data/faq.yml), or finds that
the guidance does not cover it, for messages read as a question.

Rasa's ResponseSelector did the first job with a neural model: 89 s of every training, and on
held-out phrasings it picked the right one of 50 answers less often (0.92) than a linear
support-vector classifier over TF-IDF word and character n-grams does (0.94, same data),
which scikit-learn fits in under half a second. The classifier also learns the out-of-scope
examples as one more class, so a question the guidance does not cover is told so instead of
getting the nearest topic's answer (held-out: 10 of 10, against 6 of 10 for the intent
classifier alone). It stores the examples in the model and fits scikit-learn's LinearSVC when
it loads (no pickled object in the model archive), and writes its pick where Rasa's own
selector writes it, for Rasa's `utter_faq` action to find.

It runs after the fallback and reads the messages the intent classifier took as a question
about the guidance or as out of scope, and short messages put as a question (addons/answer_guard.py
`question_shape`) that it took as an answer or was unsure of: ending with "?" (no answer in the
training or held-out data ends so, and the classifier gave "Do we still need our lawyers to review
this draft?" to the answer intent), or with a question's grammar ("when is the board meeting",
"can the officer search a backpack without a parent"). A message it took as an answer that only
opens like a question ("tell us ...", "any ...", "what's ...") reads both ways: answers open so too
("What's left in the budget goes to training.", "Any change to the schedule needs principal
approval."), and refusing one as out of scope lost the answer. The committee is asked which it
meant, as for a command that reads as an answer (addons/command_or_answer.py): the intent becomes
`command_or_answer`, the command `ask_guidance`, and the entity `topic` the response to give if it
was a question. When the classifier was unsure, such a message is taken as a question. One that
reads as a rule ("Show the complaint form on the district website", "Any search requires an
administrator") is asked about even when the classifier took it for a question: a committee's
decisions are often put so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.svm import LinearSVC

from addons.answer_guard import MAYBE, QUESTION, question_shape, reads_as_a_rule
from addons.components import LearnedComponent, add_entities, decide

FALLBACK = "nlu_fallback"  # the FallbackClassifier's intent: this runs after it
ANY, BOTH = "any", "both"
RANKING_LENGTH = 5


def fitted(texts: list[str], keys: list[str], c: float) -> Pipeline:
    """Words and pairs of words carry the topic; character n-grams carry misspellings and
    word forms ("searched", "bodycam")."""
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    return make_pipeline(features, LinearSVC(C=c, random_state=0)).fit(texts, keys)


def confidences(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """A softmax over the classifier's margins: a ranking score that sums to one, not a
    calibrated probability."""
    exp = np.exp(scores - scores.max())
    return np.asarray(exp / exp.sum(), dtype=np.float64)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqSelector(LearnedComponent):
    STORED = "faq_examples.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "retrieval_intent": "faq",
            "out_of_scope_intent": "out_of_scope",
            "answer_intent": "give_answer",
            # A message that reads both as an answer and as a question: asked about.
            "asking_intent": "command_or_answer",
            "command_entity": "command",
            "question_command": "ask_guidance",
            "topic_entity": "topic",
            # An answer ending with "?" is read as a question only up to this length: a long
            # answer may close on a rhetorical one (the answer guard's limit for questions).
            "max_question_words": 16,
            "C": 1.0,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, model_storage, resource)
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.model: Pipeline | None = None

    @property
    def retrieval_intent(self) -> str:
        return str(self.config["retrieval_intent"])

    def train(self, training_data: TrainingData) -> Resource:
        prefix = f"utter_{self.retrieval_intent}/"
        out_of_scope = self.config["out_of_scope_intent"]
        examples = [
            (m.get(TEXT), m.get(INTENT_RESPONSE_KEY) if m.get(INTENT) == self.retrieval_intent else out_of_scope)
            for m in training_data.intent_examples
            if (m.get(INTENT) == self.retrieval_intent and m.get(INTENT_RESPONSE_KEY)) or m.get(INTENT) == out_of_scope
        ]
        responses = {k: v for k, v in training_data.responses.items() if k.startswith(prefix)}
        return self.store({"examples": examples, "responses": responses})

    def setup(self, learned: Any, **arrays: Any) -> None:
        """Fitted here, at load, from the stored examples: nothing pickled is kept in the model."""
        self.responses = learned["responses"]
        texts, keys = [t for t, _ in learned["examples"]], [k for _, k in learned["examples"]]
        self.model = fitted(texts, keys, self.config["C"]) if texts else None

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        for message in messages:
            reading = self.reading(message)
            if reading is not None:
                self._select(message, reading)
        return messages

    def reading(self, message: Message) -> str | None:
        """How far this may take the message as a question: ANY pick, BOTH (it reads as an answer
        too), or not at all."""
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        text = (message.get(TEXT) or "").strip()
        short = len(text.split()) <= self.config["max_question_words"]
        if intent in (self.retrieval_intent, self.config["out_of_scope_intent"]):
            return BOTH if short and reads_as_a_rule(text) else ANY
        if intent not in (self.config["answer_intent"], FALLBACK) or not short:
            return None
        shape = question_shape(text)
        if shape == QUESTION or (shape == MAYBE and intent == FALLBACK and not reads_as_a_rule(text)):
            return ANY
        return BOTH if shape == MAYBE else None

    def _select(self, message: Message, reading: str) -> None:
        assert self.model is not None
        scores = self.model.decision_function([message.get(TEXT) or ""])[0]
        shares = confidences(scores)
        order = np.argsort(-scores)[:RANKING_LENGTH]
        keys = self.model.classes_
        best = str(keys[order[0]])
        out_of_scope = self.config["out_of_scope_intent"]
        confidence = (message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY)
        if reading == BOTH:  # asked: an answer, or a question answered by this pick?
            decide(message, self.config["asking_intent"], confidence)
            found = {
                self.config["command_entity"]: self.config["question_command"],
                self.config["topic_entity"]: f"utter_{best}",
            }
            add_entities(message, type(self).__name__, found)
            return
        # The intent follows the pick, alone in the ranking.
        intent = out_of_scope if best == out_of_scope else self.retrieval_intent
        decide(message, intent, confidence)
        if intent != self.retrieval_intent:
            return
        utter_action = f"utter_{best}"
        selected = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(utter_action, []),
                PREDICTED_CONFIDENCE_KEY: float(shares[order[0]]),
                INTENT_RESPONSE_KEY: best,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {INTENT_RESPONSE_KEY: str(keys[i]), PREDICTED_CONFIDENCE_KEY: float(shares[i])} for i in order
            ],
        }
        properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
        properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [self.retrieval_intent]
        properties[self.retrieval_intent] = selected
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
