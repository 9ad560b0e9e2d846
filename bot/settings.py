"""The one place that reads the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Messages per Rasa session (addons/tracker_store.py says why sessions stay short). Measured
# with the benchmark: 4 answered about 15% faster than 10, at 1 and at 10 committees.
DEFAULT_TURNS_PER_SESSION = 4


@dataclass(frozen=True)
class Settings:
    database_url: str
    exports_dir: Path

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        default_db = PROJECT_ROOT / "var" / "planner.db"
        database_url = environ.get("DATABASE_URL") or f"sqlite:///{default_db}"
        exports_dir = Path(environ.get("EXPORTS_DIR") or PROJECT_ROOT / "exports")
        return cls(database_url=database_url, exports_dir=exports_dir.resolve())


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
    api_token: Optional[str]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ, production: bool = False) -> "Topology":
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
        )

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
        }
