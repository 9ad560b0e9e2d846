"""Custom Rasa NLU components (loaded by the Rasa server, named in config.yml)."""
