"""Starting a plan (plan_setup_form) and opening an existing one by its plan code."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import slots
from actions.runtime import MEETING_PAGE, DomainDict, PlannerAction, message_metadata, plan_in_use, status_of
from bot import replies
from bot.plans.codes import find_code
from bot.plans.planner import PlanNotFound, PlanRefused, members_in
from bot.plans.views import MAX_NAME_LENGTH

SETUP_SLOTS = (slots.SCHOOL_PARTNER, slots.AGENCY_PARTNER, slots.MEMBERS_TEXT)
NOBODY_YET = {"none", "no", "nobody", "skip", "later", "n/a", "na", "-"}


def conversation_reset(code: str, status: str) -> list[EventType]:
    """A conversation moving to a plan forgets what belonged to the previous one."""
    return [
        SlotSet(slots.PLAN_CODE, code),
        SlotSet(slots.PLAN_STATUS, status),
        SlotSet(slots.ASKED_QUESTION, None),
        SlotSet(slots.LAST_ANSWER_ID, None),
        SlotSet(slots.REVISING_ANSWER_ID, None),
        SlotSet(slots.ANSWER, None),
    ]


class ValidatePlanSetupForm(FormValidationAction):
    def name(self) -> str:
        return "validate_plan_setup_form"

    def _partner(self, value: Any, what: str, dispatcher: CollectingDispatcher) -> Any:
        if value is None:  # cleared by action_reset_setup, not typed: nothing to check
            return None
        name = " ".join(str(value).split())
        if not name or name.casefold() in NOBODY_YET:
            dispatcher.utter_message(text=replies.partner_missing(what))
            return None
        if len(name) > MAX_NAME_LENGTH:
            dispatcher.utter_message(text=replies.partner_too_long(what, len(name)))
            return None
        return name

    def validate_school_partner(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {slots.SCHOOL_PARTNER: self._partner(value, "school or district", dispatcher)}

    def validate_agency_partner(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {slots.AGENCY_PARTNER: self._partner(value, "law enforcement agency", dispatcher)}

    def validate_members_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {slots.MEMBERS_TEXT: None}
        text = str(value).strip()
        try:
            members_in(text)
        except PlanRefused as refusal:
            dispatcher.utter_message(text=str(refusal))
            return {slots.MEMBERS_TEXT: None}
        return {slots.MEMBERS_TEXT: "" if text.casefold().strip(".!") in NOBODY_YET else text}


def new_plans_allowed(tracker: Tracker) -> bool:
    """The meeting page says whether this client may create another plan this hour."""
    return message_metadata(tracker).get("new_plans_allowed") is not False


class ActionResetSetup(PlannerAction):
    def name(self) -> str:
        return "action_reset_setup"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if not new_plans_allowed(tracker):  # said now, before anyone types the partners' names
            dispatcher.utter_message(text=replies.TOO_MANY_NEW_PLANS)
        return [SlotSet(slot, None) for slot in SETUP_SLOTS]


class ActionCancelSetup(PlannerAction):
    def name(self) -> str:
        return "action_cancel_setup"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        dispatcher.utter_message(text=replies.SETUP_STOPPED)
        return [SlotSet(slot, None) for slot in SETUP_SLOTS]


class ActionCreatePlan(PlannerAction):
    def name(self) -> str:
        return "action_create_plan"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if not new_plans_allowed(tracker):
            dispatcher.utter_message(text=replies.TOO_MANY_NEW_PLANS)
            return [SlotSet(slot, None) for slot in SETUP_SLOTS]
        try:
            state = self.planner.create_plan(
                tracker.get_slot(slots.SCHOOL_PARTNER) or "",
                tracker.get_slot(slots.AGENCY_PARTNER) or "",
                tracker.get_slot(slots.MEMBERS_TEXT) or "",
                with_key=False,
            )
        except PlanRefused as refusal:
            dispatcher.utter_message(text=str(refusal))
            return [SlotSet(slot, None) for slot in SETUP_SLOTS]
        on_page = tracker.get_latest_input_channel() == MEETING_PAGE
        dispatcher.utter_message(text=replies.plan_created(state, key_on_page=on_page))
        if on_page:
            # The meeting page's channel gives the plan its key on seeing this payload and hands
            # the key to the page alone: stored conversations never hold it. Nothing else reads it.
            dispatcher.utter_message(json_message={"plan_created": {"code": state.code}})
        return conversation_reset(state.code, "open") + [
            SlotSet(slots.SPEAKER, None),
            *[SlotSet(slot, None) for slot in SETUP_SLOTS],
        ]


class ActionResumePlan(PlannerAction):
    """'resume MAPLE-417' opens that plan; a bare 'continue' reopens the plan in use."""

    def name(self) -> str:
        return "action_resume_plan"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        said = find_code(tracker.latest_message.get("text") or "")
        current = plan_in_use(tracker)
        if tracker.get_latest_input_channel() == MEETING_PAGE:
            # The page checked the key for one plan; it may open that plan and no other.
            if said and said != current:
                dispatcher.utter_message(text=replies.OTHER_PLAN_ON_PAGE)
                return [SlotSet(slots.PLAN_STATUS, self._status_of_code(current) if current else "missing")]
            said = current
        code = said or current
        if not code:
            dispatcher.utter_message(text=replies.WHICH_PLAN)
            return [SlotSet(slots.PLAN_STATUS, "missing")]
        try:
            state = self.planner.state(code)
        except PlanNotFound:
            dispatcher.utter_message(text=replies.plan_not_found(code))
            # A mistyped code leaves the plan already open, if any, as it was.
            still_open = current if current and current != code else None
            return [SlotSet(slots.PLAN_STATUS, self._status_of_code(still_open) if still_open else "missing")]
        dispatcher.utter_message(text=replies.plan_resumed(state))
        if state.code == tracker.get_slot(slots.PLAN_CODE):  # already this conversation's plan
            return [SlotSet(slots.PLAN_STATUS, status_of(state)), SlotSet(slots.ASKED_QUESTION, None)]
        return conversation_reset(state.code, status_of(state))

    def _status_of_code(self, code: str) -> str:
        try:
            return status_of(self.planner.state(code))
        except PlanNotFound:
            return "missing"
