"""A long message is handed to the action server as it arrives, so that its reading process
reads it while this server reads it too.

A message of 20 words or more is an answer (addons/answer_guard.py), and storing an answer
means reading it with spaCy (bot/reading/): 10 ms for a 90-word answer, 25-35 for 300 words.
That reading waited until this server had parsed the message, loaded the conversation and run
the question's form, about 10 ms in which the action server sat idle. Now the pipeline's second
step posts the text to the action server's `/read-ahead` (rasa_sdk_plugins), which hands it to
its reading process (actions/runtime.py); when the form stores the answer, the reading is done
or under way (AnswerReader.read, keyed by the exact text, so a reading is only ever used for the
same words). A message that turns out not to be an answer costs the reading process one reading.

The post goes from a thread of its own, not the message's path: it never delays a reply, and a
failed post only means the answer is read when it is stored, as before.

Tried first (twelfth session) with the reading in a thread of the action server, it gained
nothing: the reading and the server's own work took turns on one interpreter lock. In a process
of its own the reading runs on another core: answers' p50 fell by 6-7 ms (same-hour A/Bs of 264
turns each, twice; README, Speed).
"""

from __future__ import annotations

import http.client
import json
import logging
import queue
import threading
from typing import Any
from urllib.parse import urlsplit

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from typing_extensions import Self

from addons.answer_guard import longer_than_a_command
from bot.settings import ActionServerCall

logger = logging.getLogger(__name__)
PATH = "/read-ahead"  # rasa_sdk_plugins.READ_AHEAD_PATH
WAITING = 64  # posts not yet sent; more are dropped (their answers are read when stored)
TIMEOUT_SECONDS = 2.0


class Poster:
    """Posts texts to the action server's `/read-ahead`, one after another, on one connection."""

    def __init__(self, call: ActionServerCall) -> None:
        parts = urlsplit(call.url)
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {call.secret}"}
        self.waiting: queue.Queue[str] = queue.Queue(WAITING)
        self.connection: http.client.HTTPConnection | None = None
        threading.Thread(target=self._post_each, name="read-ahead", daemon=True).start()

    def post(self, text: str) -> None:
        try:
            self.waiting.put_nowait(text)
        except queue.Full:
            pass

    def _post_each(self) -> None:
        while True:
            text = self.waiting.get()
            try:
                self._post(text)
            except (OSError, http.client.HTTPException) as failure:
                logger.debug("The action server did not take a message to read ahead: %s", failure)
                self.connection = None  # a new one for the next

    def _post(self, text: str) -> None:
        if self.connection is None:
            kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            self.connection = kind(self.host, self.port, timeout=TIMEOUT_SECONDS)
        self.connection.request("POST", PATH, body=json.dumps({"text": text}), headers=self.headers)
        self.connection.getresponse().read()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ReadAhead(GraphComponent):
    """Adds nothing to the message; posts the long ones to the action server. Without an action
    server (training, a test parsing in-process) it does nothing."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        call = ActionServerCall.from_environment()
        return cls(Poster(call) if call else None)

    def __init__(self, poster: Poster | None) -> None:
        self.poster = poster

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if self.poster is not None and isinstance(text, str) and longer_than_a_command(text):
                self.poster.post(text)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
