"""The engine (SQLite or PostgreSQL) and the schema's migrations (bot/storage/migrations/), run
by one process at a time."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:///"):
        Path(database_url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 opens a new SQLite connection per session by default (NullPool), and
        # each connect sets the pragmas again: on every message. A pool keeps them open.
        engine = create_engine(
            database_url,
            future=True,
            poolclass=QueuePool,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(database_url, future=True, pool_pre_ping=True)


def safe_url(database_url: str) -> str:
    """The URL without its password, for messages and logs."""
    return str(make_url(database_url).render_as_string(hide_password=True))


def ensure_database(database_url: str) -> bool:
    """Create a PostgreSQL database that does not exist yet (SQLite files are made on first
    use). Returns whether it was created."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql" or not url.database:
        return False
    admin = create_engine(url.set(database="postgres"), future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if connection.execute(
                sql("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).first():
                return False
            quoted = connection.dialect.identifier_preparer.quote(url.database)
            connection.execute(sql(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        admin.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the CLI read while the action server writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True, expire_on_commit=False)


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(engine: Engine, revision: str = "head") -> str:
    """Bring the schema to `revision`, the latest by default (bot/migrations/), and return it. A database made
    before migrations existed is first stamped with the revision its tables match. Several
    processes may start at once (action servers): one migrates, the others wait for it."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        tables = inspect(connection).get_table_names()
        if "plans" in tables and "alembic_version" not in tables:
            command.stamp(config, _revision_of_tables(connection))
        command.upgrade(config, revision)
        return MigrationContext.configure(connection).get_current_revision() or ""


def _revision_of_tables(connection: Connection) -> str:
    """The revision that tables made without Alembic (create_all, before migrations) match."""

    def columns(table: str) -> set[str]:
        return {c["name"] for c in inspect(connection).get_columns(table)}

    if "withdrawn_at" in columns("answers"):
        return "0005"
    if "choice" in columns("answers"):
        return "0004"
    if "personal_items" in columns("answer_revisions"):
        return "0003"
    return "0002" if "discipline_matter" in columns("answers") else "0001"


def latest_revision() -> str:
    """The newest revision in bot/migrations/: what `migrate` brings a database to."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head() or ""


# Any fixed number: PostgreSQL's advisory locks are named by integers.
MIGRATION_LOCK_KEY = 4_170_2026


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """SQLite has no advisory lock: a lock file beside the database serves."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migration-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
