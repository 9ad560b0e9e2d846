"""The one place that reads the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
