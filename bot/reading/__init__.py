"""What the assistant notices in an answer, with spaCy's English model (language.py): routine
discipline given to the SRO (discipline.py), personal details (privacy.py), topics and concerns
(themes.py), all in one pass per answer (reader.py). The findings are plain values
(bot/plans/views.py), so storage and the documents never load the model."""
