"""Deleting a plan completely (python -m bot delete) and purging old plans (python -m bot purge):
our tables, the exported documents and the plan's conversations in a real Rasa conversation
store, written by Rasa's own SQLTrackerStore, on SQLite and on PostgreSQL."""

import asyncio
import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, func, inspect, select, text, update

from bot.cli import main
from bot.storage import models, repository, retention
from bot.storage.models import Answer, AnswerRevision, ExportRecord, Member, Partner, Plan, SkippedQuestion, utc_now
from tests.servers import ROOT

# --- a real conversation store ---------------------------------------------------------


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def conversations_url(request, tmp_path) -> str:
    """On PostgreSQL, the plans' own database, as in the production profile; on SQLite, a file
    of its own, as in the embedded default."""
    database_url = request.getfixturevalue("database_url") if "database_url" in request.fixturenames else ""
    return database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'conversations.db'}"


@pytest.fixture
def store(conversations_url, domain, monkeypatch) -> SQLTrackerStore:
    monkeypatch.setenv("CONVERSATIONS_URL", conversations_url)
    store = SQLTrackerStore(domain, host=conversations_url)
    yield store
    store.engine.dispose()


def converse(store: SQLTrackerStore, sender: str, *events) -> None:
    tracker = DialogueStateTracker(sender, store.domain.slots)
    for event in (ActionExecuted("action_listen"), *events, ActionExecuted("action_listen")):
        tracker.update(event)
    asyncio.run(store.save(tracker))


def said(words: str, intent: str = "give_answer") -> UserUttered:
    return UserUttered(words, {"name": intent, "confidence": 1.0})


def conversations_of_a_plan(store: SQLTrackerStore, code: str, tag: str) -> set[str]:
    """Every way a conversation belongs to a plan; returns their sender ids."""
    chat, earlier, page, new_on_page = f"chat-{tag}", f"earlier-{tag}", f"meeting:{code}:dev1", f"meeting:new:{tag}"
    converse(
        store,
        chat,
        said(f"resume {code}", "resume_plan"),
        SlotSet("plan_code", code),
        said(f"Ms. Ortiz: {tag} students should feel safe"),
    )
    # The committee's words come before the plan is named, then a new session carries the slot.
    converse(
        store,
        earlier,
        said(f"{tag}: we worry about arrests at school"),
        SlotSet("plan_code", code),
        SessionStarted(),
        SlotSet("plan_code", code),
        said("next", "next_question"),
    )
    converse(store, page, said(f"Officer Lee: {tag} patrols before school"))  # named by the page
    converse(store, new_on_page, said("start a new plan", "start_plan"), SlotSet("plan_code", code))
    return {chat, earlier, page, new_on_page}


def senders(conversations_url: str) -> set[str]:
    engine = create_engine(conversations_url, future=True)
    try:
        with engine.connect() as connection:
            return set(connection.execute(text("SELECT DISTINCT sender_id FROM events")).scalars())
    finally:
        engine.dispose()


# --- plans with something in every table ------------------------------------------------


def plan_with_everything(planner, school: str, agency: str) -> str:
    code = planner.create_plan(school, agency, "Maria Ortiz, principal; Dana Lee, SRO").code
    first = planner.record_answer(code, "Maria Ortiz: a safer campus for every student")
    planner.revise_answer(code, first.answer.id, "a safer and calmer campus for every student")
    planner.record_answer(code, "Dana Lee: fewer arrests at school")
    planner.next_question(code)  # answered: moves on
    planner.next_question(code)  # not answered: left open
    planner.export(code)
    return code


def rows_of(planner, code: str) -> dict[str, int]:
    """The plan's rows in each of our tables: by plan id, and revisions by their answers' ids."""
    with planner.sessions.begin() as s:
        plan_id = s.execute(select(Plan.id).where(Plan.code == code)).scalar_one()
        answer_ids = list(s.execute(select(Answer.id).where(Answer.plan_id == plan_id)).scalars())
        return rows_by_id(planner, plan_id, answer_ids)


def rows_by_id(planner, plan_id: int, answer_ids: list[int]) -> dict[str, int]:
    def count(model, condition) -> int:
        return s.execute(select(func.count()).select_from(model).where(condition)).scalar_one()

    with planner.sessions.begin() as s:
        rows = {
            m.__tablename__: count(m, m.plan_id == plan_id)
            for m in (Partner, Member, Answer, SkippedQuestion, ExportRecord)
        }
        rows["plans"] = count(Plan, Plan.id == plan_id)
        rows["answer_revisions"] = count(AnswerRevision, AnswerRevision.answer_id.in_(answer_ids))
        return rows


