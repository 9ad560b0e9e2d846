"""Where plans live: the ORM models (models.py), the engine, its migrations and their lock
(database.py, migrations/), the repository of units of work (repository.py) and deletion
(retention.py). SQLAlchemy 1.4 in 2.0 style. The engine and session factory are built by the
caller at start-up and passed in; every repository function works inside the session it is
given, so the caller decides the unit of work (`with sessions.begin() as s:`) and each answer
is committed before the bot replies. Nothing here reads answers: the readers' findings come in
as plain values (bot/plans/views.py)."""
