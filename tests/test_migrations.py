"""Schema migrations (bot/migrations/) on SQLite and PostgreSQL: the latest revision matches
the models, and a database made by the previous schema upgrades with its data intact."""

from datetime import datetime, timezone

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy import text as sql

from bot.plans.planner import Planner
from bot.settings import Settings
from bot.storage import database, models
from tests.conftest import at_once


def test_the_migrations_build_exactly_the_models_schema(database_url):
    engine = database.make_engine(database_url)
    assert database.migrate(engine) == database.latest_revision()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), models.Base.metadata)
    assert differences == []
    assert database.migrate(engine) == database.latest_revision()  # again: nothing to do, nothing broken


def test_a_database_of_the_previous_schema_upgrades_with_its_plans_intact(database_url, tmp_path):
    engine = database.make_engine(database_url)
    assert database.migrate(engine, "0001") == "0001"
    now = datetime.now(timezone.utc)
    text = "Ms. Ortiz asked that the officer never handle dress code.\n\nSecond paragraph."
    with engine.begin() as s:

        def insert(statement: str, **values) -> int:
            s.execute(sql(statement), {"t": now, **values})
            return s.execute(sql("SELECT max(id) FROM " + statement.split()[2])).scalar_one()

        plan = insert(
            "INSERT INTO plans (code, name, access_key_hash, current_question_id, created_at, updated_at)"
            " VALUES ('MAPLE-417', 'Lincoln USD and Lincoln PD', :h, 'impact_on_groups', :t, :t)",
            h="0" * 64,
        )
        member = insert(
            "INSERT INTO members (plan_id, name, role, created_at)"
            " VALUES (:plan, 'Maria Ortiz', 'school administrator', :t)",
            plan=plan,
        )
        answer = insert(
            "INSERT INTO answers (plan_id, question_id, member_id, text, created_at, updated_at)"
            " VALUES (:plan, 'reasons_and_roles', :member, :text, :t, :t)",
            plan=plan,
            member=member,
            text=text,
        )
        insert(
            "INSERT INTO answer_revisions (answer_id, number, text, created_at) VALUES (:answer, 1, :text, :t)",
            answer=answer,
            text=text,
        )

    planner = Planner.from_settings(Settings(database_url=database_url, exports_dir=tmp_path / "exports"))
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == database.latest_revision()
    plan = planner.snapshot("maple-417")
    assert [(a.member_name, a.text, a.question_id) for a in plan.answers] == [
        ("Maria Ortiz", text, "reasons_and_roles")
    ]
    answer = plan.answers[0]
    assert (answer.discipline_matter, answer.personal_items, answer.topics) == (None, (), ())
    assert planner.state("MAPLE-417").current.id == "impact_on_groups"
    # The upgraded plan goes on as any other.
    planner.record_answer("MAPLE-417", "The SRO will mentor students.", "Maria Ortiz")
    assert len(planner.snapshot("MAPLE-417").answers) == 2


def test_a_database_made_before_migrations_is_recognised_not_rebuilt(sqlite_url):
    engine = database.make_engine(sqlite_url)
    models.Base.metadata.create_all(engine)  # how the first installations made their tables
    with engine.begin() as s:
        s.execute(
            sql(
                "INSERT INTO plans (code, name, access_key_hash, created_at, updated_at)"
                " VALUES ('OTTER-123', 'x', 'h', '2026-01-01', '2026-01-01')"
            )
        )
    assert database.migrate(engine) == database.latest_revision()
    with engine.connect() as connection:
        assert connection.execute(sql("SELECT code FROM plans")).scalars().all() == ["OTTER-123"]
        assert "alembic_version" in inspect(connection).get_table_names()


def test_several_processes_starting_at_once_migrate_once(database_url):
    engines = [database.make_engine(database_url) for _ in range(4)]
    results, errors = at_once([lambda engine=engine: database.migrate(engine) for engine in engines])
    assert errors == [] and results == [database.latest_revision()] * 4
