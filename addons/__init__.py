"""Our extensions of the Rasa server: the tokenizer, the FAQ selector and the answer guard
(config.yml), the conversation store (endpoints.yml). Rasa imports this package to load them,
which also makes it check its action-response schema only once and look event types up in a
table (addons/action_responses.py and addons/event_types.py say why)."""
from addons.action_responses import check_the_schema_once
from addons.event_types import look_up_event_types_in_a_table

check_the_schema_once()
look_up_event_types_in_a_table()
