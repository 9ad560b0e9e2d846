"""Closed by default (issue 10), tried against the servers as `make run` starts them: the
launcher with its embedded defaults, on loopback ports, with low limits so that each one can be
reached in a few requests. Clients on other loopback addresses (127.0.0.2, ...) stand for other
devices in the room; nothing leaves this computer."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document

from bot.plans import codes
from bot.plans.planner import MAX_MEMBERS, AnswerRejected, Planner, PlanRefused
from bot.reading.reader import AnswerReader
from bot.settings import Settings
from tests.conftest import at_once
from tests.servers import ROOT, consecutive_free_ports, launch

LOW_LIMITS = {
    "LIMIT_MESSAGES_PER_DEVICE": "12/minute",
    "LIMIT_MESSAGES_PER_ADDRESS": "1000/minute",
    "LIMIT_PLANS_PER_ADDRESS": "2/hour",
    "LIMIT_WRONG_KEYS_SLOWED": "2/minute",
    "LIMIT_WRONG_KEYS_REFUSED": "4/15 minutes",
}


ADDRESSES = itertools.count(1)


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body or b"null")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Running:
    """The launcher's servers, and where they keep things."""

    port: int
    action_port: int
    work: Path
    env: dict
    output: list

    def request(
        self,
        method: str,
        path: str,
        payload=None,
        headers=None,
        source: str = "127.0.0.1",
        raw: bytes | None = None,
        port: int | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=120, source_address=(source, 0))
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else None)
        try:
            connection.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        except (ConnectionResetError, BrokenPipeError):  # a server may close before reading a refused body
            return Reply(413, {}, b"")
        finally:
            connection.close()

    def say(self, device: str, message: str, plan: dict | None = None, speaker=None, source="127.0.0.1") -> Reply:
        return self.request(
            "POST",
            "/webhooks/meeting/webhook",
            {"device": device, "message": message, "speaker": speaker, **(plan or {})},
            source=source,
        )

    def planner(self) -> Planner:
        return Planner.from_settings(
            Settings(database_url=self.env["DATABASE_URL"], exports_dir=Path(self.env["EXPORTS_DIR"]))
        )

    def conversations(self) -> list[tuple]:
        with sqlite3.connect(self.work / "conversations.db") as db:
            return db.execute("SELECT sender_id, type_name, data FROM events").fetchall()

    def new_plan(self, device: str, source: str | None = None) -> dict:
        """A plan made on the page as a facilitator makes one; returns the page's {code, key}.
        Each from an address of its own unless `source` names one: plans per address are limited."""
        source = source or f"127.0.1.{next(ADDRESSES)}"
        replies = [
            self.say(device, text, source=source)
            for text in (
                "/start_plan",
                "Harbor View Unified",
                "Harbor View Police Department",
                "Maria Ortiz, principal",
            )
        ]
        assert all(r.status == 200 for r in replies), [r.text for r in replies]
        return replies[-1].json["plan"]


def make_run_environment(work: Path, **settings: str) -> tuple[int, dict]:
    """The launcher's environment as `make run` has it (the defaults), its stores in `work`, on
    free ports: the first port, and the environment with `settings` added."""
    port = consecutive_free_ports(2)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'plans.db'}",
        "EXPORTS_DIR": str(work / "exports"),
        "CONVERSATIONS_URL": f"sqlite:///{work / 'conversations.db'}",
        "PORT": str(port),
        "ACTION_PORT": str(port + 1),
    }
    for name in ("HOST", "ACTION_HOST", "ACTION_SERVER_SECRET", "RASA_API_TOKEN", "TLS_CERTIFICATE", "TLS_KEY"):
        env.pop(name, None)
    return port, {**env, **settings}


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    work = tmp_path_factory.mktemp("make-run")
    port, env = make_run_environment(work, **LOW_LIMITS)
    launched = launch([], env)
    try:
        yield Running(port, port + 1, work, env, launched.output)
    finally:
        launched.shut_down("launcher-security.log")


def listening(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at `port`, read from the kernel's table."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    found.add(
                        socket.inet_ntop(socket.AF_INET6, b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4)))
                    )
    return found


# --- 1. what listens where, and who may call the action server ---------------------------


