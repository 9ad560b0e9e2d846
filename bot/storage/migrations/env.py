"""Alembic's entry point for our own database (plans, members, answers). bot.storage.migrate
runs it with the connection it opened; `alembic` on the command line is not needed."""

from alembic import context

from bot.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
