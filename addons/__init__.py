"""Our extensions of the Rasa server: the tokenizer, the FAQ selector and the answer guard
(config.yml), the conversation store (endpoints.yml). Rasa imports this package to load them,
and so applies our three changes to its internals: addons/patches.py, the one place they live."""

from addons import patches

patches.apply()
