"""Our extensions of the Rasa server: the answer guard (config.yml), the conversation store
(endpoints.yml). Rasa imports this package to load them, which also makes it check its
action-response schema only once (addons/action_responses.py says why)."""
from addons.action_responses import check_the_schema_once

check_the_schema_once()
