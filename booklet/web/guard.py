"""The page's walls before any form is read: who is asking (by address, or by the address a
named proxy forwards), how often they may ask, and from which site."""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
RATE = (4.0, 40.0)  # renders a second per client, and how many may come at once
MAX_CLIENTS = 10_000  # clients remembered at once: the oldest are forgotten first


class RateLimit:
    """A token bucket per client: `per_second` renders a second, `burst` at once. The
    buckets are bounded (the least recently seen go first), so a flood of addresses costs
    memory once."""

    def __init__(self, per_second: float, burst: float, clock: Any = time.monotonic) -> None:
        self.per_second, self.burst, self.clock = per_second, burst, clock
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self.lock = threading.Lock()

    def wait(self, client: str, cost: float = 1.0) -> float:
        """0 if the client may go on now (and `cost` renders are counted), else the seconds
        to wait."""
        now = self.clock()
        with self.lock:
            tokens, then = self.buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.per_second)
            if tokens >= cost:
                self.buckets[client] = (tokens - cost, now)
                wait = 0.0
            else:
                self.buckets[client] = (tokens, now)
                wait = (cost - tokens) / self.per_second
            while len(self.buckets) > MAX_CLIENTS:
                self.buckets.popitem(last=False)
        return wait


def client_of(scope: Mapping[str, Any], proxies: frozenset[str]) -> str:
    """The client's address: the connection's, or, when the connection comes from a proxy
    named with --proxy, the last address that proxy put in X-Forwarded-For (what it saw;
    anything before it the client could have written itself)."""
    peer = (scope.get("client") or ("?", 0))[0]
    if peer not in proxies:
        return str(peer)
    for name, value in scope.get("headers") or ():
        if name == b"x-forwarded-for":
            last = value.decode("latin-1").split(",")[-1].strip()
            try:
                return str(ipaddress.ip_address(last))
            except ValueError:
                return str(peer)
    return str(peer)


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def allowed_hosts(hosts: tuple[str, ...]) -> list[str]:
    """The Host names the page answers at: this machine's loopback names and those given
    (an IPv6 address in brackets, as a Host header writes it)."""
    names = list(LOOPBACK_HOSTS)
    for host in hosts:
        host = host.strip().lower()
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        if host and host not in names:
            names.append(host)
    return names


class SameOrigin:
    """Refuses (403) a POST sent from another site: its Origin is not this server, or the
    browser says it crossed sites."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pool: Any = None  # the render workers, for whoever runs the server to close
        self.site: Any = None  # what the routes share, for tools and tests to look into

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            host = headers.get("host", "")
            origin = headers.get("origin")
            cross = headers.get("sec-fetch-site") == "cross-site"
            if cross or (origin is not None and origin.split("://", 1)[-1] != host):
                from starlette.responses import PlainTextResponse

                response = PlainTextResponse("Refused: this form comes from another site.", 403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
