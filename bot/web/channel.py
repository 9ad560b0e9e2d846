"""The meeting page's input channel. Registered in credentials.yml, it is served by the
Rasa server itself under /webhooks/meeting/: the page, its messages, the plan's state
for live updates, and the plan's documents. Everything about a plan needs its code and
access key; nothing lists plans.
"""
from __future__ import annotations

import asyncio
import inspect
import re
from functools import cached_property
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.planner import Planner, PlanNotFound
from bot.settings import Settings
from bot.storage import normalize_code
from bot.web.state import page_state

STATIC = Path(__file__).with_name("static")
ASSETS = {"app.js": "text/javascript", "app.css": "text/css"}
DEVICE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
REFUSED = "This plan needs its code and access key. Ask whoever created the plan for them."
MAX_MESSAGE = 200_000  # characters; the planner refuses answers past its own limit with a reason


def _json_body(request: Request) -> Dict[Text, Any]:
    try:
        body = request.json
    except Exception:  # malformed JSON is the client's mistake, not a crash
        return {}
    return body if isinstance(body, dict) else {}


class MeetingPageInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "meeting"

    def __init__(self, planner: Optional[Planner] = None) -> None:
        self._given_planner = planner

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "MeetingPageInput":
        return cls()

    @cached_property
    def planner(self) -> Planner:
        # The Rasa server's one Planner, built when the page is first used.
        return self._given_planner or Planner.from_settings(Settings.from_environment())

    async def _allowed(self, code: Optional[str], key: Optional[str]) -> bool:
        if not code or not key or not isinstance(code, str) or not isinstance(key, str):
            return False
        return await asyncio.to_thread(self.planner.has_access, code, key)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        page = Blueprint("meeting_page", module.__name__ if module else None)

        @page.route("/", methods=["GET"])
        async def index(request: Request) -> HTTPResponse:
            return await response.file(STATIC / "index.html", mime_type="text/html")

        @page.route("/static/<name>", methods=["GET"])
        async def asset(request: Request, name: str) -> HTTPResponse:
            if name not in ASSETS:  # a fixed list: nothing else on disk is reachable
                return response.json({"error": "Not found."}, status=404)
            return await response.file(STATIC / name, mime_type=ASSETS[name])

        @page.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = _json_body(request)
            device, text = body.get("device"), body.get("message")
            code, key = body.get("code"), body.get("key")
            if not isinstance(device, str) or not DEVICE.match(device) or not isinstance(text, str):
                return response.json({"error": "Send JSON with a device id and a message."}, status=400)
            if len(text) > MAX_MESSAGE:
                return response.json({"error": f"That message is over {MAX_MESSAGE:,} characters; please split it."}, status=413)
            if code is not None and not await self._allowed(code, key):
                return response.json({"error": REFUSED}, status=403)
            plan = normalize_code(code) if code else None
            speaker = body.get("speaker")
            metadata = {
                "plan_code": plan,  # verified above: actions bind this conversation to it
                "speaker": speaker.strip()[:80] if isinstance(speaker, str) and speaker.strip() else None,
            }
            collector = CollectingOutputChannel()
            await on_new_message(UserMessage(
                text, collector, f"meeting:{plan or 'new'}:{device}",
                input_channel=self.name(), metadata=metadata,
            ))
            created = next((m["custom"]["plan_created"] for m in collector.messages
                            if isinstance(m.get("custom"), dict) and "plan_created" in m["custom"]), None)
            return response.json({
                "messages": [m["text"] for m in collector.messages if m.get("text")],
                "plan": created,
            })

        @page.route("/state", methods=["GET"])
        async def state(request: Request) -> HTTPResponse:
            code, key = request.args.get("code"), request.args.get("key")
            if not await self._allowed(code, key):
                return response.json({"error": REFUSED}, status=403)
            try:
                return response.json(await asyncio.to_thread(page_state, self.planner, code))
            except PlanNotFound:
                return response.json({"error": REFUSED}, status=403)

        @page.route("/download/<code>/<name>", methods=["GET"])
        async def download(request: Request, code: str, name: str) -> HTTPResponse:
            if not await self._allowed(code, request.args.get("key")):
                return response.json({"error": REFUSED}, status=403)
            exported = await asyncio.to_thread(self.planner.exports, code)
            # Only a file this plan exported, by its exact recorded name: no path reaches further.
            if name not in {record.file_name for record in exported}:
                return response.json({"error": "No such document for this plan. Export it first."}, status=404)
            path = self.planner.exports_dir / name
            if not path.is_file():
                return response.json({"error": "That document is no longer in the exports folder. Export again."}, status=404)
            return await response.file(
                path, filename=name,
                mime_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )

        return page
