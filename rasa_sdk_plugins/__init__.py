"""The action server's door and its start. rasa-sdk looks for a top-level package of this name
at start (rasa_sdk/plugin.py) and lets it extend its Sanic app; this one refuses every call that
does not carry the secret the Rasa servers send (endpoints.yml: `action_endpoint.headers`), and
gets the Planner ready before the server takes its first call.

Without the secret, anyone who reaches the action server's port could run any action on any
plan, with any plan code in the tracker it sends. /health stays open: it says nothing.
"""

from __future__ import annotations

import gc
import hmac
import logging
import os
import sys

import pluggy
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

hookimpl = pluggy.HookimplMarker("rasa_sdk")
logger = logging.getLogger(__name__)
OPEN_PATHS = {"/health"}
KEEP_ALIVE_SECONDS = 60


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(sys.modules[__name__])


def expected_header(secret: str) -> str:
    return f"Bearer {secret}"


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    secret = os.environ.get("ACTION_SERVER_SECRET", "")
    if not secret:
        raise SystemExit(
            "ACTION_SERVER_SECRET is not set, so the action server would take calls from anyone. "
            "Start the servers with `make run` (it makes one), or set the same value for the Rasa "
            "server and the action server."
        )
    wanted = expected_header(secret).encode()

    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get("authorization", "").encode()
        if hmac.compare_digest(given, wanted):
            return None
        logger.warning("Refused a call to %s without the action server's secret.", request.path)
        return response.json({"error": "This server only takes calls from the assistant's Rasa servers."}, status=401)

    app.register_middleware(require_secret, "request")
    # The Rasa servers keep their connections to this server open between calls and drop one
    # idle for 4 s (addons/action_connections.py); this server keeps an idle one far longer than
    # that (Sanic's default is 5 s), so a call never goes out on a connection it is closing.
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS
    logger.info("The action server takes calls only with its secret.")
    app.register_listener(get_ready, "before_server_start")
    app.add_route(read_ahead, READ_AHEAD_PATH, methods=["POST"])


READ_AHEAD_PATH = "/read-ahead"


async def read_ahead(request: Request) -> HTTPResponse:
    """A long message the Rasa server has just received (addons/read_ahead.py): its reading
    starts now, in the reading process, and the answer it likely is finds it done or under way.
    Answered at once; nothing is stored."""
    from actions.runtime import shared_planner

    body = request.json if isinstance(request.json, dict) else {}
    if isinstance(body.get("text"), str):
        shared_planner().read_ahead(body["text"])
    return response.empty(status=202)


async def get_ready(app: Sanic, loop: object) -> None:
    """The Planner built now (spaCy and the value recognisers loaded), not during a committee's
    first answer, and the export process started; then everything loaded is frozen out of the
    garbage collector's reach: a full collection walked spaCy's millions of objects, a pause of
    0.1-0.2 s on one turn in each conversation (measured with a gc callback, 2026-12-02)."""
    from actions.runtime import prepare_export_process, prepare_reading_process, shared_planner

    planner = shared_planner()  # actions imports this package first
    prepare_export_process(planner)
    prepare_reading_process(planner)
    gc.freeze()
    logger.info("The planner is ready.")