def test_every_server_listens_on_loopback_only(running):
    assert listening(running.port) == {"127.0.0.1"}
    assert listening(running.action_port) == {"127.0.0.1"}
    text = "".join(running.output)
    assert "Only this computer can open it" in text and "HOST=0.0.0.0" in text


def test_the_action_server_keeps_an_idle_connection_past_the_rasa_sides_limit(running):
    """The Rasa server drops a connection idle for 4 s (addons/action_connections.py); the action
    server must not close one sooner, or a call could go out on a closing connection. Sanic's own
    default closed it after 5 s."""
    connection = http.client.HTTPConnection("127.0.0.1", running.action_port, timeout=30)
    connection.request("GET", "/health")
    first = connection.getresponse()
    first.read()
    assert first.status == 200 and first.getheader("Connection", "keep-alive").lower() == "keep-alive"
    time.sleep(6)
    connection.request("GET", "/health")  # the same socket: it fails if the server closed it
    assert connection.getresponse().status == 200
    connection.close()


def test_the_action_server_refuses_calls_without_its_secret(running):
    code = running.planner().create_plan("Secret Valley USD", "Valley PD", "").code
    running.planner().record_answer(code, "confidential answer text")
    call = {
        "next_action": "action_review_answers",
        "sender_id": "outsider",
        "version": "3.6.21",
        "tracker": {
            "sender_id": "outsider",
            "slots": {"plan_code": code},
            "events": [],
            "latest_message": {"text": "review", "intent": {"name": "review_answers"}},
        },
        "domain": {},
    }
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "wrong"}):
        for path in ("/webhook", "/actions", "/read-ahead"):
            reply = running.request(
                "GET" if path == "/actions" else "POST", path, call, headers, port=running.action_port
            )
            assert reply.status == 401 and "confidential" not in reply.text
    assert running.request("GET", "/health", port=running.action_port).status == 200
    assert len(running.planner().snapshot(code).answers) == 1  # nothing written either


def test_rasas_http_api_is_off_without_a_token(running):
    for method, path in (("POST", "/model/parse"), ("GET", "/conversations/x/tracker"), ("GET", "/status")):
        assert running.request(method, path, {"text": "hi"}).status in (401, 403, 404)


# --- 2. a device id is not a credential ------------------------------------------------


def test_a_device_that_created_a_plan_cannot_act_on_it_without_the_key(running):
    plan = running.new_plan("creator-device-1")
    planner = running.planner()
    before = planner.snapshot(plan["code"])
    for message in ("review", "The officer will patrol the parking lot at dismissal.", "export"):
        reply = running.say("creator-device-1", message)
        assert reply.status == 200 and "Maria Ortiz" not in reply.text and plan["code"] not in reply.text
    after = planner.snapshot(plan["code"])
    assert after.answers == before.answers and planner.exports(plan["code"]) == []
    # With its code and key the same device goes on as before.
    running.say("creator-device-1", "/resume_plan", plan)
    reply = running.say("creator-device-1", "Students feel safer with a known adult.", plan)
    assert reply.status == 200 and "Saved" in reply.text


# --- 3. the key stays out of stored conversations and URLs; redaction covers every wording ---


def test_the_access_key_reaches_the_page_but_no_stored_conversation(running):
    plan = running.new_plan("key-device-01")
    assert plan["key"] and running.planner().has_access(plan["code"], plan["key"])
    running.say("key-device-01", "We agree on a shared purpose.", plan)
    rows = running.conversations()
    assert any(plan["code"] in data for _, _, data in rows)  # the conversation is stored ...
    assert not any(plan["key"] in data or plan["key"] in sender for sender, _, data in rows)  # ... the key is not