def ids_of(planner, code: str) -> tuple[int, list[int]]:
    with planner.sessions.begin() as s:
        plan_id = s.execute(select(Plan.id).where(Plan.code == code)).scalar_one()
        return plan_id, list(s.execute(select(Answer.id).where(Answer.plan_id == plan_id)).scalars())


def export_files(planner, code: str) -> list[Path]:
    return [planner.exports_dir / record.file_name for record in planner.exports(code)]


EVERY_TABLE_FILLED = {
    "plans": 1,
    "partners": 2,
    "members": 2,
    "answers": 2,
    "answer_revisions": 3,
    "skipped_questions": 1,
    "exports": 2,
}


class Terminal(io.StringIO):
    """What a person types at a terminal."""

    def isatty(self) -> bool:
        return True


# --- delete ----------------------------------------------------------------------------


def test_delete_removes_the_plan_its_documents_and_its_conversations_and_nothing_else(
    any_planner, store, conversations_url, capsys
):
    planner = any_planner
    code = plan_with_everything(planner, "Lincoln USD", "Lincoln PD")
    other = plan_with_everything(planner, "Jefferson County Schools", "Jefferson County Sheriff")
    mine = conversations_of_a_plan(store, code, "mine")
    theirs = conversations_of_a_plan(store, other, "theirs")
    # Another plan's conversation that only mentions our code, in a message and in another slot.
    converse(store, "mentions", SlotSet("plan_code", other), said(f"is {code} ours?"), SlotSet("answer", code))
    theirs.add("mentions")
    plan_id, answer_ids = ids_of(planner, code)
    files, other_files = export_files(planner, code), export_files(planner, other)
    other_rows = rows_of(planner, other)
    assert rows_by_id(planner, plan_id, answer_ids) == EVERY_TABLE_FILLED == other_rows
    assert all(f.is_file() for f in files + other_files) and len(files) == 2
    assert senders(conversations_url) == mine | theirs

    assert main(["delete", code.lower(), "--yes"], planner=planner) == 0

    out = capsys.readouterr().out
    assert f"{code}  Lincoln USD and Lincoln PD" in out and f"Deleted plan {code}" in out
    assert "2 answers, 3 revisions, 2 members, 1 skipped question" in out
    assert "2 exported files" in out and "4 conversations in the conversation store" in out
    assert set(rows_by_id(planner, plan_id, answer_ids).values()) == {0}
    assert not any(f.exists() for f in files)
    assert senders(conversations_url) == theirs
    assert all(asyncio.run(store.retrieve(sender)) is None for sender in mine)
    # The other plan, its documents and its conversations are untouched.
    assert rows_of(planner, other) == other_rows
    assert all(f.is_file() for f in other_files)
    kept = asyncio.run(store.retrieve_full_tracker("chat-theirs"))
    assert kept.get_slot("plan_code") == other and "Ms. Ortiz: theirs students should feel safe" in [
        e.text for e in kept.events if isinstance(e, UserUttered)
    ]
    assert planner.snapshot(other).answers[0].text == "a safer and calmer campus for every student"


def test_dry_run_prints_what_would_go_and_deletes_nothing(planner, store, conversations_url, capsys):
    code = plan_with_everything(planner, "Lincoln USD", "Lincoln PD")
    mine = conversations_of_a_plan(store, code, "mine")

    assert main(["delete", code, "--dry-run"], planner=planner) == 0

    out = capsys.readouterr().out
    assert "2 answers, 3 revisions, 2 members" in out and "4 conversations" in out
    assert "Dry run: nothing was deleted." in out and "Deleted plan" not in out
    assert rows_of(planner, code) == EVERY_TABLE_FILLED
    assert all(f.is_file() for f in export_files(planner, code))
    assert senders(conversations_url) == mine


def test_without_a_terminal_and_without_yes_nothing_is_deleted(planner, store, conversations_url, monkeypatch, capsys):
    code = plan_with_everything(planner, "Lincoln USD", "Lincoln PD")
    mine = conversations_of_a_plan(store, code, "mine")
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{code}\n"))  # a pipe, even one holding the code

    assert main(["delete", code], planner=planner) == 1

    err = capsys.readouterr().err
    assert "confirmation needs a terminal" in err and "--yes" in err and "Nothing was deleted." in err
    assert rows_of(planner, code) == EVERY_TABLE_FILLED
    assert all(f.is_file() for f in export_files(planner, code))
    assert senders(conversations_url) == mine


