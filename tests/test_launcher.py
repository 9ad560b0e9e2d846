"""`make run` as a facilitator starts it: python -m bot.launcher with the embedded defaults
(SQLite, one Rasa server with the meeting page, one action server) prints the page's URL,
serves it, and stops every server it started on SIGTERM."""

import os
import subprocess
import sys
import urllib.request

from bot.storage import database
from tests.servers import ROOT, consecutive_free_ports, launch


def test_the_embedded_profile_serves_the_meeting_page_and_stops_cleanly(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'plans.db'}",
        "EXPORTS_DIR": str(tmp_path / "exports"),
        "CONVERSATIONS_URL": f"sqlite:///{tmp_path / 'conversations.db'}",
        "PORT": str(ports := consecutive_free_ports(2)),
        "ACTION_PORT": str(ports + 1),
    }
    launched = launch([], env)
    try:
        ((port, rasa_pid),) = launched.servers("rasa server")
        ((_, action_pid),) = launched.servers("action server")
        text = "".join(launched.output)
        assert f"Meeting page: http://localhost:{port}/webhooks/meeting/" in text
        assert f"schema {database.latest_revision()}" in text and "lock store in_memory" in text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/webhooks/meeting/", timeout=30) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
    finally:
        assert launched.shut_down("launcher-embedded.log") == 0
    for pid in (rasa_pid, action_pid):  # nothing left running
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read()


def test_several_rasa_servers_without_a_shared_lock_store_are_refused(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'plans.db'}",
        "REPLICAS": "2",
        "LOCK_STORE": "in_memory",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.launcher"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "set LOCK_STORE=redis" in result.stderr
    assert not (tmp_path / "plans.db").exists()  # refused before touching anything
