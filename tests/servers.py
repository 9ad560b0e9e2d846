"""Launching the real servers on loopback: the Rasa server and the action server.

Shared by the conversation tests (tests/conftest.py's `assistant` fixture) and the benchmark
(tests/benchmarks/bench.py), so both run the assistant the same way. No pytest import here."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Topology

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    return consecutive_free_ports(1)


def http_json(url: str, payload: dict | None = None, timeout: float = 120) -> object:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 180, interval: float = 0.5) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early; its log:\n{log.read_text()[-4000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(interval)
    raise RuntimeError(f"{url} did not come up in {seconds} s; log:\n{log.read_text()[-4000:]}")


TEST_LIMITS = {
    "LIMIT_MESSAGES_PER_DEVICE": "1000/minute",
    "LIMIT_MESSAGES_PER_ADDRESS": "100000/minute",
    "LIMIT_PLANS_PER_ADDRESS": "10000/hour",
}


def server_env(
    database_url: str, exports_dir: Path, base: dict | None = None, turns_per_session: int | None = None, **stores: str
) -> dict:
    """The environment both servers run with (what bot.launcher gives them): their own
    database and exports folder, a conversation store beside them unless `stores` names
    another (CONVERSATIONS_URL, LOCK_STORE, ...)."""
    base = dict(os.environ if base is None else base)
    topology = Topology.from_environment(
        {
            "DATABASE_URL": database_url,
            "EXPORTS_DIR": str(exports_dir),
            "CONVERSATIONS_URL": f"sqlite:///{exports_dir.parent / 'conversations.db'}",
            "TURNS_PER_SESSION": str(turns_per_session or ""),  # empty: the assistant's default
            **stores,
        }
    )
    return {
        **base,
        # Every test client is 127.0.0.1: the page's per-address limits would be one committee's.
        # tests/test_security.py sets its own, low, to prove them.
        **TEST_LIMITS,
        **topology.rasa_server_environment(),
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        # The model names a custom component (addons.answer_guard); Rasa runs from a temp folder.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), base.get("PYTHONPATH")])),
    }


def write_server_config(folder: Path, action_port: int | None, env: dict | None = None) -> tuple[Path, Path]:
    """endpoints.yml and credentials.yml (the REST channel, which the tests and the benchmark
    talk over, and the meeting page). With `env` (the planner's), the project's own
    endpoints.yml, which reads env, pointed at the action server; without, another bot's: a
    plain file naming only its action server."""
    if env is not None:
        env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{action_port}/webhook"
        endpoints = ROOT / "endpoints.yml"
    else:
        endpoints = folder / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n' if action_port else "{}\n"
        )
    credentials = folder / "credentials.yml"
    credentials.write_text("rest:\nbot.web.channel.MeetingPageInput:\n")
    return endpoints, credentials


@dataclass
class ActionServer:
    port: int
    env: dict
    log: Path
    process: subprocess.Popen | None = None
    cwd: Path = ROOT

    def launch(self) -> subprocess.Popen:
        """Start the process without waiting for it to answer."""
        # As the launcher starts it: on loopback (rasa-sdk reads SANIC_HOST), Sanic's own body limit.
        env = {k: v for k, v in self.env.items() if k != "SANIC_REQUEST_MAX_SIZE"}
        self.process = subprocess.Popen(
            [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.port)],
            cwd=self.cwd,
            env={**env, "SANIC_HOST": "127.0.0.1"},
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        return self.process

    def wait(self, seconds: float = 180, interval: float = 0.5) -> None:
        wait_until_up(self.url("/health"), self.process, self.log, seconds, interval)

    def start(self) -> None:
        self.launch()
        self.wait()

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def kill(self) -> None:
        """SIGKILL: no chance to flush anything, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def start_rasa(
    model: Path,
    endpoints: Path,
    credentials: Path,
    port: int,
    env: dict,
    *,
    cwd: Path,
    log: Path,
    token: str | None = None,
    extra_args: Sequence[str] = (),
) -> subprocess.Popen:
    """The Rasa server on 127.0.0.1:port, with the HTTP API on behind `token` if one is given.
    Returns at once; wait_until_up(f"http://127.0.0.1:{port}/", ...) waits for the model."""
    api = ["--enable-api", "--auth-token", token] if token else []
    return subprocess.Popen(
        [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(credentials),
            "--port",
            str(port),
            "--interface",
            "127.0.0.1",
            *api,
            *extra_args,
        ],
        cwd=cwd,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen | None, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it has not exited after `timeout` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


SERVER_LINE = re.compile(r"^\s+(rasa server|action server) (\d+) on port (\d+) \(pid (\d+)")


@dataclass
class Launched:
    """`python -m bot.launcher` running, as an operator starts it; its output as it comes."""

    process: subprocess.Popen
    output: list

    def servers(self, role: str) -> list[tuple[int, int]]:
        """(port, pid) of each server of `role` ("rasa server" or "action server") it printed."""
        found = [SERVER_LINE.match(line) for line in self.output]
        return [(int(m[3]), int(m[4])) for m in found if m and m[1] == role]

    def shut_down(self, artifact: str) -> int:
        """SIGTERM, as a service manager stops it; the output is kept in test-artifacts/."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(timeout=30)
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        (ROOT / "test-artifacts" / artifact).write_text("".join(self.output))
        return code


def launch(args: Sequence[str], env: dict, seconds: float = 400) -> Launched:
    """Start the launcher and wait until it says it is ready (or stops: then its output)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.launcher", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    launched = Launched(process, [])
    threading.Thread(target=lambda: launched.output.extend(iter(process.stdout.readline, "")), daemon=True).start()
    deadline = time.monotonic() + seconds
    while not any(line.startswith("Ready.") for line in launched.output):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the launcher did not start the servers:\n" + "".join(launched.output)[-4000:])
        time.sleep(0.5)
    return launched


def consecutive_free_ports(count: int) -> int:
    """The first of `count` free ports in a row (the launcher numbers its servers' ports). They
    are taken below the kernel's ephemeral range: a server binds its port seconds after it is
    chosen (Rasa loads its model first), and meanwhile any outgoing connection may be given an
    ephemeral port."""
    low = ephemeral_ports_start()
    for _ in range(200):
        first = random.randrange(low - 12_000, low - count)
        if all(port_is_free(first + i) for i in range(count)):
            return first
    raise RuntimeError("no run of free ports on loopback")


def ephemeral_ports_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


def spawned_children(parent: int) -> list[int]:
    """The processes `parent` started with multiprocessing's spawn (the action server's export
    and reading processes), in the order they started."""
    found = []
    for entry in Path("/proc").iterdir():
        try:  # the fields after the command's name, which is in parentheses and may hold spaces
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent and b"spawn_main" in (entry / "cmdline").read_bytes():
                found.append((int(fields[19]), int(entry.name)))  # start time, pid
        except (OSError, ValueError, IndexError):  # not a process, or one that ended meanwhile
            continue
    return [pid for _, pid in sorted(found)]
