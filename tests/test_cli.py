"""The command line, run as a team would run it: python -m bot ..."""

import os
import subprocess
import sys
from pathlib import Path

from docx import Document

from bot.storage import database

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, database_url: str, exports: Path):
    env = {**os.environ, "DATABASE_URL": database_url, "EXPORTS_DIR": str(exports)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_plans_show_and_export(planner, sqlite_url, tmp_path):
    code = planner.create_plan("Lincoln USD", "Lincoln PD", "Maria Ortiz, principal").code
    planner.record_answer(code, "Maria Ortiz: a safer campus")

    listing = cli("plans", database_url=sqlite_url, exports=tmp_path / "out")
    assert listing.returncode == 0
    assert code in listing.stdout and f"1/{len(planner.guide.questions)} answered" in listing.stdout

    shown = cli("show", code.lower(), database_url=sqlite_url, exports=tmp_path / "out")
    assert shown.returncode == 0
    assert "Maria Ortiz: a safer campus" in shown.stdout and "School partner: Lincoln USD" in shown.stdout

    exported = cli("export", code, database_url=sqlite_url, exports=tmp_path / "out")
    assert exported.returncode == 0, exported.stderr
    files = sorted((tmp_path / "out").glob("*.docx"))
    assert len(files) == 2 and all(str(f) in exported.stdout for f in files)
    summary = next(f for f in files if "summary" in f.name)
    assert "a safer campus" in [p.text for p in Document(str(summary)).paragraphs]


def test_an_unknown_code_exits_with_a_message(sqlite_url, tmp_path):
    result = cli("show", "NOPE-000", database_url=sqlite_url, exports=tmp_path)
    assert result.returncode == 2
    assert "couldn't find a plan" in result.stderr and "python -m bot plans" in result.stderr


def test_migrate_brings_a_new_database_to_the_latest_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh' / 'plans.db'}"
    result = cli("migrate", database_url=url, exports=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Database schema at revision {database.latest_revision()}" in result.stdout
    assert cli("plans", database_url=url, exports=tmp_path).stdout.startswith("No plans yet.")


def test_the_command_line_loads_neither_spacy_nor_tensorflow(planner, sqlite_url, tmp_path):
    """No command reads an answer, so none imports spaCy (most of a second) or TensorFlow (which
    spaCy's thinc imports whenever it is installed: seconds and hundreds of MB per command)."""
    code = planner.create_plan("Lincoln USD", "Lincoln PD", "Maria Ortiz, principal").code
    planner.record_answer(code, "Maria Ortiz: a safer campus")
    env = {**os.environ, "DATABASE_URL": sqlite_url, "EXPORTS_DIR": str(tmp_path)}
    # Exporting imports the most: the plan, its readings, both documents' builders.
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "export", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    assert "bot.documents.mou" in imported
    assert not {name for name in imported if name.split(".")[0] in {"spacy", "thinc", "tensorflow", "keras"}}