def test_python_m_bot_delete_from_a_pipe_refuses(planner, sqlite_url, store, conversations_url, tmp_path):
    code = plan_with_everything(planner, "Lincoln USD", "Lincoln PD")
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_url,
        "EXPORTS_DIR": str(planner.exports_dir),
        "CONVERSATIONS_URL": conversations_url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "delete", code],
        cwd=ROOT,
        env=env,
        input=f"{code}\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "confirmation needs a terminal" in result.stderr and "Lincoln USD and Lincoln PD" in result.stdout
    assert rows_of(planner, code) == EVERY_TABLE_FILLED


def test_at_a_terminal_only_the_plan_code_confirms(planner, store, conversations_url, monkeypatch, capsys):
    code = plan_with_everything(planner, "Lincoln USD", "Lincoln PD")
    conversations_of_a_plan(store, code, "mine")
    monkeypatch.setattr(sys, "stdin", Terminal("yes\n"))
    assert main(["delete", code], planner=planner) == 1
    assert "Type the plan code to confirm" in capsys.readouterr().out
    assert rows_of(planner, code) == EVERY_TABLE_FILLED

    monkeypatch.setattr(sys, "stdin", Terminal(""))  # end of input: nobody confirmed
    assert main(["delete", code], planner=planner) == 1
    assert rows_of(planner, code) == EVERY_TABLE_FILLED

    plan_id, answer_ids = ids_of(planner, code)
    monkeypatch.setattr(sys, "stdin", Terminal(code.lower().replace("-", " ") + "\n"))
    assert main(["delete", code], planner=planner) == 0
    assert set(rows_by_id(planner, plan_id, answer_ids).values()) == {0}
    assert senders(conversations_url) == set()


def test_an_unknown_code_exits_2_with_a_message(planner, store, capsys):
    assert main(["delete", "NOPE-000", "--yes"], planner=planner) == 2
    err = capsys.readouterr().err
    assert "couldn't find a plan" in err and "NOPE-000" in err and "python -m bot plans" in err


def test_a_conversation_store_not_made_yet_means_no_conversations(
    any_planner, database_url, tmp_path, monkeypatch, capsys
):
    """Before Rasa has run there is no events table (PostgreSQL) or no file at all (SQLite):
    the plan is still deleted, and no empty store is created."""
    missing = tmp_path / "never" / "conversations.db"
    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{missing}"
    monkeypatch.setenv("CONVERSATIONS_URL", url)
    code = plan_with_everything(any_planner, "Lincoln USD", "Lincoln PD")
    plan_id, answer_ids = ids_of(any_planner, code)

    assert main(["delete", code, "--yes"], planner=any_planner) == 0

    assert "0 conversations" in capsys.readouterr().out
    assert set(rows_by_id(any_planner, plan_id, answer_ids).values()) == {0}
    assert not missing.exists() and not missing.parent.exists()


def test_an_export_record_naming_a_file_outside_the_exports_folder_deletes_only_the_record(planner, store, tmp_path):
    code = plan_with_everything(planner, "Lincoln USD", "Lincoln PD")
    outside = tmp_path / "not-an-export.docx"
    outside.write_bytes(b"someone else's document")
    with planner.sessions.begin() as s:
        repository.add_export_record(s, repository.find_plan(s, code), "summary", f"../{outside.name}", 0)

    assert main(["delete", code, "--yes"], planner=planner) == 0
    assert outside.read_bytes() == b"someone else's document"
    assert planner.list_plans() == []


def test_every_table_of_ours_is_deleted_from():
    """A new table in bot/repository.py, or one made only by a migration, fails here until
    bot/retention.py deletes a plan's rows from it too."""
    deleted_from = {model.__tablename__ for model in retention.PLAN_TABLES}
    assert set(models.Base.metadata.tables) == deleted_from


def test_the_migrated_database_has_no_table_retention_does_not_know(planner):
    engine = planner.sessions.kw["bind"]
    assert set(inspect(engine).get_table_names()) - {"alembic_version"} == {
        model.__tablename__ for model in retention.PLAN_TABLES
    }