def test_changing_an_answer_to_remove_a_student_leaves_no_trace_in_the_documents(running):
    planner = running.planner()
    code = planner.create_plan("Lincoln USD", "Lincoln PD", "Maria Ortiz, principal").code
    answer = planner.record_answer(
        code, "Jordan Miller, student ID 4471823, was arrested at the bus stop.", "Maria Ortiz"
    ).answer
    planner.revise_answer(code, answer.id, "A student was arrested at the bus stop last year.")
    files = planner.export(code)
    for path in (files.summary, files.draft_mou):
        document = Document(str(path))
        texts = [p.text for p in document.paragraphs]
        texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        texts += [comment.text for comment in document.comments]  # the draft quotes the discussion there
        assert any("bus stop" in t for t in texts)
        assert not any("Jordan" in t or "Miller" in t or "4471823" in t for t in texts), path.name
    assert any("Earlier wording" in p.text for p in Document(str(files.summary)).paragraphs)


def test_pages_and_their_data_carry_the_security_headers(running):
    plan = running.new_plan("header-device-1")
    running.say("header-device-1", "export", plan)
    page = running.request("GET", "/webhooks/meeting/")
    state = running.request(
        "GET", "/webhooks/meeting/state", headers={"X-Plan-Code": plan["code"], "X-Plan-Key": plan["key"]}
    )
    file = state.json["downloads"][0]["file"]
    link = running.request(
        "POST", "/webhooks/meeting/link", {"file": file}, {"X-Plan-Code": plan["code"], "X-Plan-Key": plan["key"]}
    )
    download = running.request("GET", "/webhooks/meeting/" + link.json["url"])
    assert (page.status, state.status, link.status, download.status) == (200, 200, 200, 200)
    for reply in (page, state, download):
        policy = reply.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["referrer-policy"] == "no-referrer"
    for reply in (state, download):
        assert reply.headers["cache-control"] == "no-store"
    assert download.body[:2] == b"PK" and plan["key"] not in link.json["url"]
    assert b"<script>" not in page.body and b"style=" not in page.body  # nothing the policy would block


def test_export_replies_name_files_not_the_servers_folders(running):
    plan = running.new_plan("export-device-1")
    reply = running.say("export-device-1", "export the documents", plan)
    assert "draft-mou" in reply.text and str(running.work) not in reply.text and "/exports" not in reply.text


# --- 5. bounds ------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_before_it_is_read(running):
    plan = running.new_plan("big-body-dev1")
    too_big = json.dumps({"device": "big-body-dev1", "message": "x" * 1_500_000, **plan}).encode()
    assert running.request("POST", "/webhooks/meeting/webhook", raw=too_big).status == 413
    assert running.planner().snapshot(plan["code"]).answers == ()


def test_messages_per_device_are_limited_and_others_carry_on(running):
    plan = running.new_plan("chatty-device-1")
    running.say("chatty-device-1", "/resume_plan", plan)
    statuses = [running.say("chatty-device-1", f"Answer number {i} about patrols.", plan).status for i in range(12)]
    assert 429 in statuses and statuses.index(429) > 2
    refused = running.say("chatty-device-1", "One more.", plan)
    assert refused.status == 429 and int(refused.headers["retry-after"]) > 0 and "wait" in refused.json["error"]
    running.say("quiet-device-22", "/resume_plan", plan)
    heard = running.say("quiet-device-22", "Parents want a clear complaint form.", plan)
    assert heard.status == 200 and "Saved" in heard.text, heard.text
    stored = [a.text for a in running.planner().snapshot(plan["code"]).answers]
    assert "One more." not in stored and "Parents want a clear complaint form." in stored


def test_plan_creations_per_address_are_limited(running):
    made = [running.new_plan(f"maker-device-{i}", source="127.0.0.3") for i in range(2)]
    assert all(p and p["key"] for p in made)
    start = running.say("maker-device-9", "/start_plan", source="127.0.0.3")
    assert "no new plan can be created now" in start.text
    for text in ("Third School District", "Third Police", "nobody"):
        last = running.say("maker-device-9", text, source="127.0.0.3")
    assert last.json["plan"] is None and "no new plan" in last.text
    assert running.new_plan("maker-device-0", source="127.0.0.4")["key"]  # another address is not held up


