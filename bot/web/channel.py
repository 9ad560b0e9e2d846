"""The meeting page's input channel. Registered in credentials.yml, it is served by the
Rasa server itself under /webhooks/meeting/: the page, its messages, the plan's state
for live updates, and the plan's documents. Everything about a plan needs its code and
access key; nothing lists plans.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import replies
from bot.plans.codes import normalize_code
from bot.plans.planner import MAX_ANSWER_LENGTH, Planner, PlanNotFound
from bot.plans.text import clean_text
from bot.plans.views import MAX_NAME_LENGTH
from bot.settings import Settings
from bot.web.guard import NOT_STORED, SECURITY_HEADERS, Allowance, DownloadLinks, Refusal
from bot.web.state import page_state

# The plan's code and key travel in headers, never in a URL.
CODE_HEADER, KEY_HEADER = "X-Plan-Code", "X-Plan-Key"
WRONG_KEY_DELAY = 1.0  # seconds, once a plan has had several wrong keys from one address

STATIC = Path(__file__).with_name("static")
ASSETS = {"app.js": "text/javascript", "app.css": "text/css"}
DEVICE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
REFUSED = "This plan needs its code and access key. Ask whoever created the plan for them."
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:  # malformed JSON is the client's mistake, not a crash
        return {}
    return body if isinstance(body, dict) else {}


def _text(value: Any) -> str | None:
    return clean_text(value) if isinstance(value, str) else None


def _refused(refusal: Refusal) -> HTTPResponse:
    return response.json({"error": refusal.message}, status=429, headers={"Retry-After": str(refusal.retry_after)})


class MeetingPageInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "meeting"

    def __init__(self, planner: Planner | None = None) -> None:
        self._given_planner = planner
        settings = Settings.from_environment()
        self.allowance = Allowance(settings.limits)
        self.links = DownloadLinks(settings.link_secret)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MeetingPageInput:
        return cls()

    @cached_property
    def planner(self) -> Planner:
        # The Rasa server's one Planner, built when the page is first used.
        return self._given_planner or Planner.from_settings(Settings.from_environment())

    async def _checked(self, request: Request, code: Any, key: Any) -> HTTPResponse | None:
        """None when `key` is this plan's own key; else the refusal to send. Wrong keys are
        counted per plan and address: slowed, then refused for a while."""
        if not isinstance(code, str) or not code or not isinstance(key, str) or not key:
            return response.json({"error": REFUSED}, status=403)
        if await asyncio.to_thread(self.planner.has_access, code, key):
            return None
        slowed, refusal = await asyncio.to_thread(self.allowance.wrong_key, normalize_code(code), request.ip)
        if slowed:
            await asyncio.sleep(WRONG_KEY_DELAY)
        return _refused(refusal) if refusal else response.json({"error": REFUSED}, status=403)

    async def _plan_in_headers(self, request: Request) -> tuple[str, HTTPResponse | None]:
        """The plan named by the request's headers, or the refusal to send."""
        code = request.headers.get(CODE_HEADER) or ""
        return code, await self._checked(request, code, request.headers.get(KEY_HEADER))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        page = Blueprint("meeting_page", module.__name__ if module else None)

        @page.middleware("response")
        async def headers(request: Request, reply: HTTPResponse) -> None:
            reply.headers.update(SECURITY_HEADERS)
            if request.path.rstrip("/").rsplit("/", 1)[-1] not in ASSETS:
                reply.headers.update(NOT_STORED)

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
            device, text = body.get("device"), _text(body.get("message"))
            code, key = body.get("code"), body.get("key")
            if not isinstance(device, str) or not DEVICE.match(device) or text is None:
                return response.json({"error": "Send JSON with a device id and a message."}, status=400)
            if not text.strip() and body["message"].strip():
                return response.json(
                    {
                        "error": "That message held only characters that cannot be stored (such "
                        "as half of an emoji); nothing was saved. Please type it again."
                    },
                    status=400,
                )
            if len(text) > MAX_ANSWER_LENGTH:
                return response.json(
                    {
                        "error": f"That message is {len(text):,} characters long; the limit is "
                        f"{MAX_ANSWER_LENGTH:,}. Nothing was saved: please send it in parts."
                    },
                    status=413,
                )
            # Counted before the key is checked: a request refused for its key is still a request.
            too_many = await asyncio.to_thread(self.allowance.message, device, request.ip)
            if too_many is not None:
                return _refused(too_many)
            if code is not None:
                refusal = await self._checked(request, code, key)
                if refusal is not None:
                    return refusal
            plan = normalize_code(code) if code else None
            speaker = " ".join((_text(body.get("speaker")) or "").split())[:MAX_NAME_LENGTH]
            metadata = {
                "plan_code": plan,  # verified above: actions act on this plan and no other
                "speaker": speaker or None,
                "new_plans_allowed": await asyncio.to_thread(self.allowance.may_create_plan, request.ip),
            }
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    f"meeting:{plan or 'new'}:{device}",
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
            messages = [m["text"] for m in collector.messages if m.get("text")]
            created = next(
                (
                    m["custom"]["plan_created"]
                    for m in collector.messages
                    if isinstance(m.get("custom"), dict) and "plan_created" in m["custom"]
                ),
                None,
            )
            bound = None
            if created:
                # The key is made here and handed to this page alone, so that no stored
                # conversation holds it (the action's reply said where to find it).
                new_key = await asyncio.to_thread(self.planner.issue_key, created["code"])
                await asyncio.to_thread(self.allowance.plan_created, request.ip)
                if new_key:
                    bound = {"code": created["code"], "key": new_key}
                    messages.append(replies.access_key(created["code"], new_key))
            # Buttons a reply offers (save it as an answer, or the command it also reads as):
            # each sends its payload as the page's next message.
            choices = [
                {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                for m in collector.messages
                for b in m.get("buttons") or []
            ]
            return response.json({"messages": messages, "plan": bound, "choices": choices})

        @page.route("/state", methods=["GET"])
        async def state(request: Request) -> HTTPResponse:
            code, refusal = await self._plan_in_headers(request)
            if refusal is not None:
                return refusal
            try:
                return response.json(await asyncio.to_thread(page_state, self.planner, code))
            except PlanNotFound:
                return response.json({"error": REFUSED}, status=403)

        @page.route("/link", methods=["POST"])
        async def link(request: Request) -> HTTPResponse:
            """A short-lived link to one of the plan's documents, asked for with the key in headers."""
            code, refusal = await self._plan_in_headers(request)
            if refusal is not None:
                return refusal
            name = _json_body(request).get("file")
            exported = await asyncio.to_thread(self.planner.exports, code)
            # Only a file this plan exported, by its exact recorded name: no path reaches further.
            if not isinstance(name, str) or name not in {record.file_name for record in exported}:
                return response.json({"error": "No such document for this plan. Export it first."}, status=404)
            plan = normalize_code(code)
            return response.json({"url": f"download/{quote(plan)}/{quote(name)}?{self.links.query(plan, name)}"})

        @page.route("/download/<code>/<name>", methods=["GET"])
        async def download(request: Request, code: str, name: str) -> HTTPResponse:
            expires, signature = request.args.get("expires", ""), request.args.get("signature", "")
            if not self.links.valid(normalize_code(code), name, expires, signature):
                return response.json(
                    {
                        "error": "This download link is not valid or has expired. Use the "
                        "“Documents” list on the meeting page again."
                    },
                    status=403,
                )
            path = self.planner.exports_dir / name
            if not path.is_file():
                return response.json(
                    {"error": "That document is no longer in the exports folder. Export again."}, status=404
                )
            return await response.file(path, filename=name, mime_type=DOCX)

        return page