# --- purge -----------------------------------------------------------------------------


def last_active(planner, code: str, days_ago: int) -> None:
    with planner.sessions.begin() as s:
        s.execute(update(Plan).where(Plan.code == code).values(updated_at=utc_now() - timedelta(days=days_ago)))


def test_purge_deletes_only_the_plans_inactive_for_longer(any_planner, store, conversations_url, capsys):
    planner = any_planner
    old = plan_with_everything(planner, "Lincoln USD", "Lincoln PD")
    recent = plan_with_everything(planner, "Jefferson County Schools", "Jefferson County Sheriff")
    old_conversations = conversations_of_a_plan(store, old, "old")
    recent_conversations = conversations_of_a_plan(store, recent, "recent")
    last_active(planner, old, days_ago=40)
    last_active(planner, recent, days_ago=20)
    plan_id, answer_ids = ids_of(planner, old)
    old_files, recent_files = export_files(planner, old), export_files(planner, recent)
    recent_rows = rows_of(planner, recent)
    url = conversations_url

    assert main(["purge", "--older-than", "30", "--dry-run"], planner=planner) == 0
    out = capsys.readouterr().out
    assert "deletes, for good, 1 plan inactive for more than 30 days" in out and old in out and recent not in out
    assert rows_of(planner, old) == EVERY_TABLE_FILLED and senders(url) == old_conversations | recent_conversations

    assert main(["purge", "--older-than", "30", "--yes"], planner=planner) == 0

    assert f"Deleted plan {old}" in capsys.readouterr().out
    assert set(rows_by_id(planner, plan_id, answer_ids).values()) == {0}
    assert not any(f.exists() for f in old_files)
    assert senders(url) == recent_conversations
    assert rows_of(planner, recent) == recent_rows == EVERY_TABLE_FILLED
    assert all(f.is_file() for f in recent_files)


def test_purge_asks_for_the_number_of_plans(planner, store, monkeypatch, capsys):
    old = plan_with_everything(planner, "Lincoln USD", "Lincoln PD")
    last_active(planner, old, days_ago=400)
    monkeypatch.setattr(sys, "stdin", Terminal("yes\n"))
    assert main(["purge", "--older-than", "365"], planner=planner) == 1
    assert "Type 'purge 1 plan' to confirm" in capsys.readouterr().out
    assert rows_of(planner, old) == EVERY_TABLE_FILLED

    monkeypatch.setattr(sys, "stdin", io.StringIO("purge 1 plan\n"))  # not a terminal
    assert main(["purge", "--older-than", "365"], planner=planner) == 1
    assert rows_of(planner, old) == EVERY_TABLE_FILLED

    monkeypatch.setattr(sys, "stdin", Terminal("Purge 1 plan\n"))
    assert main(["purge", "--older-than", "365"], planner=planner) == 0
    assert planner.list_plans() == []


def test_purge_with_nothing_old_deletes_nothing(planner, store, capsys):
    code = plan_with_everything(planner, "Lincoln USD", "Lincoln PD")
    assert main(["purge", "--older-than", "1", "--yes"], planner=planner) == 0
    assert "No plan has been inactive for more than 1 day;" in capsys.readouterr().out
    assert rows_of(planner, code) == EVERY_TABLE_FILLED


def test_a_plan_active_again_since_it_was_listed_is_kept(planner, store, conversations_url):
    code = plan_with_everything(planner, "Lincoln USD", "Lincoln PD")
    mine = conversations_of_a_plan(store, code, "mine")
    last_active(planner, code, days_ago=40)
    listed_before = retention.cutoff(timedelta(days=30))
    assert retention.inactive_plans(planner.sessions, timedelta(days=30)) == [code]
    planner.record_answer(code, "Maria Ortiz: we came back to it")  # the committee returns

    conversations = retention.conversation_store(conversations_url)
    assert retention.delete_plan(planner.sessions, planner.exports_dir, conversations, code, listed_before) is None
    conversations.dispose()
    assert rows_of(planner, code)["answers"] == 3
    assert all(f.is_file() for f in export_files(planner, code))
    assert senders(conversations_url) == mine


def test_days_must_be_a_whole_number(planner, capsys):
    with pytest.raises(SystemExit) as refused:
        main(["purge", "--older-than", "soon"], planner=planner)
    assert refused.value.code == 2 and "whole number of days" in capsys.readouterr().err
