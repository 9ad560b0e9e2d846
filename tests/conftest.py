"""Fixtures: a fresh database per test (SQLite, and PostgreSQL where the test asks for
it), and the real Rasa server and action server on loopback ports for conversation tests."""

from __future__ import annotations

import gc
import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up lines are not test output
# This process runs Rasa's code (which imports TensorFlow) beside the actions package, whose
# import keeps TensorFlow out of the action server (actions/__init__.py): imported first, here,
# TensorFlow is already in when that package loads, whichever test module is collected first.
import tensorflow  # noqa: F401

from bot.plans.planner import Planner
from bot.settings import Settings
from tests.servers import (  # noqa: F401 (ROOT and http_json are re-exported: tests import them from here)
    ROOT,
    ActionServer,
    free_port,
    http_json,
    server_env,
    start_rasa,
    stop,
    wait_until_up,
    write_server_config,
)

MODEL = ROOT / "models" / "planner.tar.gz"
TEST_TURNS_PER_SESSION = 3
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """In CI a missing service is a failure; on a developer's machine, a clear skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


def at_once(steps: list) -> tuple[list, list]:
    """Run each step in its own thread, all released at the same instant; returns what they
    returned and what they raised (in no particular order)."""
    barrier = threading.Barrier(len(steps))
    results, errors = [], []

    def run(step) -> None:
        barrier.wait()
        try:
            results.append(step())
        except Exception as error:  # noqa: BLE001 - handed back to the test to assert on
            errors.append(error)

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


# --- tiers -----------------------------------------------------------------------------

TIER_OF_MODULE = {"test_scale_out": "cluster", "test_benchmark": "bench", "test_launcher": "server"}
SERVER_FIXTURES = {"assistant", "running"}


def pytest_collection_modifyitems(items: list) -> None:
    """Each test's tier, from what it starts; a test may also name its own (@pytest.mark.server)."""
    tiers = {"unit", "server", "cluster", "browser", "bench"}
    for item in items:
        if any(mark.name in tiers for mark in item.iter_markers()):
            continue
        fixtures = set(getattr(item, "fixturenames", ()))
        if "browser" in fixtures:
            tier = "browser"
        elif fixtures & SERVER_FIXTURES:
            tier = "server"
        else:
            tier = TIER_OF_MODULE.get(item.module.__name__.rsplit(".", 1)[-1], "unit")
        item.add_marker(getattr(pytest.mark, tier))


# --- databases -----------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'plans.db'}"


def postgres_admin():
    import psycopg2

    try:
        admin = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3)
    except psycopg2.OperationalError as error:
        unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}".strip())
    admin.autocommit = True
    return admin


def new_database_name() -> str:
    return f"planner_test_{secrets.token_hex(6)}"


class DatabasesAhead:
    """New, empty PostgreSQL databases, each made while the test before it runs: CREATE DATABASE
    takes about a third of a second of the server's disk, which each test would otherwise wait for."""

    def __init__(self) -> None:
        self.maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="create-database")
        self.next = self.maker.submit(self.create)

    @staticmethod
    def create() -> str:
        name = new_database_name()
        admin = postgres_admin()
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        return name

    def take(self) -> str:
        name, self.next = self.next.result(), self.maker.submit(self.create)
        return name

    def close(self) -> None:
        if self.next.exception() is None:  # made and never used: dropped
            with postgres_database(self.next.result()):
                pass
        self.maker.shutdown()


@pytest.fixture(scope="session")
def databases_ahead() -> Iterator[DatabasesAhead]:
    ahead = DatabasesAhead()
    yield ahead
    ahead.close()


@contextmanager
def postgres_database(name: str | None = None) -> Iterator[str]:
    """The URL of a PostgreSQL database, dropped afterwards: `name`, made already, or a new
    name for the code under test to create."""
    admin = postgres_admin()
    name = name or new_database_name()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def postgres_url(databases_ahead: DatabasesAhead) -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    with postgres_database(databases_ahead.take()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    return request.getfixturevalue(f"{request.param}_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
def planner(tmp_path: Path, sqlite_url: str) -> Planner:
    return Planner.from_settings(Settings(database_url=sqlite_url, exports_dir=tmp_path / "exports"))


@pytest.fixture
def any_planner(tmp_path: Path, database_url: str) -> Planner:
    """The same planner on SQLite and on PostgreSQL."""
    return Planner.from_settings(Settings(database_url=database_url, exports_dir=tmp_path / "exports"))


# --- the running assistant ----------------------------------------------------------


@dataclass
class Assistant:
    """The trained assistant: Rasa server (REST channel) and action server, on loopback."""

    rasa_url: str
    token: str
    planner: Planner
    exports_dir: Path
    actions: ActionServer
    processes: list = field(default_factory=list)

    def say(self, sender: str, text: str) -> list[str]:
        replies = http_json(f"{self.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        return [reply.get("text", "") for reply in replies]

    def parse(self, text: str) -> dict:
        return http_json(f"{self.rasa_url}/model/parse?token={self.token}", {"text": text})

    @property
    def page_url(self) -> str:
        return f"{self.rasa_url}/webhooks/meeting/"

    def conversation(self, name: str = "") -> Conversation:
        return Conversation(self, f"{name or 'c'}-{secrets.token_hex(4)}")


@dataclass
class Conversation:
    assistant: Assistant
    sender: str
    transcript: list = field(default_factory=list)

    def say(self, text: str) -> str:
        """Send one message; return everything the bot replied, joined."""
        reply = "\n".join(self.assistant.say(self.sender, text))
        self.transcript.append((text, reply))
        return reply


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Iterator[Assistant]:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` (make test does it).")
    work = tmp_path_factory.mktemp("assistant")
    database_url = f"sqlite:///{work / 'plans.db'}"
    exports_dir = work / "exports"
    # A new Rasa session every few messages, so that every conversation test also proves
    # that nothing depends on history a session boundary drops (addons/tracker_store.py).
    env = server_env(database_url, exports_dir, turns_per_session=TEST_TURNS_PER_SESSION)
    actions = ActionServer(free_port(), env, work / "actions.log")
    # The tests talk over REST as well as through the meeting page.
    endpoints, credentials = write_server_config(work, actions.port, env)
    rasa_port, token = free_port(), secrets.token_hex(8)
    rasa_log = work / "rasa.log"
    rasa = start_rasa(MODEL, endpoints, credentials, rasa_port, env, cwd=work, log=rasa_log, token=token)
    try:
        actions.start()
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa, rasa_log)
        planner = Planner.from_settings(Settings(database_url=database_url, exports_dir=exports_dir))
        yield Assistant(f"http://127.0.0.1:{rasa_port}", token, planner, exports_dir, actions, [rasa])
    finally:
        actions.kill()
        stop(rasa)
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        for log in (rasa_log, actions.log):
            if log.exists():
                shutil.copy(log, artifacts / log.name)


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        unavailable("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    return path


def pytest_collection_finish(session) -> None:
    """Every test module is imported by now, with TensorFlow, spaCy and Rasa: millions of objects
    that live as long as the process. Frozen, Python's full garbage collections stop walking them
    (each walk took about half a second, several times a minute, in the unit tier)."""
    gc.freeze()
