"""The RulePolicy reads each learned rule once, not once per rule per turn of history per
prediction.

Rasa's RulePolicy keeps its rules as JSON strings and, to find the rules that apply, parses
every one of them again for every state of the conversation (`_is_rule_applicable` calls
`_rule_key_to_state`, which is `json.loads`), about three predictions a turn: py-spy put 5% of
the Rasa server's time per turn in those parses alone. The rules do not change once the model
is loaded, so each string is parsed once and its states kept. Rasa's two callers only read them.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy


@cache
def _parsed(rule_key: str) -> list[dict[str, Any]]:
    return json.loads(rule_key)  # type: ignore[no-any-return]


def parse_each_rule_once() -> None:
    RulePolicy._rule_key_to_state = staticmethod(_parsed)
