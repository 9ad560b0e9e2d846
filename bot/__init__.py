"""Partnership Planner core: the discussion guide, storage, documents and CLI.

Nothing in this package imports Rasa, so every part can be used and tested on its own.
"""
