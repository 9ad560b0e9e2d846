"""Starts the assistant: action servers, then Rasa servers, each on its own port.

    python -m bot.launcher               one of each, SQLite, the meeting page   (make run)
    python -m bot.launcher --shell       the same with the terminal chat        (make shell)
    python -m bot.launcher --production  PostgreSQL, Redis, several of each     (make serve-prod)

bot/settings.py (Topology) says which variables choose what. The schema is migrated once before
any server starts. Rasa server i talks to action server i mod M; a load balancer in front of the
Rasa servers should keep each conversation on one of them (README, "Beyond one machine").
A server that stops is reported; the others carry on. Ctrl-C stops them all.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.plans.text import plural
from bot.settings import LOOPBACK, PROJECT_ROOT, Topology
from bot.storage import database

RASA = Path(sys.executable).with_name("rasa")
QUIET_RASA = PROJECT_ROOT / "scripts" / "rasa-quiet"
MODEL = PROJECT_ROOT / "models" / "planner.tar.gz"
LOGS = PROJECT_ROOT / "var"
START_TIMEOUT = 300  # seconds: a Rasa server loads TensorFlow and the model


@dataclass
class Server:
    role: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    health: str

    @property
    def label(self) -> str:
        return f"{self.role} on port {self.port} (pid {self.process.pid}, log {self.log})"


def start(role: str, port: int, command: Sequence[str], env: dict[str, str], health: str) -> Server:
    if port_taken(port):
        # Else the health check could find the other server and take it for this one.
        raise SystemExit(
            f"Port {port} is already in use, so the {role} cannot start: another assistant may still be "
            f"running (`ss -ltnp | grep {port}` shows which process). Stop it, or set PORT and ACTION_PORT."
        )
    LOGS.mkdir(exist_ok=True)
    log = LOGS / f"{role.replace(' ', '-')}.log"
    process = subprocess.Popen(
        list(command),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Server(role, port, process, log, health)


def port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((LOOPBACK, port)) == 0


def wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(
                f"The {server.role} stopped while starting (exit {server.process.returncode}); see {server.log}."
            )
        try:
            # A readiness probe over loopback: the room's certificate need not name 127.0.0.1.
            with urllib.request.urlopen(server.health, timeout=2, context=ssl._create_unverified_context()):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise SystemExit(f"The {server.role} did not answer within {START_TIMEOUT} s; see {server.log}.")


def environment(topology: Topology) -> dict[str, str]:
    env = {
        **os.environ,
        **topology.server_environment(),
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONWARNINGS": "ignore",
        # TensorFlow's C++ start-up lines (no GPU, CPU instructions) mean nothing to a facilitator.
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    return env


def prepare_database(topology: Topology) -> None:
    url = topology.settings.database_url
    created = database.ensure_database(url)
    revision = database.migrate(database.make_engine(url))
    print(f"Plans and answers: {database.safe_url(url)}{' (created)' if created else ''}, schema {revision}.")
    if topology.conversations_url != url:
        database.ensure_database(topology.conversations_url)


def launch(topology: Topology, shell: bool = False) -> int:
    if not MODEL.exists():
        print(f"No trained model at {MODEL}: run `make train` first.", file=sys.stderr)
        return 2
    if topology.replicas > 1 and topology.lock_store != "redis":
        print("Several Rasa servers need a shared lock store: set LOCK_STORE=redis.", file=sys.stderr)
        return 2
    if bool(topology.tls_certificate) != bool(topology.tls_key):
        print("Only one of TLS_CERTIFICATE and TLS_KEY is set: set both (README, “Sharing the page”).", file=sys.stderr)
        return 2
    prepare_database(topology)
    env = environment(topology)
    rasa_env = {**env, **topology.rasa_server_environment()}
    servers: list[Server] = []
    try:
        # rasa-sdk 3.6 takes its interface from SANIC_HOST (rasa_sdk/endpoint.py), not a flag.
        action_env = {**env, "SANIC_HOST": topology.action_host}
        for i in range(topology.action_servers):
            port = topology.action_port + i
            servers.append(
                start(
                    f"action server {i + 1}",
                    port,
                    # rasa-sdk's own entry point: `rasa run actions` would load Rasa's CLI and TensorFlow.
                    [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
                    action_env,
                    f"http://{reachable(topology.action_host)}:{port}/health",
                )
            )
        for server in servers:
            wait_until_up(server)
        print(
            f"Conversations: {database.safe_url(topology.conversations_url)}, lock store {topology.lock_store}, "
            f"a new Rasa session every {topology.turns_per_session} messages."
        )
        if shell:
            print("Type “start a new plan” to begin, “help” for what you can say, /stop to leave.")
            # The terminal chat is the operator's: its REST channel stays on loopback, whatever HOST says.
            shell_env = {**rasa_env, "ACTION_SERVER_URL": action_url(topology, topology.action_port)}
            # scripts/rasa-quiet: Rasa's command line without libraries' warnings; --quiet: without
            # Rasa's log; --port: Rasa's shell takes 5005 otherwise.
            shell_args = ["--quiet", "--port", str(topology.port), "--interface", LOOPBACK]
            return subprocess.run(
                [
                    sys.executable,
                    str(QUIET_RASA),
                    "shell",
                    "--model",
                    str(MODEL),
                    "--endpoints",
                    "endpoints.yml",
                    *shell_args,
                ],
                cwd=PROJECT_ROOT,
                env=shell_env,
            ).returncode
        # Rasa's HTTP API (conversations, models) only behind a token, and then only for whoever holds it.
        api = ["--enable-api", "--auth-token", topology.api_token] if topology.api_token else []
        tls = (
            ["--ssl-certificate", topology.tls_certificate, "--ssl-keyfile", topology.tls_key or ""]
            if topology.tls_certificate
            else []
        )
        replicas = []
        for i in range(topology.replicas):
            port = topology.port + i
            action_port = topology.action_port + i % topology.action_servers
            replica_env = {**rasa_env, "ACTION_SERVER_URL": action_url(topology, action_port)}
            replicas.append(
                start(
                    f"rasa server {i + 1}",
                    port,
                    [
                        str(RASA),
                        "run",
                        "--model",
                        str(MODEL),
                        "--endpoints",
                        "endpoints.yml",
                        "--credentials",
                        "credentials.yml",
                        "--port",
                        str(port),
                        "--interface",
                        topology.host,
                        *api,
                        *tls,
                    ],
                    replica_env,
                    f"{topology.scheme}://{reachable(topology.host)}:{port}/",
                )
            )
        servers += replicas
        print(f"Starting {plural(len(replicas), 'Rasa server')} (about 20 s)...")
        for server in replicas:
            wait_until_up(server)
        print()
        for server in servers:
            print(f"  {server.label}")
        print()
        for server in replicas:
            print(f"  Meeting page: {topology.scheme}://localhost:{server.port}/webhooks/meeting/")
        print(sharing_note(topology))
        print("\nReady. Ctrl-C stops every server.", flush=True)
        watch(servers)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        for server in servers:
            stop(server)


def reachable(host: str) -> str:
    """Where this computer reaches a server listening on `host`: itself for a wildcard."""
    return LOOPBACK if host in ("0.0.0.0", "::", "") else host


def action_url(topology: Topology, port: int) -> str:
    return f"http://{reachable(topology.action_host)}:{port}/webhook"


def sharing_note(topology: Topology) -> str:
    """What the operator needs to know about who can reach the page."""
    if not topology.shared:
        return (
            "  Only this computer can open it. To let the room's devices join, start with HOST=0.0.0.0\n"
            "  (anyone on the network can then reach the page; each plan still needs its code and key),\n"
            "  best with TLS_CERTIFICATE and TLS_KEY set so the page is encrypted (README, “Sharing the page”)."
        )
    note = (
        f"  Shared on {topology.host}: devices on the network open "
        f"{topology.scheme}://<this computer's address>:<port>/webhooks/meeting/; each plan needs its code and key."
    )
    if not topology.tls_certificate:
        note += (
            "\n  Warning: without TLS_CERTIFICATE and TLS_KEY, answers and access keys cross the network "
            "unencrypted (README, “Sharing the page”)."
        )
    return note


def watch(servers: list[Server]) -> None:
    """Report each server that stops; return when none is left."""
    running = list(servers)
    while running:
        for server in list(running):
            if server.process.poll() is not None:
                running.remove(server)
                print(
                    f"The {server.role} (port {server.port}) stopped with exit code {server.process.returncode}; "
                    f"{len(running)} server(s) still running. See {server.log}.",
                    flush=True,
                )
        time.sleep(1)


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()


def interrupt(*_: object) -> None:
    """SIGTERM (a service manager, a test) stops the servers as Ctrl-C does."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.launcher", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--shell", action="store_true", help="chat in this terminal instead of the meeting page")
    mode.add_argument(
        "--production", action="store_true", help="PostgreSQL, Redis and several servers (defaults in bot/settings.py)"
    )
    args = parser.parse_args(argv)
    # A service manager's SIGTERM and a closed terminal's SIGHUP stop the servers as Ctrl-C does:
    # they run in sessions of their own, so nothing else would stop them.
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    return launch(Topology.from_environment(production=args.production), shell=args.shell)


if __name__ == "__main__":
    sys.exit(main())
