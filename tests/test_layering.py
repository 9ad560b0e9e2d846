"""The folders are the architecture, and this keeps them so: each room imports only what its
place allows. Read from the source (every import statement, those inside functions too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
RASA = ("rasa", "rasa_sdk", "sanic")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def modules(folder: Path) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): imports(p) for p in sorted(folder.rglob("*.py"))}


def offending(room: Path, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> dict[str, list[str]]:
    bad = {}
    for module, names in modules(room).items():
        if module in allowed:
            continue
        hits = sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))
        if hits:
            bad[module] = hits
    return bad


def test_only_the_web_channel_imports_rasa_or_sanic():
    assert modules(BOT), "no modules found"
    assert offending(BOT, RASA, allowed=("bot/web/channel.py",)) == {}


def test_storage_never_loads_the_readers_nor_the_documents():
    assert offending(BOT / "storage", ("bot.reading", "spacy", "bot.documents", "bot.web", "docx")) == {}


def test_the_documents_take_read_models_not_the_database_nor_the_readers():
    assert offending(BOT / "documents", ("bot.storage", "sqlalchemy", "bot.reading", "spacy", "bot.web")) == {}


def test_the_read_models_and_codes_stand_alone():
    for module in ("bot/plans/views.py", "bot/plans/codes.py", "bot/plans/text.py", "bot/plans/themes.py"):
        assert not {n for n in imports(ROOT / module) if n.startswith(("bot", "sqlalchemy", "spacy"))}, module


def test_the_readers_know_nothing_of_storage_documents_or_web():
    assert offending(BOT / "reading", ("bot.storage", "bot.documents", "bot.web", "sqlalchemy")) == {}
