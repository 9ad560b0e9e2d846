"""A question that took nothing from the committee's message is rejected without a call to the
action server.

Inside question_form a control phrase ("next", "go back") fills no slot: the answer slot's
mapping leaves out every control intent (domain.yml). Rasa's FormAction.validate still calls
validate_question_form, sending the conversation and the whole domain (about 35 KB), only to
hear that nothing was taken (actions/questions.py returns no events when the form runs straight
after a message that filled none of its text slots), and then rejects the form so that the rules
answer. That was one of the three calls a control phrase cost (README, "Speed").

Here the form rejects itself in exactly that case, with Rasa's own exception: the form is the
open loop, a slot is requested, the form runs straight after the message (Rasa's own test for
validating, `_validate_if_required`), and the message filled none of the form's slots. Only for
the forms in TAKES_ONLY_WHAT_WAS_SAID, whose validation is known to return nothing then; any other
form keeps Rasa's behaviour (plan_setup_form's validation may answer a message it took nothing from).
"""

from __future__ import annotations

from typing import Any

from rasa.core.actions.action import ActionExecutionRejection
from rasa.core.actions.forms import FormAction
from rasa.shared.core.constants import ACTION_LISTEN_NAME

TAKES_ONLY_WHAT_WAS_SAID = frozenset({"question_form"})


def reject_what_filled_nothing() -> None:
    validate = FormAction.validate

    async def validate_unless_nothing_was_taken(
        self: FormAction, tracker: Any, domain: Any, output_channel: Any, nlg: Any
    ) -> Any:
        if (
            self.name() in TAKES_ONLY_WHAT_WAS_SAID
            and tracker.active_loop_name == self.name()
            and tracker.latest_action_name == ACTION_LISTEN_NAME
            and self.get_slot_to_fill(tracker)
            and not self._get_slot_extractions(tracker, domain)
        ):
            raise ActionExecutionRejection(
                self.name(), f"Failed to extract slot {self.get_slot_to_fill(tracker)} with action {self.name()}"
            )
        return await validate(self, tracker, domain, output_channel, nlg)

    FormAction.validate = validate_unless_nothing_was_taken
