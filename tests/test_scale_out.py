"""The production profile, started by its own launcher (python -m bot.launcher --production, what
`make serve-prod` runs): two Rasa servers sharing the SQL tracker store on PostgreSQL and Rasa's
Redis lock store, two action servers, plans in PostgreSQL. Driven through the meeting page's
channel, as committees use it. The tests that kill servers come last: the cluster is shared."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from docx import Document

from bot.plans.planner import Planner
from bot.settings import Settings
from tests.conftest import postgres_database, unavailable
from tests.servers import (
    BIN,
    ROOT,
    Launched,
    consecutive_free_ports,
    launch,
    server_env,
    wait_until_up,
)

MEMBERS = "Maria Ortiz, principal; Officer Dan Lee, SRO; Sam Green, parent; Ana Ruiz, student"


@dataclass
class Cluster:
    launched: Launched
    replicas: list[str]  # base URLs of the Rasa servers
    pids: dict[str, int]  # "rasa server 1" -> pid
    action_ports: list[int]
    env: dict
    planner: Planner
    work: Path
    restarted: list[subprocess.Popen] = field(default_factory=list)  # servers a test started again


def redis_reachable() -> None:
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as error:
        unavailable(f"Redis is not reachable at 127.0.0.1:6379: {error}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    # The launcher creates the database itself, as it would for an operator.
    with postgres_database() as url:
        yield from started_cluster(url, tmp_path_factory.mktemp("cluster"))


def started_cluster(postgres_url: str, work: Path) -> Iterator[Cluster]:
    redis_reachable()
    env = {
        **server_env(
            postgres_url, work / "exports", turns_per_session=3, CONVERSATIONS_URL=postgres_url, LOCK_STORE="redis"
        ),
        # One run of four ports: two Rasa servers, then two action servers.
        "PORT": str(ports := consecutive_free_ports(4)),
        "ACTION_PORT": str(ports + 2),
        "RASA_API_TOKEN": secrets.token_hex(8),
        "REPLICAS": "2",
        "ACTION_SERVERS": "2",
    }
    try:
        launched = launch(["--production"], env)
    except RuntimeError as failure:
        pytest.fail(str(failure))
    replicas = [f"http://127.0.0.1:{port}" for port, _ in launched.servers("rasa server")]
    action_ports = [port for port, _ in launched.servers("action server")]
    pids = {
        f"{role} {i + 1}": pid
        for role in ("rasa server", "action server")
        for i, (_, pid) in enumerate(launched.servers(role))
    }
    assert len(replicas) == 2 and len(action_ports) == 2, launched.output
    planner = Planner.from_settings(Settings(database_url=postgres_url, exports_dir=work / "exports"))
    cluster = Cluster(launched, replicas, pids, action_ports, env, planner, work)
    try:
        yield cluster
    finally:
        for process in cluster.restarted:
            process.terminate()
            process.wait(timeout=30)
        launched.shut_down("cluster-launcher.log")


def post(url: str, payload: dict, timeout: float = 120) -> dict:
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class Device:
    """One browser tab of the meeting page: its own conversation, bound to a plan by code and key."""

    cluster: Cluster
    name: str = field(default_factory=lambda: f"device-{secrets.token_hex(4)}")
    code: str | None = None
    key: str | None = None
    speaker: str | None = None

    def say(self, text: str, replica: int = 0) -> str:
        payload = {"device": self.name, "message": text, "speaker": self.speaker}
        if self.code:
            payload.update(code=self.code, key=self.key)
        reply = post(self.cluster.replicas[replica] + "/webhooks/meeting/webhook", payload)
        if reply.get("plan"):
            self.code, self.key = reply["plan"]["code"], reply["plan"]["key"]
        return "\n".join(reply["messages"])

    def join(self, code: str, key: str, replica: int = 0) -> str:
        self.code, self.key = code, key
        return self.say("/resume_plan", replica)


def new_plan(cluster: Cluster) -> Device:
    device = Device(cluster)
    for i, line in enumerate(
        ["start a new plan", "Lincoln Unified School District", "Lincoln Police Department", MEMBERS]
    ):
        device.say(line, replica=i % 2)
    assert device.code, "no plan was created"
    device.join(device.code, device.key, replica=1)
    return device


def stored(cluster: Cluster, code: str) -> list[tuple[str, str, str | None]]:
    return [(a.question_id, a.text, a.member_name) for a in cluster.planner.snapshot(code).answers]


def test_one_conversation_alternating_between_replicas_keeps_every_answer_in_order(cluster):
    device = new_plan(cluster)
    questions = cluster.planner.guide.questions
    sent = []
    turn = 0
    for question in questions[:6]:
        for speaker in ("Maria Ortiz", "Sam Green"):
            text = f"On {question.short.lower()}, {speaker.split()[0]} says answer {turn}."
            assert "Saved" in device.say(f"{speaker}: {text}", replica=turn % 2)
            sent.append((question.id, text, speaker))
            turn += 1
        device.say("next", replica=turn % 2)
        turn += 1
    device.say("go back", replica=turn % 2)
    assert cluster.planner.state(device.code).current == questions[5]
    reply = device.say("export the documents", replica=(turn + 1) % 2)
    assert "Draft MOU" in reply or ".docx" in reply, reply

    assert stored(cluster, device.code) == sent  # once each, in the order given
    files = cluster.planner.export(device.code)
    summary = [p.text for p in Document(str(files.summary)).paragraphs if p.style.name == "Answer"]
    assert summary == [text for _, text, _ in sent]
    articles = [p.text for p in Document(str(files.draft_mou)).paragraphs if p.style.name == "Article"]
    assert articles == [a.title for a in cluster.planner.guide.articles]


def test_two_members_answering_at_the_same_instant_on_different_replicas(cluster):
    host = new_plan(cluster)
    guest = Device(cluster)
    guest.join(host.code, host.key, replica=0)
    host.speaker, guest.speaker = "Maria Ortiz", "Sam Green"
    sent = []
    for round_number in range(5):
        texts = {
            host.name: f"Round {round_number}: the principal's view.",
            guest.name: f"Round {round_number}: a parent's view.",
        }
        barrier = threading.Barrier(2)
        replies = {}

        def answer(device: Device, replica: int) -> None:
            barrier.wait()
            replies[device.name] = device.say(texts[device.name], replica)

        threads = [threading.Thread(target=answer, args=(host, 0)), threading.Thread(target=answer, args=(guest, 1))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all("Saved" in reply for reply in replies.values()), replies
        sent += [texts[host.name], texts[guest.name]]
    answers = [text for _, text, _ in stored(cluster, host.code)]
    assert sorted(answers) == sorted(sent)  # both stored, none twice, none lost


def test_one_conversation_hit_on_both_replicas_at_the_same_instant_loses_nothing(cluster):
    """Rasa's Redis lock store can let two servers take one conversation's lock at the same
    instant (RasaHQ/rasa#11256). Each answer is its own insert in our database, committed by
    the action before the reply, so even then nothing is lost or stored twice."""
    device = new_plan(cluster)
    device.speaker = "Maria Ortiz"
    sent = []
    for round_number in range(5):
        texts = [f"Same instant {round_number}, first copy.", f"Same instant {round_number}, second copy."]
        barrier = threading.Barrier(2)
        replies = []

        def answer(text: str, replica: int) -> None:
            barrier.wait()
            replies.append(device.say(text, replica))

        threads = [threading.Thread(target=answer, args=(text, i)) for i, text in enumerate(texts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all("Saved" in reply for reply in replies), replies
        sent += texts
    answers = [text for _, text, _ in stored(cluster, device.code)]
    assert sorted(answers) == sorted(sent)


def test_an_action_server_killed_and_restarted_loses_nothing(cluster):
    device = new_plan(cluster)
    device.speaker = "Officer Dan Lee"
    assert "Saved" in device.say("Before the action server goes down.", replica=0)
    os.kill(cluster.pids["action server 1"], signal.SIGKILL)
    time.sleep(1)
    # Rasa server 1 has lost its action server: it must not claim to have saved anything.
    try:
        lost = device.say("While it is down.", replica=0)
    except urllib.error.HTTPError:
        lost = ""
    assert "Saved" not in lost
    port = cluster.action_ports[0]
    log = cluster.work / "action-server-restarted.log"
    restarted = subprocess.Popen(
        [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        cwd=ROOT,
        env=cluster.env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    cluster.restarted.append(restarted)
    wait_until_up(f"http://127.0.0.1:{port}/health", restarted, log)
    assert "Saved" in device.say("The officer joins the safety committee.", replica=0)
    assert "Saved" in device.say("The officer also teaches a unit on online safety.", replica=1)
    answers = [text for _, text, _ in stored(cluster, device.code)]
    assert answers == [
        "Before the action server goes down.",
        "The officer joins the safety committee.",
        "The officer also teaches a unit on online safety.",
    ]


def test_a_rasa_server_killed_mid_conversation_the_other_carries_on(cluster):
    device = new_plan(cluster)
    device.speaker = "Ana Ruiz"
    sent = []
    for turn in range(4):
        # Plainly answers: "Student view 0 before the crash." reads as "show the clause" too, and
        # is asked about (addons/command_or_answer.py), which is not what this test is about.
        text = f"Students, round {turn} of the first half, want the officer at lunch."
        assert "Saved" in device.say(text, replica=turn % 2)
        sent.append(text)
    os.kill(cluster.pids["rasa server 2"], signal.SIGKILL)
    for turn in range(4):
        text = f"Students, round {turn} of the second half, want the officer at lunch."
        assert "Saved" in device.say(text, replica=0)
        sent.append(text)
    assert device.say("next", replica=0)
    questions = cluster.planner.guide.questions
    assert cluster.planner.state(device.code).current == questions[1]
    assert [text for _, text, _ in stored(cluster, device.code)] == sent
    assert reported(cluster, "The rasa server 2 (port"), cluster.launched.output


def reported(cluster: Cluster, opening: str, seconds: float = 30) -> bool:
    """Whether the launcher reported a stopped server whose report opens with `opening`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(line.startswith(opening) and "stopped" in line for line in cluster.launched.output):
            return True
        time.sleep(0.5)
    return False
