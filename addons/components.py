"""What the project's NLU components share: Rasa's graph-component plumbing, written once.

`RuleComponent` decides from its configuration alone (the answer guard, resume by code).
`LearnedComponent` learns something small from the training data (a vocabulary, examples) and
keeps it in the model as JSON (and numbers as NumPy arrays), never as a pickled object. `decide`
and `add_entities` write a component's decision into the message.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
from contextlib import nullcontext
from typing import Any

import numpy as np
import numpy.typing as npt
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message
from typing_extensions import Self


def decide(message: Message, intent: str, confidence: float | None) -> None:
    """The message's intent, alone in its ranking: the fallback compares the ranking's first two,
    and a decision by a rule is not a close call between them."""
    decided = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence}
    message.set(INTENT, decided, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [decided], add_to_output=True)


def add_entities(message: Message, extractor: str, found: dict[str, str]) -> None:
    entities = [{ENTITY_ATTRIBUTE_TYPE: k, ENTITY_ATTRIBUTE_VALUE: v, EXTRACTOR: extractor} for k, v in found.items()]
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), *entities], add_to_output=True)


class CodeInFingerprint:
    """Rasa's training cache knows a component by its class name, configuration and inputs; a
    component that learns or computes something adds its module's code, so that a changed one is
    trained again instead of restored from the cache (a file stored in an older shape would fail
    only when the model loads; features computed the old way would train the classifier)."""

    # Modules besides its own whose code shapes what a component learns.
    LEARNS_WITH: tuple[str, ...] = ()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        sources = [inspect.getsource(sys.modules[name]) for name in (cls.__module__, *cls.LEARNS_WITH)]
        return hashlib.sha256("\n".join(sources).encode()).hexdigest()


class RuleComponent(GraphComponent, IntentClassifier):
    """Runs after the intent classifier and corrects it by a rule."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        return cls(config)


class LearnedComponent(CodeInFingerprint, GraphComponent, IntentClassifier):
    """Trains on the raw training examples and keeps what it learned as JSON in the model.
    Subclasses implement `train` (which hands what it learned to `store`) and `setup` (which
    takes it back when `load` reads it)."""

    STORED = "learned.json"  # each subclass names its own file
    ARRAYS = "arrays.npz"  # with the arrays it learned, if any (loaded without pickle)

    @classmethod
    def required_components(cls) -> list[type]:
        return []  # it reads the classifier's intent when it runs; it trains on raw examples

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        return cls(config, model_storage, resource)

    def store(self, learned: Any, **arrays: npt.NDArray[Any]) -> Resource:
        with self.model_storage.write_to(self.resource) as directory:
            (directory / self.STORED).write_text(json.dumps(learned))
            if arrays:
                np.savez(directory / self.ARRAYS, **arrays)
        return self.resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Self:
        component = cls(config, model_storage, resource)
        with model_storage.read_from(resource) as directory:
            stored = directory / cls.ARRAYS
            with np.load(stored, allow_pickle=False) if stored.exists() else nullcontext({}) as arrays:
                component.setup(json.loads((directory / cls.STORED).read_text()), **dict(arrays))
        return component

    def setup(self, learned: Any, **arrays: npt.NDArray[Any]) -> None:
        raise NotImplementedError
