"""The six places where this project changes Rasa's internals, applied here and nowhere else.

All make the Rasa server faster without changing what it decides (each module says how it was
measured and why the verdict is Rasa's own):
- addons/action_responses.py: an action server's response is checked against its JSON schema
  without re-checking the schema itself each time, each event against its own type's schema;
- addons/event_types.py: event classes are found by name in a table, not by walking every
  subclass of Event for every event loaded;
- addons/action_connections.py: calls to the action server reuse their connections instead of
  opening one per call;
- addons/form_rejection.py: question_form, given a message that filled none of its slots, is
  rejected without asking the action server what its validation would have said (nothing);
- addons/rule_keys.py: the RulePolicy parses each learned rule once, not at every prediction;
- addons/graph_runner.py: the served model's graph runs node after node, without dask.

They replace methods Rasa does not offer to extend (RemoteAction._validate_action_result,
Event.resolve_by_type, EndpointConfig.session, RulePolicy._rule_key_to_state, the processor's
DaskGraphRunner; FormAction.validate, which Rasa's forms are built from directly, never through a
subclass), so they are written for one Rasa release and refuse any other: on an upgrade, re-read
Rasa's versions of those methods, re-measure, and update RASA_VERSION. tests/test_addons.py drives
each through Rasa's own callers, so a patch that no longer takes effect fails there.
"""

from __future__ import annotations

import logging

import rasa

from addons.action_connections import reuse_connections
from addons.action_responses import check_the_schema_once
from addons.event_types import look_up_event_types_in_a_table
from addons.form_rejection import reject_what_filled_nothing
from addons.graph_runner import run_the_served_graph_in_order
from addons.rule_keys import parse_each_rule_once

RASA_VERSION = "3.6.21"
logger = logging.getLogger(__name__)
_applied = False


class UnexpectedRasaVersion(RuntimeError):
    pass


def apply(version: str = rasa.__version__) -> None:
    """Apply all six, once per process."""
    global _applied
    if version != RASA_VERSION:
        raise UnexpectedRasaVersion(
            f"addons/patches.py changes private methods of Rasa {RASA_VERSION}, and this is Rasa {version}. "
            f"Pin rasa=={RASA_VERSION} in requirements.txt, or check the patches against this release "
            "and update RASA_VERSION (addons/patches.py says how)."
        )
    if _applied:
        return
    check_the_schema_once()
    look_up_event_types_in_a_table()
    reuse_connections()
    reject_what_filled_nothing()
    parse_each_rule_once()
    run_the_served_graph_in_order()
    _applied = True
    logger.info(
        "Rasa %s patched for speed (addons/patches.py): action responses checked per event type, "
        "event types looked up in a table, connections to the action server reused, "
        "a question given nothing rejected without a call, rules parsed once, the graph run in order.",
        version,
    )
