"""Rasa opens a new aiohttp session, and with it a new TCP connection, for every call to the
action server (`EndpointConfig.request` does `async with self.session()`), and the action
server's Sanic accepts a new connection each time: py-spy put about a tenth of the Rasa server's
time per turn there (README, "Speed"), for up to three calls a turn.

Here the sessions Rasa makes (for the action server, and for any other HTTP endpoint it calls)
share one connection pool per event loop, which they do not own: closing a session at the end of
`request` leaves its connection open for the next call. A connection idle for `IDLE_SECONDS` is
dropped, long before the action server closes an idle one (60 s, rasa_sdk_plugins: Sanic's own
default of 5 s left too thin a margin when the Rasa server's loop is busy), so a call does not go
out on a connection the server is closing. Headers, authentication and the timeout are Rasa's own.
"""

from __future__ import annotations

import asyncio

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

IDLE_SECONDS = 4.0
# The pool and the loop it serves: the Rasa server runs one loop; a new loop (a test's
# asyncio.run) gets a new pool.
_pool: tuple[asyncio.AbstractEventLoop, aiohttp.TCPConnector] | None = None


def pool() -> aiohttp.TCPConnector:
    """The running loop's connection pool, made on its first call."""
    global _pool
    loop = asyncio.get_running_loop()
    if _pool is None or _pool[0] is not loop or _pool[1].closed:
        _pool = (loop, aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS))
    return _pool[1]


def reuse_connections() -> None:
    def session(self: EndpointConfig) -> aiohttp.ClientSession:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        return aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=pool(),
            connector_owner=False,
        )

    EndpointConfig.session = session