def test_wrong_keys_are_slowed_then_refused_but_the_right_key_still_opens(running):
    plan = running.new_plan("guess-target-1")
    state = "/webhooks/meeting/state"
    wrong = [
        running.request(
            "GET", state, headers={"X-Plan-Code": plan["code"], "X-Plan-Key": f"guess{i}"}, source="127.0.0.5"
        ).status
        for i in range(6)
    ]
    assert wrong[:4] == [403] * 4 and wrong[4:] == [429, 429]
    right = {"X-Plan-Code": plan["code"], "X-Plan-Key": plan["key"]}
    assert running.request("GET", state, headers=right, source="127.0.0.5").status == 200
    assert running.request("GET", state, headers=right, source="127.0.0.6").status == 200


# --- 6. text: NUL, lone surrogates, bidi controls ---------------------------------------


def test_lone_surrogates_nul_and_bidi_controls_are_removed_from_every_field(running):
    # Built by hand: JSON's \\ud800 escape is how a browser sends half of an emoji.
    def send(raw: bytes) -> Reply:
        return running.request("POST", "/webhooks/meeting/webhook", raw=raw, source="127.0.2.1")

    assert send(b'{"device": "odd-text-dev1", "message": "/start_plan"}').status == 200
    for message in ("Harbor\\u0000 View\\u202e Unified\\ud800", "Harbor\\u2066 Police"):
        assert send(('{"device": "odd-text-dev1", "message": "%s"}' % message).encode()).status == 200
    plan = send(b'{"device": "odd-text-dev1", "message": "Sam\\u0000 Green\\u202e, parent"}').json["plan"]
    body = (
        '{"device": "odd-text-dev1", "message": "Half \\ud83d an emoji, a NUL\\u0000 and an override\\u202e.",'
        ' "speaker": "Dana\\u0000 Lee\\u202d", "code": "%s", "key": "%s"}' % (plan["code"], plan["key"])
    )
    assert (
        send(
            (
                '{"device": "odd-text-dev1", "message": "/resume_plan", "code": "%s", "key": "%s"}'
                % (plan["code"], plan["key"])
            ).encode()
        ).status
        == 200
    )
    reply = send(body.encode())
    assert reply.status == 200 and "Saved" in reply.text
    alone = '{"device": "odd-text-dev1", "message": "\\ud800", "code": "%s", "key": "%s"}' % (plan["code"], plan["key"])
    refused = send(alone.encode())
    assert refused.status == 400 and "nothing was saved" in refused.json["error"]
    snapshot = running.planner().snapshot(plan["code"])
    assert (snapshot.school, snapshot.agency) == ("Harbor View Unified", "Harbor Police")
    assert [m.name for m in snapshot.members] == ["Sam Green", "Dana Lee"]
    assert [a.text for a in snapshot.answers] == ["Half  an emoji, a NUL and an override."]


def test_every_text_field_is_cleaned_on_both_databases(any_planner):
    state = any_planner.create_plan("Lincoln\x00 USD\u202e", "Lincoln\ud800 PD", "Maria\x00 Ortiz, principal")
    recorded = any_planner.record_answer(state.code, "We\x00 agree\u2067.", "Sam\x00 Green")
    snapshot = any_planner.snapshot(state.code)
    assert (snapshot.school, snapshot.agency) == ("Lincoln USD", "Lincoln PD")
    assert [m.name for m in snapshot.members] == ["Maria Ortiz", "Sam Green"]
    assert recorded.answer.text == "We agree." == snapshot.answers[0].text


# --- 5, continued: bounded work --------------------------------------------------------


def test_a_long_answer_lets_another_committee_be_read_between_its_pieces(planner):
    reader: AnswerReader = planner.reader
    long_answer = "The officer will walk the halls and greet students by name. " * 340  # five pieces and more
    finished: list[str] = []
    started = threading.Event()
    original = reader._read_piece

    def noting_start(*args, **kwargs):
        started.set()
        return original(*args, **kwargs)

    reader._read_piece = noting_start  # observes the real reading; changes nothing it does
    try:
        long_thread = threading.Thread(target=lambda: (reader.read(long_answer), finished.append("long")))
        long_thread.start()
        started.wait(30)
        reader.read("Parents want a clear complaint form.")
        finished.append("short")
        long_thread.join()
    finally:
        del reader._read_piece
    assert finished == ["short", "long"]


