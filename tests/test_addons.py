"""Our changes to how the Rasa server works (addons/) give Rasa's own answers: the event-type
table resolves every name as Rasa's walk does, and the action-response check gives Rasa's
verdict on valid and invalid responses."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

import addons  # noqa: F401 - importing the package applies both changes, as in the Rasa server
from addons.action_responses import check_the_schema_once


def walk(type_name: str):
    """Rasa's own look-up: the first subclass of Event with that name."""
    return next((cls for cls in all_subclasses(Event) if cls.type_name == type_name), None)


def test_every_event_name_resolves_to_rasas_class():
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        assert Event.resolve_by_type(name) is walk(name)


def test_unknown_event_names_keep_rasas_answers():
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")


VALID = {
    "slots, a loop and a bot message": {
        "events": [
            {"event": "slot", "name": "answer", "value": None, "timestamp": None},
            {"event": "slot", "name": "question_prompt", "value": "Why an SRO?"},
            {"event": "active_loop", "name": "question_form"},
            {"event": "followup", "name": "action_listen"},
            {"event": "session_started"},
        ],
        "responses": [{"text": "Saved."}],
    },
    "no events": {"events": [], "responses": []},
}
INVALID = {
    "an unknown event name": {"events": [{"event": "no_such_event"}]},
    "an event with no name": {"events": [{"name": "answer", "value": 1}]},
    "a slot event without its slot's name": {"events": [{"event": "slot", "value": 1}]},
    "a timestamp that is text": {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": "noon"}]},
    "an event that is not an object": {"events": ["slot"]},
    "a name that is not text": {"events": [{"event": ["slot"], "name": "a"}]},
    "events that are not a list": {"events": {"event": "slot"}},
    "responses that are not a list": {"events": [], "responses": "Saved."},
    "a bot message that is not an object": {"events": [], "responses": ["Saved."]},
}


def accepted(check, response) -> bool:
    try:
        check(response)
        return True
    except jsonschema.ValidationError:
        return False


@pytest.mark.parametrize("description", sorted(VALID) + sorted(INVALID))
def test_action_responses_get_rasas_verdict(description):
    response = {**VALID, **INVALID}[description]
    rasas = accepted(lambda r: jsonschema.validate(r, RemoteAction.action_response_format_spec()), response)
    assert rasas == (description in VALID)
    check_the_schema_once()
    assert accepted(RemoteAction("action_x", None)._validate_action_result, response) == rasas


def test_a_refused_response_says_what_to_do():
    with pytest.raises(jsonschema.ValidationError, match="make sure your response from the Action endpoint is valid"):
        RemoteAction("action_x", None)._validate_action_result(INVALID["a slot event without its slot's name"])
