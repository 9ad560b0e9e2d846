"""Rasa finds the class of every event it loads by name (Event.resolve_by_type), walking
every subclass of Event and asking inspect.isabstract of each, for each event. A turn loads
the conversation's latest session from the store and sends it to the action server, so that
walk ran for hundreds of events per message: measured with py-spy, about a tenth of the Rasa
server's CPU. Here the names are looked up in a table instead, built from the same walk and
built again when a name is missing (an Event class imported after the first look-up)."""

from __future__ import annotations

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses


def look_up_event_types_in_a_table() -> None:
    walk_every_time = Event.resolve_by_type
    table: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        found = table.get(type_name)
        if found is None:
            for cls in all_subclasses(Event):
                table.setdefault(cls.type_name, cls)  # the walk's first match wins, as in Rasa
            found = table.get(type_name)
        # Names that are not events keep Rasa's own answer (None, the default, or its error).
        return found if found is not None else walk_every_time(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)
