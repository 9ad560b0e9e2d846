"""Custom actions: thin translations between Rasa and the bot package."""
