"""The one place that reads the environment."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Messages per Rasa session (addons/tracker_store.py says why sessions stay short). Measured
# with the benchmark: 4 answered about 15% faster than 10, at 1 and at 10 committees.
DEFAULT_TURNS_PER_SESSION = 4
LOOPBACK = "127.0.0.1"
REQUEST_MAX_SIZE = 1_000_000  # bytes


@dataclass(frozen=True)
class Limits:
    """What the meeting page allows each client, in the `limits` library's notation
    ("30/minute"). Counted in `storage`: memory:// for one Rasa server, redis://... when
    several share the counting (the production profile)."""

    messages_per_device: str = "30/minute"
    messages_per_address: str = "120/minute"
    plans_per_address: str = "10/hour"
    # Wrong access keys per plan and client address: replies slow down past the first
    # number, and are refused for a while past the second. The right key is always let in.
    wrong_keys_slowed: str = "5/minute"
    wrong_keys_refused: str = "20/15 minutes"
    wrong_keys_per_address: str = "60/15 minutes"  # for all plans together
    storage: str = "memory://"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Limits:
        defaults = cls()
        return cls(
            **{
                name: environ.get(f"LIMIT_{name.upper()}") or getattr(defaults, name)
                for name in cls.__dataclass_fields__
            }
        )


@dataclass(frozen=True)
class Settings:
    database_url: str
    exports_dir: Path
    limits: Limits = Limits()
    # Signs the meeting page's short-lived download links; the launcher makes one per start,
    # shared by its Rasa servers. Empty: each server makes its own (its links work on it only).
    link_secret: str = ""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        default_db = PROJECT_ROOT / "var" / "planner.db"
        database_url = environ.get("DATABASE_URL") or f"sqlite:///{default_db}"
        exports_dir = Path(environ.get("EXPORTS_DIR") or PROJECT_ROOT / "exports")
        return cls(
            database_url=database_url,
            exports_dir=exports_dir.resolve(),
            limits=Limits.from_environment(environ),
            link_secret=environ.get("LINK_SECRET", ""),
        )


@dataclass(frozen=True)
class ActionServerCall:
    """Where a Rasa server's action server is and the secret it wants (endpoints.yml reads the
    same two variables): the Rasa server calls it besides Rasa's own calls (addons/read_ahead.py)."""

    url: str
    secret: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> ActionServerCall | None:
        url = environ.get("ACTION_SERVER_URL", "")
        return cls(url, environ.get("ACTION_SERVER_SECRET", "")) if url else None


# The production profile's defaults: this machine's PostgreSQL and Redis, two of each server.
PRODUCTION_DEFAULTS = {
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/planner",
    "CONVERSATIONS_URL": "postgresql://postgres@127.0.0.1:5432/planner",
    "LOCK_STORE": "redis",
    "REPLICAS": "2",
    "ACTION_SERVERS": "2",
}


@dataclass(frozen=True)
class Topology:
    """What `python -m bot.launcher` starts: how many Rasa servers and action servers, on which
    ports, and the stores they share. The embedded default is one of each, SQLite and an
    in-process lock; the production profile (`--production`, or the same variables set by hand)
    is PostgreSQL, Rasa's Redis lock store and several of each."""

    settings: Settings
    replicas: int
    action_servers: int
    port: int
    action_port: int
    conversations_url: str
    turns_per_session: int
    lock_store: str  # "in_memory" or "redis"
    redis_host: str
    redis_port: int
    api_token: str | None
    # Where the servers listen. Loopback unless the operator shares the page on the room's
    # network (HOST=0.0.0.0); action servers only need to be reachable by the Rasa servers.
    host: str
    action_host: str
    # Sent by every Rasa server to its action server, which refuses calls without it
    # (rasa_sdk_plugins/). Made afresh at each start unless set.
    action_secret: str
    tls_certificate: str | None
    tls_key: str | None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ, production: bool = False) -> Topology:
        env = {**(PRODUCTION_DEFAULTS if production else {}), **{k: v for k, v in environ.items() if v}}
        return cls(
            settings=Settings.from_environment(env),
            replicas=int(env.get("REPLICAS", 1)),
            action_servers=int(env.get("ACTION_SERVERS", 1)),
            port=int(env.get("PORT", 5005)),
            action_port=int(env.get("ACTION_PORT", 5055)),
            conversations_url=env.get("CONVERSATIONS_URL") or f"sqlite:///{PROJECT_ROOT / 'var' / 'conversations.db'}",
            turns_per_session=int(env.get("TURNS_PER_SESSION", DEFAULT_TURNS_PER_SESSION)),
            lock_store=env.get("LOCK_STORE", "in_memory"),
            redis_host=env.get("REDIS_HOST", "127.0.0.1"),
            redis_port=int(env.get("REDIS_PORT", 6379)),
            api_token=env.get("RASA_API_TOKEN"),
            host=env.get("HOST", LOOPBACK),
            action_host=env.get("ACTION_HOST", LOOPBACK),
            action_secret=env.get("ACTION_SERVER_SECRET") or secrets.token_urlsafe(32),
            tls_certificate=env.get("TLS_CERTIFICATE"),
            tls_key=env.get("TLS_KEY"),
        )

    @property
    def shared(self) -> bool:
        """Whether the meeting page is served beyond this computer."""
        return self.host not in (LOOPBACK, "localhost", "::1")

    @property
    def scheme(self) -> str:
        return "https" if self.tls_certificate else "http"

    def server_environment(self) -> dict[str, str]:
        """What every server process is given: endpoints.yml and the actions read these."""
        return {
            "DATABASE_URL": self.settings.database_url,
            "EXPORTS_DIR": str(self.settings.exports_dir),
            "CONVERSATIONS_URL": self.conversations_url,
            "TURNS_PER_SESSION": str(self.turns_per_session),
            "LOCK_STORE": self.lock_store,
            "REDIS_HOST": self.redis_host,
            "REDIS_PORT": str(self.redis_port),
            "ACTION_SERVER_SECRET": self.action_secret,
            "LINK_SECRET": self.settings.link_secret or self.derived_link_secret,
            # Several Rasa servers count the page's limits together, in Redis.
            "LIMIT_STORAGE": (
                f"redis://{self.redis_host}:{self.redis_port}/2"
                if self.lock_store == "redis"
                else self.settings.limits.storage
            ),
        }

    def rasa_server_environment(self) -> dict[str, str]:
        """What a Rasa server is given besides: Sanic refuses bodies over REQUEST_MAX_SIZE bytes
        before reading them (the page's longest answer fits, a flood does not). The action
        servers keep Sanic's default: a long answer reaches them several times over, inside the
        conversation Rasa sends with each call, from the Rasa servers alone."""
        return {**self.server_environment(), "SANIC_REQUEST_MAX_SIZE": str(REQUEST_MAX_SIZE)}

    @property
    def derived_link_secret(self) -> str:
        # A secret of its own, derived so that every Rasa server of one start agrees on it.
        return hashlib.sha256(f"download links\n{self.action_secret}".encode()).hexdigest()
