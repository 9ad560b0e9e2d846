"""The assistant's custom actions, run by rasa-sdk's action server (`python -m rasa_sdk --actions
actions`, as the launcher starts it).

The action server never uses TensorFlow, yet spaCy's thinc imports it whenever it is installed
(Rasa installs it): over 350 MB and seconds per action server. None in sys.modules makes that
import fail, which thinc takes to mean "not installed". This package is imported before any
module of bot/, so the line below runs first; in a process that already imported TensorFlow
(a Rasa server, the test runner) it changes nothing.

rasa-sdk loads rasa_sdk_plugins, which refuses calls without the Rasa servers' secret, only if it
can import it, and starts without it otherwise: importing it here makes a missing plugin stop the
action server instead of leaving it open."""

import sys

sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]

import rasa_sdk_plugins  # noqa: E402, F401 - after the line above, on purpose
