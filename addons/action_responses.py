"""Rasa checks every action server response against a JSON schema with jsonschema.validate().
Measured with py-spy on this assistant, that check was over half of the Rasa server's CPU time
per message, for two reasons:

- validate() first checks the schema itself against JSON Schema's meta-schema, on every call.
  Here the schema is checked once.
- Each event in a response must match `oneOf` 23 event schemas, told apart by the constant
  `event` name, so jsonschema tries all 23 on every event. An event can only match the schema of
  its own name, so here it is checked against that one, which is the same verdict. An event
  with no known name is checked against the full `oneOf`, for Rasa's own error.

Every response is still validated, with Rasa's error message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


def check_the_schema_once() -> None:
    schema = RemoteAction.action_response_format_spec()
    kind = validators.validator_for(schema)
    kind.check_schema(schema)
    event_schema = schema["properties"]["events"]["items"]
    any_event = kind(event_schema)
    shared = {key: value for key, value in event_schema.items() if key != "oneOf"}
    by_name = {
        branch["properties"]["event"]["const"]: kind({"allOf": [shared, branch]}) for branch in event_schema["oneOf"]
    }
    # The response with its events checked one by one below.
    envelope = kind({**schema, "properties": {**schema["properties"], "events": {"type": "array"}}})

    def errors(result: Any) -> Iterator[exceptions.ValidationError]:
        yield from envelope.iter_errors(result)
        events = result.get("events") if isinstance(result, dict) else None
        for event in events if isinstance(events, list) else []:
            name = event.get("event") if isinstance(event, dict) else None
            checker = by_name.get(name, any_event) if isinstance(name, str) else any_event
            yield from checker.iter_errors(event)

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = exceptions.best_match(errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response from "
                f"the Action endpoint is valid. For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = validate_action_result
