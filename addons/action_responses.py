"""Rasa checks every action server response against a JSON schema with jsonschema.validate(),
which first checks the schema itself against JSON Schema's meta-schema, on every call. Measured
with py-spy on this assistant, that re-check was over half of the Rasa server's CPU time per
message (each message runs two or three custom actions). Here the schema is checked once and
each response is still validated against it, with Rasa's own error message."""
from __future__ import annotations

from typing import Any, Dict, Text

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


def check_the_schema_once() -> None:
    schema = RemoteAction.action_response_format_spec()
    kind = validators.validator_for(schema)
    kind.check_schema(schema)
    validator = kind(schema)

    def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response from "
                f"the Action endpoint is valid. For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = validate_action_result
