"""What the meeting page allows each client, and the headers every page response carries.

Counting is the `limits` library's moving window, in the storage that bot/settings.py names:
memory for one Rasa server, Redis when several Rasa servers must count together. Nothing here
imports Rasa or Sanic, so the rules are testable on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.settings import Limits

# Every page response. The page has no inline script or style, loads nothing from elsewhere,
# and is never framed (clickjacking) nor named in another site's Referer header.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# A plan's state, messages and documents: no browser or proxy keeps a copy.
NOT_STORED = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int  # seconds


class Allowance:
    def __init__(self, limits: Limits) -> None:
        # The strategy holds its storage by a weak reference only: this keeps it alive.
        self.storage = storage_from_string(limits.storage)
        self.counter = MovingWindowRateLimiter(self.storage)
        self.messages_per_device = parse(limits.messages_per_device)
        self.messages_per_address = parse(limits.messages_per_address)
        self.plans_per_address = parse(limits.plans_per_address)
        self.wrong_keys_slowed = parse(limits.wrong_keys_slowed)
        self.wrong_keys_refused = parse(limits.wrong_keys_refused)
        self.wrong_keys_per_address = parse(limits.wrong_keys_per_address)

    def message(self, device: str, address: str) -> Refusal | None:
        """Count one message; a refusal if the device or its address sent too many."""
        for rule, who, per in (
            (self.messages_per_device, f"device:{device}", "this device"),
            (self.messages_per_address, f"address:{address}", "this address"),
        ):
            if not self.counter.hit(rule, "messages", who):
                return Refusal(
                    f"That is more messages from {per} than the assistant takes ({rule}). Nothing was "
                    "saved from this one: wait a moment and send it again.",
                    self._wait(rule, "messages", who),
                )
        return None

    def may_create_plan(self, address: str) -> bool:
        return self.counter.test(self.plans_per_address, "plans", address)

    def plan_created(self, address: str) -> None:
        self.counter.hit(self.plans_per_address, "plans", address)

    def wrong_key(self, code: str, address: str) -> tuple[bool, Refusal | None]:
        """Count a wrong key for this plan from this address, and from this address for any plan
        (trying many plans is guessing too): (whether to slow the reply, a refusal once there
        were too many). The right key is never counted or refused."""
        who = (code.upper(), address)
        refused = not self.counter.hit(self.wrong_keys_refused, "wrong-keys", *who)
        anywhere = not self.counter.hit(self.wrong_keys_per_address, "wrong-keys-any-plan", address)
        slowed = not self.counter.hit(self.wrong_keys_slowed, "wrong-keys-slowed", *who)
        if refused or anywhere:
            rule, identifiers = (
                (self.wrong_keys_refused, ("wrong-keys", *who))
                if refused
                else (self.wrong_keys_per_address, ("wrong-keys-any-plan", address))
            )
            minutes = max(1, round(self._wait(rule, *identifiers) / 60))
            return True, Refusal(
                f"Too many wrong access keys for this plan from this address. Wait about {minutes} "
                "minute(s), and check the key with whoever created the plan.",
                minutes * 60,
            )
        return slowed, None

    def _wait(self, rule: RateLimitItem, *identifiers: str) -> int:
        reset, _ = self.counter.get_window_stats(rule, *identifiers)
        return max(1, int(reset - time.time()))


class DownloadLinks:
    """Short-lived signed links to a plan's documents, so that the access key never goes into
    a URL (browser history, server logs, a Referer header)."""

    LIFETIME = 120  # seconds: the page asks for a link when the button is pressed

    def __init__(self, secret: str) -> None:
        self.secret = (secret or secrets.token_urlsafe(32)).encode()

    def signature(self, code: str, name: str, expires: int) -> str:
        message = f"{code.upper()}\n{name}\n{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def query(self, code: str, name: str) -> str:
        expires = int(time.time() + self.LIFETIME)
        return f"expires={expires}&signature={self.signature(code, name, expires)}"

    def valid(self, code: str, name: str, expires: str, signature: str) -> bool:
        if not (expires.isascii() and expires.isdigit()) or int(expires) < time.time():
            return False
        return hmac.compare_digest(self.signature(code, name, int(expires)).encode(), signature.encode())
