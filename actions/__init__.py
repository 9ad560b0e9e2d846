"""The assistant's custom actions, run by rasa-sdk's action server.

rasa-sdk loads rasa_sdk_plugins, which refuses calls without the Rasa servers' secret, only if it
can import it, and starts without it otherwise: importing it here makes a missing plugin stop the
action server instead of leaving it open."""

import rasa_sdk_plugins  # noqa: F401