def test_member_lists_are_capped_with_a_clear_message(planner):
    names = "; ".join(f"Member {i}, parent" for i in range(MAX_MEMBERS + 1))
    with pytest.raises(PlanRefused, match=f"at most {MAX_MEMBERS} members"):
        planner.create_plan("Lincoln USD", "Lincoln PD", names)
    code = planner.create_plan(
        "Lincoln USD", "Lincoln PD", "; ".join(f"Member {i}, parent" for i in range(MAX_MEMBERS))
    ).code
    with pytest.raises(AnswerRejected, match="nothing was saved"):
        planner.record_answer(code, "A new voice.", "Somebody New")
    assert planner.snapshot(code).answers == ()
    planner.record_answer(code, "A known voice.", "Member 7")  # a member already named is fine


def test_codes_grow_before_they_are_crowded_and_a_full_space_says_so(planner, monkeypatch):
    words = len(codes.CODE_WORDS)
    assert codes.code_digits(0) == 3
    assert codes.code_digits(words * 900 // 10 - 1) == 3
    assert codes.code_digits(words * 900 // 10) == 4
    assert codes.code_digits(words * 9000 // 10) == 5
    assert codes.find_code("resume maple 4172") == "MAPLE-4172"
    taken = planner.create_plan("Lincoln USD", "Lincoln PD", "").code
    monkeypatch.setattr(codes, "new_code", lambda digits=3: taken)  # every code drawn is taken
    with pytest.raises(PlanRefused, match="No free plan code"):
        planner.create_plan("Other USD", "Other PD", "")


# --- 7. exports never overwrite each other ---------------------------------------------


def test_simultaneous_exports_write_separate_files(running):
    plan = running.new_plan("twin-export-1")
    devices = ["twin-export-1", "twin-export-2"]
    for device in devices[1:]:
        running.say(device, "/resume_plan", plan)
    replies, errors = at_once([lambda d=d: running.say(d, "/export_documents", plan) for d in devices])
    assert errors == [] and all(r.status == 200 for r in replies)
    records = running.planner().exports(plan["code"])
    names = {r.file_name for r in records}
    assert len(records) == 4 and len(names) == 4
    assert all((Path(running.env["EXPORTS_DIR"]) / name).stat().st_size > 0 for name in names)


# --- 4. deleting a plan completely ------------------------------------------------------


def test_deleting_a_plan_leaves_no_row_of_it_in_either_database(running):
    plan = running.new_plan("delete-device-1")
    running.say("delete-device-1", "We want a consistent adult presence.", plan)
    running.say("delete-device-1", "export", plan)
    files = [Path(running.env["EXPORTS_DIR"]) / r.file_name for r in running.planner().exports(plan["code"])]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "delete", plan["code"], "--yes"],
        cwd=ROOT,
        env=running.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert not any(plan["code"] in data or plan["code"] in sender for sender, _, data in running.conversations())
    with sqlite3.connect(running.work / "plans.db") as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        dump = "\n".join(str(row) for t in tables for row in db.execute(f'SELECT * FROM "{t}"'))
    assert plan["code"] not in dump and "consistent adult presence" not in dump
    assert files and not any(f.exists() for f in files)
    assert (
        running.request(
            "GET", "/webhooks/meeting/state", headers={"X-Plan-Code": plan["code"], "X-Plan-Key": plan["key"]}
        ).status
        == 403
    )


# --- 9. HTTPS when the page is shared ---------------------------------------------------


@pytest.mark.server  # starts the launcher itself
def test_the_page_is_served_over_tls_when_given_a_certificate(tmp_path):
    certificate, key = tmp_path / "room.crt", tmp_path / "room.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    port, env = make_run_environment(tmp_path, TLS_CERTIFICATE=str(certificate), TLS_KEY=str(key))
    launched = launch([], env)
    try:
        assert f"Meeting page: https://localhost:{port}/webhooks/meeting/" in "".join(launched.output)
        context = ssl.create_default_context(cafile=str(certificate))
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=60)
        connection.request("GET", "/webhooks/meeting/")
        response = connection.getresponse()
        assert response.status == 200 and b"<html" in response.read().lower()
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
            plain.request("GET", "/webhooks/meeting/")
            plain.getresponse().read()
    finally:
        assert launched.shut_down("launcher-tls.log") == 0
