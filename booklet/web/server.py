"""Running the page: uvicorn, with a deadline for every request's headers.

uvicorn closes idle keep-alive connections but waits for ever on a request whose headers
trickle in a byte at a time; a thousand such connections would hold the server. Here each
connection must finish sending its headers within HEADER_TIMEOUT of starting them (a body has
its own deadline, in the app), and the process may hold as many connections as the system
lets it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from booklet.web.app import HEADER_TIMEOUT


def header_timeout_protocol() -> Any:
    """uvicorn's h11 protocol, closing a connection whose headers take too long."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderDeadline(H11Protocol):
        header_timer: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            if self.header_timer is None:
                self.header_timer = self.loop.call_later(HEADER_TIMEOUT, self._too_slow)

        def _disarm(self) -> None:
            if self.header_timer is not None:
                self.header_timer.cancel()
                self.header_timer = None

        def _too_slow(self) -> None:
            self.header_timer = None
            if self.cycle is None or self.cycle.response_complete:
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self.cycle is None or self.cycle.response_complete:
                self._arm()  # the start (or trickle) of a request's headers
            super().data_received(data)
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # the headers are in: the app takes it from here

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderDeadline


def raise_open_file_limit() -> None:
    """A server holds a descriptor per connection: allow as many as the system lets us."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else 65536
        if soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, 65536), hard))


def server_config(app: Any, host: str, port: int) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=header_timeout_protocol(),
        timeout_keep_alive=5,
        backlog=2048,
    )


def run(app: Any, host: str, port: int) -> None:
    """Serve `app` until Ctrl-C, then stop its render workers."""
    import uvicorn

    raise_open_file_limit()
    try:
        uvicorn.Server(server_config(app, host, port)).run()
    finally:
        pool = getattr(app, "pool", None)
        if pool is not None:
            pool.close()
